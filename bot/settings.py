"""Every knob of the product, read from OTBOT_* environment variables: the only place that reads the environment.

Values come from the environment, else from a `.env` file in the working directory (see `.env.example`),
else the defaults below. A value that cannot work stops at load time with the variable named: see
`problems()` for the one-line-per-variable form the CLI prints.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
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
