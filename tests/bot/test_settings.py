"""Settings: read from OTBOT_* variables and .env, checked at load time, bad values named one line each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsError

from bot.settings import Settings, problems

VARIABLES = ("DATABASE_URL", "TIMEZONE", "PUBLIC_URL", "DEFAULT_REGION", "DEFAULT_COUNTY", "LOG_LEVEL", "LOG_FORMAT")


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No OTBOT_ variable from the developer's shell, and a working directory without a .env."""
    for name in VARIABLES:
        monkeypatch.delenv(f"OTBOT_{name}", raising=False)
    monkeypatch.chdir(tmp_path)


def errors_of(**env: str) -> list[str]:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(f"OTBOT_{name.upper()}", value)
        with pytest.raises(ValidationError) as info:
            Settings()
    return problems(info.value)


def test_defaults() -> None:
    settings = Settings()
    assert (settings.timezone, settings.default_region, settings.log_level, settings.log_format) == (
        "Europe/Oslo", "NO", "INFO", "auto")
    assert settings.tz.key == "Europe/Oslo"
    assert settings.default_county is None


def test_values_are_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"TIMEZONE": " America/New_York ", "DEFAULT_REGION": "se", "LOG_LEVEL": "debug",
                        "LOG_FORMAT": "JSON", "DEFAULT_COUNTY": "  "}.items():
        monkeypatch.setenv(f"OTBOT_{name}", value)
    settings = Settings()
    assert (settings.timezone, settings.default_region, settings.log_level, settings.log_format) == (
        "America/New_York", "SE", "DEBUG", "json")
    assert settings.default_county is None
    assert settings.log_level_number == 10


@pytest.mark.parametrize(("name", "value", "line"), [
    ("timezone", "Mars/Olympus", "OTBOT_TIMEZONE: unknown time zone 'Mars/Olympus' (e.g. Europe/Oslo)"),
    ("timezone", "../../etc/passwd", "OTBOT_TIMEZONE: unknown time zone '../../etc/passwd' (e.g. Europe/Oslo)"),
    ("timezone", "", "OTBOT_TIMEZONE: unknown time zone '' (e.g. Europe/Oslo)"),
    ("log_level", "verbose", "OTBOT_LOG_LEVEL: unknown log level 'verbose' (DEBUG, INFO, WARNING, ERROR or CRITICAL)"),
    ("default_region", "XX", "OTBOT_DEFAULT_REGION: unknown phone region 'XX' (a two-letter country code, e.g. NO)"),
    ("default_region", "Norway", "OTBOT_DEFAULT_REGION: unknown phone region 'Norway' (a two-letter country code, e.g. NO)"),
    ("log_format", "xml", "OTBOT_LOG_FORMAT: unknown log format 'xml' (auto, json or console)"),
])
def test_a_bad_value_is_named_in_one_line(name: str, value: str, line: str) -> None:
    assert errors_of(**{name: value}) == [line]


def test_one_line_per_bad_variable() -> None:
    lines = errors_of(timezone="Nowhere", log_level="x", default_region="QQ")
    assert [line.split(":")[0] for line in lines] == ["OTBOT_TIMEZONE", "OTBOT_DEFAULT_REGION", "OTBOT_LOG_LEVEL"]


def test_dot_env_is_read_and_the_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("OTBOT_LOG_LEVEL=warning\nOTBOT_TIMEZONE=UTC\nOTHER=1\n", encoding="utf-8")
    monkeypatch.setenv("OTBOT_TIMEZONE", "Europe/Oslo")
    settings = Settings()
    assert settings.log_level == "WARNING" and settings.timezone == "Europe/Oslo"


def test_dot_env_example_lists_every_setting_with_its_default() -> None:
    example = Path(__file__).resolve().parents[2] / ".env.example"
    lines = [line for line in example.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    listed = dict(line.split("=", 1) for line in lines)
    for name, field in Settings.model_fields.items():
        variable = f"OTBOT_{name.upper()}"
        assert variable in listed, variable
        if isinstance(field.default, dict):  # JSON in the environment
            assert json.loads(listed[variable]) == field.default, variable
        else:
            assert listed[variable] == ("" if field.default is None else str(field.default)), variable


def test_rate_limits_are_json_per_known_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTBOT_RATE_LIMITS", '{"sms": 2.5}')
    assert Settings().rate_limits == {"sms": 2.5}
    for bad in ('{"pigeon": 1}', '{"sms": 0}', "fast"):
        monkeypatch.setenv("OTBOT_RATE_LIMITS", bad)
        with pytest.raises((ValidationError, SettingsError)):
            Settings()


@pytest.mark.parametrize(("env", "line"), [
    ({"twilio_account_sid": "AC1"}, "settings: OTBOT_TWILIO_ACCOUNT_SID and OTBOT_TWILIO_AUTH_TOKEN go together"),
    ({"twilio_account_sid": "AC1", "twilio_auth_token": "t"},
     "settings: Twilio needs OTBOT_TWILIO_FROM or OTBOT_TWILIO_MESSAGING_SERVICE_SID"),
    ({"telegram_token": "1:x"}, "settings: OTBOT_TELEGRAM_TOKEN needs OTBOT_TELEGRAM_SECRET (the webhook is "
     "refused without it)"),
    ({"telegram_token": "1:x", "telegram_secret": "has spaces"},
     "OTBOT_TELEGRAM_SECRET: 1 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)"),
    ({"smtp_host": "smtp.example"}, "settings: OTBOT_SMTP_HOST needs OTBOT_SMTP_FROM"),
])
def test_a_channel_half_configured_is_one_line(env: dict[str, str], line: str) -> None:
    assert errors_of(**env) == [line]


def test_secrets_never_show_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTBOT_TWILIO_ACCOUNT_SID", "AC1")
    monkeypatch.setenv("OTBOT_TWILIO_AUTH_TOKEN", "very-secret-token")
    monkeypatch.setenv("OTBOT_TWILIO_FROM", "+4759440000")
    settings = Settings()
    assert settings.twilio_enabled and "very-secret-token" not in repr(settings)
