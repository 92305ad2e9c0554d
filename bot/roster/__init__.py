"""The roster: checking rows (pure), applying them to the database, and the status-change export for Vigo OT."""

from bot.roster.apply import (
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_UNUSABLE,
    ImportReport,
    import_roster,
    roster_is_behind,
)
from bot.roster.check import (
    CheckedRoster,
    GuardianEntry,
    RosterEntry,
    check_roster,
    check_row,
    looks_like_national_id,
)
from bot.roster.export import change_rows, export_changes

__all__ = [
    "EXIT_OK", "EXIT_REJECTED", "EXIT_UNUSABLE", "CheckedRoster", "GuardianEntry", "ImportReport", "RosterEntry",
    "change_rows", "check_roster", "check_row", "export_changes", "import_roster", "looks_like_national_id",
    "roster_is_behind",
]
