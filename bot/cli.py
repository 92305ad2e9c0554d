"""The `otbot` command: demo, serve, db, import, export, classify."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup


class _OtbotGroup(TyperGroup):
    """The one place that turns a settings or database failure into one line on stderr and exit 2.

    Every command runs inside this group's invoke, whether started by the console script, `python -m
    bot.cli` or a test's CliRunner. The line names what and where; never the SQL or its parameters
    (they hold personal data), never a traceback.
    """

    def invoke(self, ctx: Any) -> Any:  # typer's own click Context; typer.Context is a subclass
        from pydantic import ValidationError
        from sqlalchemy.exc import SQLAlchemyError

        from storage.db import StorageError

        global _database
        _database = None  # set by _engine once the command knows its database
        from pydantic_settings import SettingsError

        try:
            return super().invoke(ctx)
        except ValidationError as exc:
            if exc.title != "Settings":
                raise
            _settings_failed(exc)
        except SettingsError as exc:
            # A value that is not even readable (a JSON setting that is not JSON): name the variable only.
            import re

            field = re.search(r'field "([a-z_]+)"', str(exc))
            name = f"OTBOT_{field.group(1).upper()}" if field else "settings"
            err.print(f"{name}: cannot be read (expected JSON, e.g. {{\"sms\": 10}})", markup=False, highlight=False)
        except StorageError as exc:
            err.print(f"database: {exc}", markup=False, highlight=False)
        except SQLAlchemyError as exc:
            err.print(f"database{_where()}: {database_reason(exc)}", markup=False, highlight=False)
        raise typer.Exit(2)


app = typer.Typer(
    name="otbot",
    help="Outreach engine for the county follow-up service (OT): reach youth with unknown activity.",
    no_args_is_help=True,
    add_completion=False,
    cls=_OtbotGroup,
    # A traceback shows local variables and SQL parameters: never in this product's terminal.
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
export_app = typer.Typer(help="Exports for Vigo OT.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(export_app, name="export")
adviser_app = typer.Typer(help="Adviser accounts for the inbox.", no_args_is_help=True)
app.add_typer(adviser_app, name="adviser")
templates_app = typer.Typer(help="Message templates.", no_args_is_help=True)
app.add_typer(templates_app, name="templates")

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: OTBOT_DATABASE_URL, else sqlite:///otbot.db)."),
]

err = Console(stderr=True, soft_wrap=True)

# The database the running command uses, for error lines ("database SQLite file /x/otbot.db: …").
_database: str | None = None


def _describe_database(url: str) -> str:
    """Where a database is, for people: the SQLite file's path, else the URL without its password."""
    import sqlalchemy as sa

    from storage.db import mask_url

    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = (parsed.database or "").removeprefix("file:").split("?", 1)[0]
        return f"SQLite file {path}" if path and path != ":memory:" else "SQLite in memory"
    return mask_url(url)


def _where() -> str:
    return f" ({_database})" if _database else ""


def database_reason(exc: BaseException) -> str:
    """The driver's first line for a database error: no SQL, no parameters, no quoted values."""
    import re

    from bot.log import redact_text

    cause = getattr(exc, "orig", None) or exc
    text = str(cause).strip()
    if cause is exc:
        # SQLAlchemy's own message: cut what it appends (statement, parameters, background link).
        text = re.split(r"\s*\[(?:SQL|parameters|generated in)\b|\s*\(Background on this error", text, maxsplit=1)[0]
    first = next((line.strip() for line in text.splitlines() if line.strip()), type(cause).__name__)
    # PostgreSQL quotes the offending input in some first lines (invalid input syntax …: "the value").
    first = re.sub(r':\s*"[^"]*"\s*$', ": (value not shown)", first)
    return redact_text(first)


def _settings_failed(exc: object) -> None:
    from bot.settings import problems

    for line in problems(exc):  # type: ignore[arg-type]
        err.print(line, markup=False, highlight=False)


@app.callback()
def _start(ctx: typer.Context) -> None:
    # Runs before every command: settings are checked and logging configured once, here.
    from bot.log import configure, get_logger
    from bot.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()  # an invalid OTBOT_ variable: _OtbotGroup prints it, exit 2
    configure(settings.log_level, settings.log_format)
    get_logger("otbot.cli").debug("command.start", command=ctx.invoked_subcommand)


def _now() -> datetime:
    """The one clock reading of a command: logic below takes it as an argument."""
    return datetime.now(UTC)


def _engine(db: str | None):  # type: ignore[no-untyped-def]
    """The migrated engine, or a one-line reason and exit 2 when the database cannot be used."""
    from storage.db import open_database, resolve_url

    global _database
    # A bad URL raises StorageError here; _OtbotGroup prints it. Later database errors name this database.
    from bot.settings import get_settings

    url = resolve_url(db, "--db") if db else resolve_url(get_settings().database_url, "OTBOT_DATABASE_URL")
    _database = _describe_database(url)
    return open_database(url)


def _check_writable(engine) -> None:  # type: ignore[no-untyped-def]
    """Raise when the database cannot be written (read-only file, read-only server), changing nothing.

    A database already at the newest schema needs no write to "upgrade"; without this probe a read-only
    file would be reported as ready and the first real write (an import) would fail instead.
    """
    import sqlalchemy as sa

    with engine.connect() as connection, connection.begin() as transaction:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = version_num"))
        transaction.rollback()


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
    from sqlalchemy.exc import DBAPIError

    from bot.log import get_logger
    engine = _engine(db)  # migrates
    try:
        _check_writable(engine)
    except DBAPIError as exc:
        err.print(f"database{_where()}: cannot be written: {database_reason(exc)}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    get_logger("otbot.cli").info("db.upgraded")
    err.print(f"database at the newest schema: {_database}", markup=False, highlight=False)


def _print_report(report, *, dry_run: bool) -> None:  # type: ignore[no-untyped-def]
    """An import's summary table, then every problem as `line N: column: reason`, then warnings (stderr)."""
    from rich.table import Table

    heading = f"{report.file}: dry run, nothing was written" if dry_run else report.file
    err.print(heading, style="bold", markup=False, highlight=False)
    table = Table(show_header=False)
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    for label, value in (("rows", report.rows), ("imported", report.imported), ("updated", report.updated),
                         ("unchanged", report.unchanged), ("rejected", report.rejected),
                         ("status changes", report.status_changes), ("guardians removed (18)", report.guardians_removed)):
        table.add_row(label, str(value))
    err.print(table)
    if report.problems:
        err.print(f"{len(report.problems)} problem(s):", style="bold red")
        for problem in report.problems:
            err.print(str(problem), markup=False, highlight=False)
    if report.warnings:
        err.print(f"{len(report.warnings)} warning(s):", style="bold yellow")
        for warning in report.warnings:
            err.print(warning, markup=False, highlight=False)


# Files with more rows than this show a progress bar: below it the import is over before a bar would help.
PROGRESS_THRESHOLD = 200


def _run_import(db: str | None, data: bytes, file_name: str, *, county: str | None, dry_run: bool,
                as_of: date | None) -> int:
    """Import `data` in one transaction (rolled back on a dry run), print the report; the exit code."""
    from collections.abc import Callable

    from rich.progress import Progress
    from sqlmodel import Session

    from adapters.roster_csv import RosterFileError
    from bot.log import get_logger
    from bot.roster import EXIT_UNUSABLE, import_roster
    from bot.settings import get_settings

    settings = get_settings()
    engine = _engine(db)
    with Session(engine) as session, Progress(console=err, transient=True) as bar:
        def progress(total: int) -> Callable[[], None]:
            if total <= PROGRESS_THRESHOLD:
                return lambda: None
            task = bar.add_task("importing", total=total)
            return lambda: bar.advance(task)

        try:
            report = import_roster(session, data, file_name=file_name, now=_now(), tz=settings.tz, county=county,
                                   default_county=settings.default_county, region=settings.default_region,
                                   as_of=as_of, progress=progress)
        except RosterFileError as exc:
            session.rollback()
            bar.stop()
            err.print(f"{file_name}: {exc} — nothing was imported", markup=False, highlight=False)
            return EXIT_UNUSABLE
        if dry_run:
            session.rollback()
        else:
            session.commit()
    get_logger("otbot.import").info(
        "roster.imported", file=file_name, dry_run=dry_run, rows=report.rows, imported=report.imported,
        updated=report.updated, unchanged=report.unchanged, rejected=report.rejected,
        status_changes=report.status_changes, guardians_removed=report.guardians_removed,
        problems=len(report.problems), warnings=len(report.warnings),
    )
    _print_report(report, dry_run=dry_run)
    return report.exit_code


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
    as_of_day = _day_option("--as-of", as_of)
    # The file first: a missing or unreadable roster must not create (or even open) a database.
    try:
        data = file.read_bytes()
    except OSError as exc:
        err.print(f"{file}: cannot read the file: {exc.strerror or type(exc).__name__} — nothing was imported",
                  markup=False, highlight=False)
        raise typer.Exit(2) from None
    raise typer.Exit(_run_import(db, data, file.name, county=county, dry_run=dry_run, as_of=as_of_day))


@export_app.command("changes")
def export_changes(
    since: Annotated[
        str | None, typer.Option("--since", help="Only changes on or after this date (YYYY-MM-DD or DD.MM.YYYY).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of standard output.")] = None,
    db: DbOption = None,
) -> None:
    """One CSV row per status change, for entering in Vigo OT."""
    from sqlmodel import Session

    from bot.roster import export_changes as build_export
    from bot.settings import get_settings

    since_day = _day_option("--since", since)
    if out is not None and out.is_dir():
        err.print(f"--out {out}: is a folder; give a file name", markup=False, highlight=False)
        raise typer.Exit(2)
    engine = _engine(db)
    with Session(engine) as session:
        data, count = build_export(session, since=since_day, tz=get_settings().tz, now=_now())
        try:
            if out is not None:
                out.write_bytes(data)
            else:
                sys.stdout.flush()
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
        except OSError as exc:
            session.rollback()  # nothing was exported, so no access-log rows either
            where = f"--out {out}" if out is not None else "standard output"
            err.print(f"{where}: cannot write: {exc.strerror or type(exc).__name__} — nothing was exported",
                      markup=False, highlight=False)
            raise typer.Exit(2) from None
        session.commit()
    err.print(f"{count} status changes exported" + (f" to {out}" if out else ""), markup=False, highlight=False)


@app.command("classify")
def classify() -> None:
    """Read JSON lines of replies on standard input; write one JSON reading + decision per non-empty line.

    Exit 1 when any line failed (its error is written as a JSON line and the run goes on), 0 otherwise.
    """
    import io

    from bot.classify import run_classify
    from bot.log import get_logger

    # Input and output are UTF-8 whatever the locale; input is read as bytes so that a line that is not UTF-8
    # gets its own error line instead of stopping the run.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8")
    source = getattr(sys.stdin, "buffer", sys.stdin)
    errors = run_classify(source, sys.stdout)
    get_logger("otbot.classify").info("classify.done", failed_lines=errors)
    raise typer.Exit(1 if errors else 0)


@app.command("serve")
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="Web only: run the scheduler and the dispatcher "
                                            "in `otbot worker` processes instead.")] = False,
) -> None:
    """Run the web service (webhooks, web chat, /healthz, /metrics) with the scheduler and dispatcher."""
    import uvicorn

    from bot.web.app import create_app, settle_heap

    engine = _engine(db)
    web = create_app(engine, scheduler=not no_worker)
    settle_heap()
    # No access log: request lines carry chat tokens in paths; the app logs what it must, without them.
    # Behind a reverse proxy, OTBOT_PUBLIC_URL is what providers sign: the proxy's headers are not trusted.
    uvicorn.run(web, host=host, port=port, access_log=False, log_config=None, proxy_headers=False)


@adviser_app.command("create")
def adviser_create(
    name: Annotated[str, typer.Option("--name", help="The adviser's full name.")],
    email: Annotated[str, typer.Option("--email", help="Their e-mail address: the login.")],
    county: Annotated[str, typer.Option("--county", help="Their county (as in the roster).")],
    role: Annotated[str, typer.Option("--role", help="adviser (their caseload), lead (the county) or admin "
                                      "(the county, its advisers and settings).")] = "adviser",
    db: DbOption = None,
) -> None:
    """Create an adviser account (or set a new password). The password is asked for, or read from standard
    input when that is not a terminal — never an argument (it would stay in the shell's history)."""
    import getpass

    from sqlmodel import Session

    from bot.advisers import AdviserError, create_adviser
    from storage.enums import AdviserRole

    try:
        chosen = AdviserRole(role)
    except ValueError:
        err.print(f"--role {role!r}: one of adviser, lead, admin", markup=False, highlight=False)
        raise typer.Exit(2) from None
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            err.print("the two passwords differ; nothing was changed", markup=False, highlight=False)
            raise typer.Exit(2)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    engine = _engine(db)
    with Session(engine) as session:
        try:
            adviser = create_adviser(session, name=name, email=email, county=county, role=chosen, password=password,
                                     now=_now())
        except AdviserError as exc:
            err.print(str(exc), markup=False, highlight=False)
            raise typer.Exit(2) from None
        session.commit()
        err.print(f"adviser {adviser.id} ({chosen.value}, {county}) can log in as {adviser.email}", markup=False,
                  highlight=False)


@adviser_app.command("away")
def adviser_away(
    email: Annotated[str, typer.Argument(help="The adviser's e-mail.")],
    back: Annotated[bool, typer.Option("--back", help="Back again: their caseload is theirs alone.")] = False,
    fallback: Annotated[bool, typer.Option("--fallback", help="Instead: make this adviser their county's "
                                           "fallback, who sees the caseloads of advisers who are away.")] = False,
    db: DbOption = None,
) -> None:
    """Mark an adviser away (or back), or make them their county's fallback adviser."""
    from sqlmodel import Session, col, select

    from storage.models import Adviser, County

    engine = _engine(db)
    with Session(engine) as session:
        adviser = session.exec(select(Adviser).where(col(Adviser.email) == email.strip().lower())).first()
        if adviser is None:
            err.print(f"{email}: no adviser with this e-mail", markup=False, highlight=False)
            raise typer.Exit(2)
        if fallback:
            county = session.get(County, adviser.county_id)
            assert county is not None
            county.settings = {**(county.settings or {}), "fallback_adviser_id": adviser.id}
            session.add(county)
            what = f"the fallback adviser of {county.name}"
        else:
            adviser.away = not back
            session.add(adviser)
            what = "back" if back else "away"
        session.commit()
    err.print(f"{email}: {what}", markup=False, highlight=False)


@app.command("thread")
def show_thread(
    roster_id: Annotated[str, typer.Argument(help="The youth's roster id (from Vigo OT).")],
    county: Annotated[str | None, typer.Option("--county", help="The county, when several use the id.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document instead of a table.")] = False,
    db: DbOption = None,
) -> None:
    """A youth's and their guardians' messages in order: channel, direction, delivery status, code changes."""
    import json

    from sqlmodel import Session

    from bot.settings import get_settings
    from bot.thread import ThreadError, thread

    engine = _engine(db)
    with Session(engine) as session:
        try:
            result = thread(session, roster_id, county=county, now=_now())
        except ThreadError as exc:
            err.print(f"thread: {exc}", markup=False, highlight=False)
            raise typer.Exit(2) from None
        session.commit()
    if as_json:
        print(json.dumps({"roster_id": result.roster_id, "county": result.county, "status_code": result.status_code,
                          "held_by_adviser": result.held, "messages": [e.as_json() for e in result.entries],
                          "other_changes": result.other_changes}, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    tz = get_settings().tz
    out = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)  # a file or a pipe: whole lines
    out.print(f"{result.roster_id} · {result.county} · {result.status_code}"
              + (" · held by an adviser" if result.held else ""), markup=False, highlight=False)
    table = Table(show_lines=False)
    for heading in ("when", "who", "channel", "status", "text", "code change"):
        table.add_column(heading, overflow="fold")
    for entry in result.entries:
        change = "; ".join(f"{c['old']} → {c['new']} ({c['state']})" for c in entry.changes)
        status = entry.status + (f" ({entry.error_code})" if entry.error_code else "")
        arrow = "→" if entry.direction == "out" else "←"
        table.add_row(f"{entry.at.astimezone(tz):%d.%m.%Y %H:%M}", f"{arrow} {entry.sender}", entry.channel,
                      status, entry.text, change)
    out.print(table)
    for other in result.other_changes:
        out.print(f"{other['old']} → {other['new']} ({other['state']}, {other['actor']})", markup=False,
                  highlight=False)


@app.command("worker")
def worker(db: DbOption = None) -> None:
    """Run the scheduler alone (planner, dispatcher, daily job): add workers beside `otbot serve` on PostgreSQL."""
    import asyncio

    from bot.scheduler import run_forever

    engine = _engine(db)
    asyncio.run(run_forever(engine))


@app.command("simulate")
def simulate(
    roster: Annotated[Path, typer.Option("--roster", help="Roster CSV (as for otbot import).")],
    start: Annotated[str, typer.Option("--start", help="First simulated day (YYYY-MM-DD or DD.MM.YYYY).")],
    days: Annotated[int, typer.Option("--days", help="How many days to simulate.", min=1, max=3660)],
    replies: Annotated[
        Path | None, typer.Option("--replies", help='JSON lines {"at", "youth", "from", "text"} read at their time.')
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of the table.")] = False,
    county: Annotated[str | None, typer.Option("--county", help="County for roster rows without one.")] = None,
) -> None:
    """A dry run of the real engine on a throw-away database and a simulated clock: what would be sent, when."""
    import asyncio

    from rich.progress import Progress

    from bot.log import configure
    from bot.settings import get_settings
    from bot.simulate import SimulationError, read_replies
    from bot.simulate import simulate as run_simulation

    settings = get_settings()
    first_day = _day_option("--start", start)
    assert first_day is not None
    data = _read_file(roster, binary=True)
    reply_text = _read_file(replies, binary=False) if replies is not None else ""
    reply_list, problems = read_replies(reply_text)
    # The engine logs every tick; a simulation shows its result instead (OTBOT_LOG_LEVEL=DEBUG shows both).
    if settings.log_level != "DEBUG":
        configure("WARNING", settings.log_format)
    with Progress(console=err, transient=True, disable=days < 30) as bar:
        task = bar.add_task("simulating", total=days)
        try:
            result = asyncio.run(run_simulation(
                data, roster.name, first_day, days, reply_list, public_url=settings.public_url, county=county,
                default_county=settings.default_county, progress=lambda done: bar.update(task, completed=done)))
        except SimulationError as exc:
            err.print(str(exc), markup=False, highlight=False)
            raise typer.Exit(2) from None
    for problem in problems + result.problems:
        err.print(problem, markup=False, highlight=False)
    if as_json:
        sys.stdout.write(result.as_json() + "\n")
    else:
        _print_simulation(result)


def _read_file(path: Path, *, binary: bool):  # type: ignore[no-untyped-def]
    """The file's bytes (or UTF-8 text), or one line naming the file and exit 2."""
    try:
        return path.read_bytes() if binary else path.read_text(encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
    except UnicodeDecodeError:
        reason = "not UTF-8 text"
    err.print(f"{path}: cannot read the file: {reason}", markup=False, highlight=False)
    raise typer.Exit(2)


def _print_simulation(result) -> None:  # type: ignore[no-untyped-def]
    """A day-by-day table of what was sent, which codes changed and which alerts were raised."""
    from rich.console import Console
    from rich.table import Table

    from storage.enums import ChangeState

    out = Console(soft_wrap=False)
    events = [(m["at"], "message", m) for m in result.messages] + [(c["at"], "code", c) for c in result.code_changes] \
        + [(a["at"], "alert", a) for a in result.alerts]
    events.sort(key=lambda e: (e[0], e[1], str(e[2].get("youth"))))
    by_day: dict[str, list[tuple[str, str, dict]]] = {}  # type: ignore[type-arg]
    for event in events:
        by_day.setdefault(event[0][:10], []).append(event)
    for day, day_events in by_day.items():
        table = Table(title=day, title_justify="left", show_lines=False, expand=False)
        for name in ("time", "youth", "what", "detail"):
            table.add_column(name, overflow="fold")
        for at, kind, item in day_events:
            if kind == "message":
                what = f"{item['channel']} to {item['to']} ({item['flow'] or 'answer'}/{item['step'] or '-'}, " \
                       f"{item['segments']} seg.)"
                detail = item["text"]
            elif kind == "code":
                what = f"code {item['from']} → {item['to']} ({(ChangeState.APPLIED if item['applied'] else ChangeState.PROPOSED).value})"
                detail = item["evidence"]
            else:
                what, detail = f"alert: {item['kind']}", ""
            table.add_row(at[11:16], str(item["youth"]), what, detail)
        out.print(table)
    out.print(f"{len(result.messages)} messages, {len(result.code_changes)} code changes, {len(result.alerts)} alerts")


@app.command("demo")
def demo(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    speed: Annotated[float, typer.Option("--speed", min=1, max=10_000,
                                         help="Run the demo's clock this many times faster than real time.")] = 1,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Only set up (roster and login), do not serve.")] = False,
) -> None:
    """Try the whole product with no accounts: a fictional roster made for today, a demo adviser, and the web
    service with the scheduler; messages to youth appear here, the phone simulator answers as them."""
    import uvicorn

    from bot.demo import demo_adviser, demo_clock, open_all_hours
    from bot.demo_roster import demo_roster
    from bot.settings import get_settings
    from bot.web.app import build_services, create_app, settle_heap

    settings = get_settings()
    today = _now().astimezone(settings.tz).date()
    # Made for today, so every youth is inside the target group whatever the date (and no file to find).
    code = _run_import(db, demo_roster(today), f"demo-roster-{today.isoformat()}.csv", county=None, dry_run=False,
                       as_of=today)
    if code not in (0, 3):
        raise typer.Exit(code)
    engine = _engine(db)
    login = demo_adviser(engine, _now())
    open_all_hours(engine)
    base = f"http://{host}:{port}"
    settings = settings.model_copy(update={"public_url": settings.public_url if settings.public_url !=
                                           "http://127.0.0.1:8000" else base})
    out = Console(soft_wrap=True)
    out.print(f"\nDemo ready ({login.county}).", markup=False, highlight=False)
    out.print(f"  Inbox:           {base}/inbox", markup=False, highlight=False)
    out.print(f"  Phone simulator: {base}/demo/phone", markup=False, highlight=False)
    out.print(f"  Log in as {login.email} with password {login.password}", markup=False, highlight=False)
    out.print("  Messages the bot sends by SMS appear below (the demo sends at any hour). Stop with Ctrl+C.\n",
              markup=False, highlight=False)
    if no_serve:
        return
    services = build_services(engine, settings)
    services.demo = True
    services.clock = demo_clock(speed)
    web = create_app(engine, services=services)
    settle_heap()
    uvicorn.run(web, host=host, port=port, access_log=False, log_config=None)


@templates_app.command("check")
def templates_check(
    max_segments: Annotated[
        int | None,
        typer.Option("--max-segments", min=1, help="Segment limit for every template (default: 3 for reply_* "
                     "answers, 2 for outbound messages). The hook for a county's own limit."),
    ] = None,
    language: Annotated[
        list[str] | None, typer.Option("--language", help="Only this language (nb, nn, en); may be repeated."),
    ] = None,
) -> None:
    """Render every template with the longest realistic values and count its SMS segments.

    Exit 1 when a template cannot be rendered or exceeds its limit, 0 otherwise.
    """
    from rich.markup import escape
    from rich.table import Table

    from flows.check import check_templates
    from flows.templates import LANGUAGES

    unknown = sorted(set(language or ()) - set(LANGUAGES))
    if unknown:
        err.print(f"--language {', '.join(unknown)}: must be one of {', '.join(LANGUAGES)}", markup=False,
                  highlight=False)
        raise typer.Exit(2)
    results = check_templates(max_segments, language or None)
    table = Table(title="SMS segments per template (longest sample values)")
    # Narrow headers: the table must fit 80 columns (a pipe or CI log) with the result column still readable.
    for column, justify in (("template", "left"), ("lang", "left"), ("encoding", "left"), ("chars", "right"),
                            ("segments", "right"), ("limit", "right"), ("result", "left")):
        table.add_column(column, justify=justify, no_wrap=column != "result")  # type: ignore[arg-type]
    for result in results:
        table.add_row(result.name, result.language, result.encoding or "-",
                      "-" if result.characters is None else str(result.characters),
                      "-" if result.segments is None else str(result.segments), str(result.limit),
                      "ok" if result.ok else f"[red]{escape(result.problem or '')}[/red]")
    Console(soft_wrap=False).print(table)
    failed = [result for result in results if not result.ok]
    if failed:
        err.print(f"{len(failed)} of {len(results)} template(s) failed", markup=False, highlight=False)
    raise typer.Exit(1 if failed else 0)


if __name__ == "__main__":  # pragma: no cover
    app()
