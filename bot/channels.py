"""The channels of one process, from the settings: a real provider where its account is configured, the
console where it is not (the embedded default needs no account), and the web chat always.

| channel  | configured by                                   | else               |
|----------|-------------------------------------------------|--------------------|
| SMS      | OTBOT_TWILIO_ACCOUNT_SID, _AUTH_TOKEN, _FROM or  | the console        |
|          | _MESSAGING_SERVICE_SID                          |                    |
| Telegram | OTBOT_TELEGRAM_TOKEN, OTBOT_TELEGRAM_SECRET      | the console        |
| e-mail   | OTBOT_SMTP_HOST, OTBOT_SMTP_FROM (+ user, TLS)   | the console        |
| web chat | always on (served by `otbot serve`)              |                    |
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TextIO

from adapters.base import ChannelAdapter
from adapters.console import ConsoleChannel
from adapters.telegram import TelegramChannel
from adapters.twilio_sms import TwilioSMS
from adapters.webchat import ChatHub, WebChatChannel
from bot.log import get_logger
from bot.settings import Settings
from storage.enums import Channel

log = get_logger("bot.channels")


@dataclass
class Channels:
    adapters: dict[Channel, ChannelAdapter]
    twilio: TwilioSMS | None = None
    telegram: TelegramChannel | None = None

    async def close(self) -> None:
        for adapter in (self.twilio, self.telegram):
            if adapter is not None:
                await adapter.close()


def build_channels(settings: Settings, hub: ChatHub, *, console: TextIO | None = None) -> Channels:
    out = console or sys.stdout
    adapters: dict[Channel, ChannelAdapter] = {channel: ConsoleChannel(out, channel=channel) for channel in Channel}
    adapters[Channel.WEBCHAT] = WebChatChannel(hub)
    channels = Channels(adapters)
    if settings.twilio_enabled:
        assert settings.twilio_account_sid is not None and settings.twilio_auth_token is not None
        channels.twilio = TwilioSMS(settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value(),
                                    public_url=settings.public_url, from_number=settings.twilio_from,
                                    messaging_service_sid=settings.twilio_messaging_service_sid,
                                    api_url=settings.twilio_api_url)
        adapters[Channel.SMS] = channels.twilio
    if settings.telegram_enabled:
        assert settings.telegram_token is not None and settings.telegram_secret is not None
        channels.telegram = TelegramChannel(settings.telegram_token.get_secret_value(),
                                            settings.telegram_secret.get_secret_value(),
                                            api_url=settings.telegram_api_url,
                                            username=settings.telegram_bot_username)
        adapters[Channel.TELEGRAM] = channels.telegram
    if settings.email_enabled:
        from adapters.email import EmailChannel

        assert settings.smtp_host is not None and settings.smtp_from is not None
        adapters[Channel.EMAIL] = EmailChannel(
            settings.smtp_host, settings.smtp_port, username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            from_address=settings.smtp_from, starttls=settings.smtp_starttls, timeout=settings.smtp_timeout)
    log.info("channels", **{channel.value: type(adapter).__name__ for channel, adapter in adapters.items()})
    return channels


async def telegram_username(telegram: TelegramChannel | None) -> str | None:
    """The bot's username for deep links (asked of Telegram once when not configured); None without Telegram
    or when Telegram cannot be reached (messages then carry no Telegram link)."""
    if telegram is None:
        return None
    try:
        return await telegram.bot_username() or None
    except Exception as exc:  # noqa: BLE001 - Telegram unreachable at start: run without deep links
        log.warning("telegram getMe failed: deep links are off until restart", error=type(exc).__name__)
        return None
