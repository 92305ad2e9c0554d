"""The status-change export for Vigo OT: one row per change, with its evidence in words."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from adapters.roster_csv import ChangeRow, changes_csv
from bot.evidence import evidence_in_words
from storage.enums import ActorKind
from storage.models import AccessLog, County, Message, StatusChange, Youth

ACTOR = ActorKind.EXPORT


def change_rows(session: Session, *, since: date | None, tz: ZoneInfo) -> list[tuple[ChangeRow, int, int]]:
    """Every status change (on or after the local day `since`) as export rows, oldest first, with county and youth ids."""
    query = (
        select(StatusChange, Youth, County, col(Message.text))
        .join(Youth, col(Youth.id) == col(StatusChange.youth_id))
        .join(County, col(County.id) == col(StatusChange.county_id))
        .outerjoin(Message, col(Message.id) == col(StatusChange.source_message_id))
        .order_by(col(StatusChange.created_at), col(StatusChange.id))
    )
    if since is not None:
        query = query.where(col(StatusChange.created_at) >= datetime.combine(since, time(0), tzinfo=tz))
    rows = []
    for change, youth, county, text in session.exec(query):
        rows.append((ChangeRow(
            time=change.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            roster_id=youth.roster_id,
            name=f"{youth.first_name} {youth.last_name}",
            county=county.name,
            old_code=change.old_code,
            new_code=change.new_code,
            actor=change.actor,
            state=change.state.value,
            evidence=evidence_in_words(change.evidence, text),
        ), youth.county_id, change.youth_id))
    return rows


def export_changes(session: Session, *, since: date | None, tz: ZoneInfo, now: datetime) -> tuple[bytes, int]:
    """The CSV (UTF-8 with BOM, semicolons) of every change since `since`, and how many rows it has.

    Exporting is reading youth records: each youth exported gets an access-log row in the caller's
    transaction, which the caller commits once the file is written (a failed write logs no export).
    """
    rows = change_rows(session, since=since, tz=tz)
    data = ("\ufeff" + changes_csv(row for row, _, _ in rows)).encode("utf-8")
    detail = f"status changes{f' since {since.isoformat()}' if since else ''}"
    for county_id, youth_id in sorted({(c, y) for _, c, y in rows}):
        session.add(AccessLog(county_id=county_id, youth_id=youth_id, actor=ACTOR.value, actor_kind=ACTOR,
                              action="export-changes", detail=detail, at=now))
    return data, len(rows)
