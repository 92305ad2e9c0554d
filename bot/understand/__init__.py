"""The reply reader: pure text (+ sender, age, county) -> Reading (language, intents, claimed activity, urgency)."""

from bot.understand.reader import ACTIVITY_CODES, Claim, Evidence, Reading, read

__all__ = ["ACTIVITY_CODES", "Claim", "Evidence", "Reading", "read"]
