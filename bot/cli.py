"""The `otbot` command: demo, serve, db, import, export, classify."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    name="otbot",
    help="Outreach engine for the county follow-up service (OT): reach youth with unknown activity.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
export_app = typer.Typer(help="Exports for Vigo OT.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(export_app, name="export")

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: OTBOT_DATABASE_URL, else sqlite:///otbot.db)."),
]

err = Console(stderr=True, soft_wrap=True)


def _now() -> datetime:
    """The one clock reading of a command: logic below takes it as an argument."""
    return datetime.now(UTC)


def _engine(db: str | None):  # type: ignore[no-untyped-def]
    """The migrated engine, or a one-line reason and exit 2 when the database cannot be used."""
    from storage.db import StorageError, open_database

    try:
        return open_database(db)
    except StorageError as exc:
        err.print(f"database: {exc}")
        raise typer.Exit(2) from None


def _day_option(option: str, value: str | None) -> date | None:
    """A date option (YYYY-MM-DD or DD.MM.YYYY), or the option named with the reason and exit 2."""
    from adapters.roster_csv import DateError, parse_date

    if value is None:
        return None
    try:
        return parse_date(value)
    except DateError as exc:
        err.print(f"{option}: {exc}")
        raise typer.Exit(2) from None


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Apply every migration to the database (creates it when empty)."""
    from storage.db import StorageError, upgrade

    try:
        url = upgrade(db)
    except StorageError as exc:
        err.print(f"database: {exc}")
        raise typer.Exit(2) from None
    err.print(f"database at the newest schema: {url}")


@app.command("import")
def import_roster(
    file: Annotated[Path, typer.Argument(help="Roster CSV from Vigo OT (see README: roster format).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report; write nothing.")] = False,
    county: Annotated[str | None, typer.Option("--county", help="County for rows without one.")] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Check ages and the target group as on this day (default: today in Oslo)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Import or update youth from a roster file. Exit 0: all rows good; 3: some rejected; 2: file unusable."""
    from bot.roster import run_import

    as_of_day = _day_option("--as-of", as_of)
    code = run_import(_engine(db), file, county=county, dry_run=dry_run, console=err, now=_now(), as_of=as_of_day)
    raise typer.Exit(code)


@export_app.command("changes")
def export_changes(
    since: Annotated[
        str | None, typer.Option("--since", help="Only changes on or after this date (YYYY-MM-DD or DD.MM.YYYY).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of standard output.")] = None,
    db: DbOption = None,
) -> None:
    """One CSV row per status change, for entering in Vigo OT."""
    from bot.roster import export_changes as run_export

    since_day = _day_option("--since", since)
    count = run_export(_engine(db), since=since_day, out=out, now=_now())
    err.print(f"{count} status changes exported" + (f" to {out}" if out else ""))


@app.command("classify")
def classify() -> None:
    """Read JSON lines of replies on standard input; write one JSON reading + decision per line."""
    from bot.classify import run_classify

    run_classify(sys.stdin, sys.stdout)


@app.command("serve")
def serve(db: DbOption = None) -> None:
    """Run the web service, scheduler and dispatcher in one process."""
    _engine(db)
    err.print("otbot serve: not yet available (the web issue adds it); the database is ready.")
    raise typer.Exit(1)


@app.command("demo")
def demo(db: DbOption = None) -> None:
    """Try the product with no accounts: imports the example roster and shows the summary."""
    from bot.roster import run_import

    # A source checkout keeps examples/ beside the packages; an installed package (the Docker image) runs from
    # a folder that holds examples/.
    places = [Path(__file__).resolve().parent.parent / "examples" / "roster.csv", Path.cwd() / "examples" / "roster.csv"]
    roster = next((p for p in places if p.exists()), None)
    if roster is None:
        err.print("example roster not found; looked at " + ", ".join(str(p) for p in places))
        raise typer.Exit(2)
    code = run_import(_engine(db), roster, county=None, dry_run=False, console=err, now=_now())
    raise typer.Exit(0 if code in (0, 3) else code)


if __name__ == "__main__":  # pragma: no cover
    app()
