"""Every knob of the product, read from OTBOT_* environment variables: the only place that reads the environment."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OTBOT_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///otbot.db",
        description="SQLAlchemy URL. Default: the SQLite file otbot.db in the working directory.",
    )
    timezone: str = Field(default="Europe/Oslo", description="Time zone shown to people; storage is UTC.")
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The address providers and youth reach this service at (webhooks, chat links).",
    )
    default_region: str = Field(default="NO", description="Region for phone numbers written without +country.")
    default_county: str | None = Field(default=None, description="County used by import when the file has none.")
    log_level: str = Field(default="INFO")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
