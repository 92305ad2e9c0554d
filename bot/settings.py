"""Every knob of the product, read from OTBOT_* environment variables: the only place that reads the environment.

Values come from the environment, else from a `.env` file in the working directory (see `.env.example`),
else the defaults below. A value that cannot work stops at load time with the variable named: see
`problems()` for the one-line-per-variable form the CLI prints.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.enums import Channel

ENV_PREFIX = "OTBOT_"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("auto", "json", "console")
LogFormat = Literal["auto", "json", "console"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///otbot.db",
        description="SQLAlchemy URL. Default: the SQLite file otbot.db in the working directory.",
    )
    timezone: str = Field(default="Europe/Oslo", description="Time zone shown to people; storage is UTC.")
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The address providers and youth reach this service at (webhooks, chat links).",
    )
    default_region: str = Field(
        default="NO", description="Region (ISO 3166 code phonenumbers knows) for phone numbers written without +country."
    )
    default_county: str | None = Field(default=None, description="County used by import when the file has none.")
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING, ERROR or CRITICAL.")
    log_format: LogFormat = Field(
        default="auto", description="auto (console on a terminal, else JSON lines), json or console."
    )

    rate_limits: dict[str, float] = Field(
        default={Channel.SMS.value: 10.0, Channel.TELEGRAM.value: 25.0, Channel.EMAIL.value: 5.0},
        description='Messages per second per channel, as JSON: {"sms": 10, "telegram": 25}. A channel not named '
        "is not limited (the console).",
    )

    secret_key: SecretStr | None = Field(
        default=None, description="Signs the one-time chat links. Unset: a random key made once and kept in the "
        "database (every process of one deployment shares it).",
    )
    chat_link_days: int = Field(default=14, ge=1, le=90, description="Days a one-time chat link stays valid.")

    # Twilio SMS: the account, and the sender (a From number, or a Messaging Service whose pool sends).
    twilio_account_sid: str | None = Field(default=None, description="Twilio Account SID (AC…).")
    twilio_auth_token: SecretStr | None = Field(default=None, description="Twilio auth token (signs webhooks).")
    twilio_from: str | None = Field(default=None, description="The sending number, E.164.")
    twilio_messaging_service_sid: str | None = Field(default=None, description="A Messaging Service SID (MG…); "
                                                     "preferred over OTBOT_TWILIO_FROM when both are set.")
    twilio_api_url: str | None = Field(default=None, description="Twilio's API base URL; only for a test peer.")

    # Telegram through aiogram: the bot's token and the webhook's secret token.
    telegram_token: SecretStr | None = Field(default=None, description="The bot token from @BotFather.")
    telegram_secret: SecretStr | None = Field(default=None, description="The webhook's secret token (1-256 of "
                                              "A-Z, a-z, 0-9, _ and -); Telegram sends it on every update.")
    telegram_bot_username: str | None = Field(default=None, description="The bot's username for deep links; "
                                              "unset: asked of Telegram (getMe) at start.")
    telegram_api_url: str | None = Field(default=None, description="The Bot API base URL; only for a test peer.")

    # E-mail, the last automatic rung.
    smtp_host: str | None = Field(default=None, description="SMTP server; e-mail is off without it.")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = Field(default=None, description="The From address of our e-mail.")
    smtp_starttls: bool = Field(default=True, description="Upgrade the connection with STARTTLS (port 587).")
    smtp_timeout: float = Field(default=20.0, gt=0)

    @field_validator("rate_limits")
    @classmethod
    def _known_channels(cls, value: dict[str, float]) -> dict[str, float]:
        known = {c.value for c in Channel}
        for channel, rate in value.items():
            if channel not in known:
                raise ValueError(f"unknown channel {channel!r} (one of {', '.join(sorted(known))})")
            if not rate > 0:
                raise ValueError(f"the rate for {channel} must be a positive number of messages per second")
        return value

    @field_validator("timezone", mode="before")
    @classmethod
    def _known_zone(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        name = value.strip()
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r} (e.g. Europe/Oslo)") from None
        return name

    @field_validator("log_level", mode="before")
    @classmethod
    def _known_level(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        level = value.strip().upper()
        if level == "WARN":
            level = "WARNING"
        if level not in LOG_LEVELS:
            raise ValueError(f"unknown log level {value.strip()!r} ({', '.join(LOG_LEVELS[:-1])} or {LOG_LEVELS[-1]})")
        return level

    @field_validator("log_format", mode="before")
    @classmethod
    def _known_format(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        fmt = value.strip().lower()
        if fmt not in LOG_FORMATS:
            raise ValueError(f"unknown log format {value.strip()!r} (auto, json or console)")
        return fmt

    @field_validator("default_region", mode="before")
    @classmethod
    def _known_region(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        import phonenumbers

        region = value.strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown phone region {value.strip()!r} (a two-letter country code, e.g. NO)")
        return region

    @field_validator("default_county", mode="before")
    @classmethod
    def _empty_county_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_secret")
    @classmethod
    def _telegram_secret_chars(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("1 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("twilio_from", "twilio_messaging_service_sid", "twilio_account_sid", "smtp_host", "smtp_from",
                     "telegram_bot_username", "twilio_api_url", "telegram_api_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _channels_complete(self) -> Settings:
        twilio = (self.twilio_account_sid, self.twilio_auth_token)
        if any(twilio) and not all(twilio):
            raise ValueError("OTBOT_TWILIO_ACCOUNT_SID and OTBOT_TWILIO_AUTH_TOKEN go together")
        if all(twilio) and not (self.twilio_from or self.twilio_messaging_service_sid):
            raise ValueError("Twilio needs OTBOT_TWILIO_FROM or OTBOT_TWILIO_MESSAGING_SERVICE_SID")
        if self.telegram_token and not self.telegram_secret:
            raise ValueError("OTBOT_TELEGRAM_TOKEN needs OTBOT_TELEGRAM_SECRET (the webhook is refused without it)")
        if self.smtp_host and not self.smtp_from:
            raise ValueError("OTBOT_SMTP_HOST needs OTBOT_SMTP_FROM")
        return self

    @property
    def twilio_enabled(self) -> bool:
        return self.twilio_account_sid is not None and self.twilio_auth_token is not None

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_token is not None

    @property
    def email_enabled(self) -> bool:
        return self.smtp_host is not None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def log_level_number(self) -> int:
        return int(logging.getLevelName(self.log_level))


def problems(error: ValidationError) -> list[str]:
    """One line per bad variable, `OTBOT_NAME: reason`, never the value of a variable that was not named."""
    lines: list[str] = []
    for item in error.errors(include_url=False, include_input=False):
        field = str(item["loc"][0]) if item.get("loc") else ""
        variable = f"{ENV_PREFIX}{field.upper()}" if field else "settings"
        context = item.get("ctx") or {}
        reason = str(context["error"]) if isinstance(context.get("error"), Exception) else item["msg"]
        line = f"{variable}: {reason}"
        if line not in lines:
            lines.append(line)
    return lines


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
