"""Roster import on the real database: good rows stored, bad rows named, re-imports idempotent, history kept."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from unittest import mock

import pytest
import sqlalchemy as sa
from rich.console import Console
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from adapters.roster_csv import RosterFileError, RowError, normalise_mobile, read_roster
from bot import cli
from bot.places import municipality_county
from bot.roster import (
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_UNUSABLE,
    check_roster,
    import_roster,
    looks_like_national_id,
)
from bot.status import change_status
from storage.models import (
    AccessLog,
    Adviser,
    ContactPoint,
    County,
    Guardian,
    StatusChange,
    Youth,
    YouthGuardian,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# 10:00 UTC is 11:00 in Oslo: the import day is 2026-11-22.
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
DAY = date(2026, 11, 22)
HEADER = "id;fornavn;etternavn;fødselsdato;mobil;fylke;tilmeldingskode;statuskode;foresatt1_navn;foresatt1_mobil"

MIXED_PROBLEMS = [
    "line 4: first_name: missing required value",
    "line 5: registration_code: unknown registration code 'OSXX'",
    "line 6: birth_date: cannot read '2008/05/12' as a date (YYYY-MM-DD or DD.MM.YYYY)",
    "line 7: birth_date: younger than 15 on 2026-11-22",
    "line 8: birth_date: past the target group: turned 24 in 2025",
    "line 9: mobile: not a valid mobile number",
    "line 10: id: roster id 800001 already on line 2",
    "line 11: guardian1_name: guardian given for a youth aged 19 — not stored",
    "line 12: status_code: unknown status code 'OTXX'",
    "line 14: guardian1_mobile: not a valid mobile number",
    "line 15: county: unknown county 'Viken' (one of the 15 counties since 2024)",
    "line 18: language: unknown language 'svensk' (nb, nn or en)",
]


def roster(*rows: str, header: str = HEADER) -> bytes:
    return ("\ufeff" + "\r\n".join((header, *rows)) + "\r\n").encode()


def run(engine: Engine, data: bytes, tmp_path: Path, *, name: str = "roster.csv", now: datetime = NOW,
        county: str | None = None, dry_run: bool = False, as_of: date | None = None) -> tuple[int, str]:
    """The CLI's import path (`otbot import`) on `data`, at the clock reading `now`; exit code and report."""
    out = io.StringIO()
    url = engine.url.render_as_string(hide_password=False)
    with mock.patch.object(cli, "_now", return_value=now), \
            mock.patch.object(cli, "err", Console(file=out, width=200, soft_wrap=True)):
        code = cli._run_import(url, data, name, county=county, dry_run=dry_run, as_of=as_of)
    return code, out.getvalue()


def guardians_of(session: Session, youth_id: int | None) -> list[tuple[str, int]]:
    """(name, position) of each guardian link of the youth, oldest first; position 0 is a former guardian."""
    rows = session.exec(select(Guardian.name, YouthGuardian.position)
                        .join(YouthGuardian, YouthGuardian.guardian_id == Guardian.id)
                        .where(YouthGuardian.youth_id == youth_id).order_by(YouthGuardian.id)).all()
    return [(name, position) for name, position in rows]


def problems_in(output: str) -> list[str]:
    """The `line N: column: reason` lines of the report's problem section."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.endswith("problem(s):"))
    section = []
    for line in lines[start + 1:]:
        if not line.startswith("line "):
            break
        section.append(line)
    return section


def counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            model.__name__: session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
            for model in (County, Adviser, Youth, Guardian, ContactPoint, StatusChange, AccessLog)
        }


def youth_by_roster_id(engine: Engine) -> dict[str, Youth]:
    with Session(engine) as session:
        return {y.roster_id: y for y in session.exec(select(Youth)).all()}


def test_mixed_file_names_every_bad_row_and_stores_every_good_row(engine: Engine, tmp_path: Path) -> None:
    code, output = run(engine, (EXAMPLES / "roster_mixed.csv").read_bytes(), tmp_path, name="roster_mixed.csv")

    assert code == EXIT_REJECTED
    assert problems_in(output) == MIXED_PROBLEMS
    stored = youth_by_roster_id(engine)
    assert sorted(stored) == ["800001", "800002", "800009", "800011", "800014"]
    # The first occurrence of a duplicated id wins, with its own values.
    with Session(engine) as session:
        selma = stored["800001"]
        numbers = session.exec(select(ContactPoint.address).where(ContactPoint.youth_id == selma.id,
                                                                  ContactPoint.channel == "sms")).all()
        assert numbers == ["+4740000501"]
        assert guardians_of(session, stored["800009"].id) == []  # Kaja is 19: her guardian is kept out
        assert guardians_of(session, stored["800002"].id) == [("Kari Aune", 1), ("Ola Aune", 2)]
    assert stored["800014"].school == "Thora Storm vgs\n(sluttet i oktober)"
    assert stored["800011"].language == "en"


def test_summary_counts_the_mixed_file(engine: Engine, tmp_path: Path) -> None:
    _, output = run(engine, (EXAMPLES / "roster_mixed.csv").read_bytes(), tmp_path)
    summary = {cells[0]: cells[1] for line in output.splitlines()
               if len(cells := [c.strip() for c in line.strip("│| ").split("│")]) == 2}
    assert {k: summary[k] for k in ("rows", "imported", "updated", "unchanged", "rejected")} == {
        "rows": "16", "imported": "5", "updated": "0", "unchanged": "0", "rejected": "11",
    }


def test_example_roster_imports_sixty_youth_and_a_second_run_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    data = (EXAMPLES / "roster.csv").read_bytes()
    with Session(engine) as session:
        first = import_roster(session, data, file_name="roster.csv", now=NOW)
        session.commit()
    assert (first.imported, first.updated, first.unchanged, first.rejected) == (60, 0, 0, 0)
    assert first.problems == []
    assert first.exit_code == EXIT_OK
    before = counts(engine)

    with Session(engine) as session:
        second = import_roster(session, data, file_name="roster.csv", now=NOW.replace(hour=15))
        session.commit()
    assert (second.imported, second.updated, second.unchanged, second.rejected) == (0, 0, 60, 0)
    assert counts(engine) == before
    assert before["Youth"] == 60
    assert before["County"] == 7


def test_example_roster_is_what_its_generator_writes() -> None:
    result = subprocess.run([sys.executable, str(EXAMPLES / "make_roster.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_example_roster_is_fictional_consistent_and_covers_the_cases() -> None:
    rows = list(csv.DictReader(io.StringIO((EXAMPLES / "roster.csv").read_text("utf-8-sig")), delimiter=";"))
    assert len(rows) == 60
    numbers = [normalise_mobile(r[c]) for r in rows for c in ("mobil", "foresatt1_mobil", "foresatt2_mobil") if r[c]]
    assert numbers and all("+4740000000" <= n <= "+4740000999" for n in numbers)
    assert len(set(numbers)) == len(numbers)
    assert {r["tilmeldingskode"] for r in rows} == {"OSON", "OSVE", "OSNP", "OSUT", "OESL"}
    assert {r["statuskode"] for r in rows} == {"OTUK"}
    assert all(municipality_county(r["kommune"]) == r["fylke"] for r in rows)
    checked = check_roster(read_roster((EXAMPLES / "roster.csv").read_bytes()), day=DAY, default_county=None)
    births = {e.roster_id: e.birth_date for e in checked.entries}
    minors = [e for e in checked.entries if (DAY - e.birth_date).days < 18 * 365.25]
    assert all(e.guardians for e in minors)
    turning_18_soon = [b for b in births.values() if date(2008, 11, 23) <= b <= date(2009, 2, 22)]
    assert len(turning_18_soon) >= 3
    assert len([b for b in births.values() if b.year == 2002]) >= 3
    assert checked.problems == []


def test_changed_row_updates_the_youth_and_keeps_its_history(engine: Engine, tmp_path: Path) -> None:
    run(engine, roster("700001;Sara;Berg;03.04.2006;40000001;Trøndelag;OSON;OTUK;;"), tmp_path)
    code, _ = run(engine, roster("700001;Sara;Berg-Lie;03.04.2006;40000002;Trøndelag;OSON;OTAR;;"), tmp_path,
                  now=NOW.replace(day=23))
    assert code == EXIT_OK
    with Session(engine) as session:
        youth = session.exec(select(Youth)).one()
        assert (youth.last_name, youth.status_code) == ("Berg-Lie", "OTAR")
        change = session.exec(select(StatusChange)).one()
        assert (change.old_code, change.new_code, change.actor, change.applied) == ("OTUK", "OTAR", "import", True)
        assert change.evidence == {"rule": "roster import", "file": "roster.csv", "line": 2}
        points = session.exec(select(ContactPoint).order_by(ContactPoint.id)).all()
        # The old number is kept for the history but never used again.
        assert [(p.address, p.wrong_number) for p in points] == [("+4740000001", True), ("+4740000002", False)]
        logs = session.exec(select(AccessLog).order_by(AccessLog.id)).all()
        assert [(log.actor, log.action) for log in logs] == [("import", "import-create"), ("import", "import-update")]
        assert logs[1].detail == "roster.csv line 2: last_name, status_code, mobile"
        assert "+47" not in (logs[1].detail or "")


def test_updated_count_and_unchanged_count_in_the_report(engine: Engine, tmp_path: Path) -> None:
    first = roster("1;Ada;Berg;2006-01-01;;Agder;OSON;;;", "2;Bo;Dahl;2006-01-02;;Agder;OSVE;;;")
    run(engine, first, tmp_path)
    with Session(engine) as session:
        report = import_roster(session, roster("1;Ada;Berg;2006-01-01;;Agder;OSON;;;",
                                               "2;Bo;Dahl;2006-01-02;;Agder;OESL;;;"),
                               file_name="r.csv", now=NOW)
    assert (report.imported, report.updated, report.unchanged) == (0, 1, 1)


def test_norwegian_excel_file_with_bom_semicolons_and_dotted_dates(engine: Engine, tmp_path: Path) -> None:
    data = roster("700001;Åse;Ødegård;31.12.2009;+47 400 00 001;trøndelag;oson;otuk;Kari Ødegård;400 00 002")
    code, output = run(engine, data, tmp_path)
    assert code == EXIT_OK, output
    youth = youth_by_roster_id(engine)["700001"]
    assert (youth.first_name, youth.last_name, youth.birth_date) == ("Åse", "Ødegård", date(2009, 12, 31))
    assert (youth.registration_code, youth.status_code, youth.language) == ("OSON", "OTUK", "nb")
    with Session(engine) as session:
        assert session.exec(select(County.name)).one() == "Trøndelag"
        guardian = session.exec(select(Guardian)).one()
        owners = {(p.guardian_id, p.address) for p in session.exec(select(ContactPoint))}
    assert owners == {(None, "+4740000001"), (guardian.id, "+4740000002")}


def test_missing_required_column_exits_2_names_it_and_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    run(engine, roster("1;Ada;Berg;2006-01-01;;Agder;OSON;;;"), tmp_path)
    before = counts(engine)
    header = "id;fornavn;etternavn;mobil;fylke"
    code, output = run(engine, roster("2;Bo;Dahl;40000001;Agder", header=header), tmp_path)
    assert code == EXIT_UNUSABLE
    assert "missing required column(s): fødselsdato (birth_date), tilmeldingskode (registration_code)" in output
    assert "nothing was imported" in output
    assert counts(engine) == before


def test_county_column_is_required_only_without_a_default_county(engine: Engine, tmp_path: Path) -> None:
    header = "id;fornavn;etternavn;fødselsdato;tilmeldingskode"
    code, output = run(engine, roster("1;Ada;Berg;2006-01-01;OSON", header=header), tmp_path)
    assert code == EXIT_UNUSABLE
    assert "fylke (county)" in output
    code, _ = run(engine, roster("1;Ada;Berg;2006-01-01;OSON", header=header), tmp_path, county="vestland")
    assert code == EXIT_OK
    with Session(engine) as session:
        assert session.exec(select(County.name)).all() == ["Vestland"]


def test_unknown_county_option_is_a_file_level_error(engine: Engine, tmp_path: Path) -> None:
    code, output = run(engine, roster("1;Ada;Berg;2006-01-01;;;OSON;;;"), tmp_path, county="Viken")
    assert code == EXIT_UNUSABLE
    assert "--county: unknown county 'Viken'" in output
    assert counts(engine)["County"] == 0


def test_missing_roster_file_exits_2_and_creates_no_database(tmp_path: Path) -> None:
    database = tmp_path / "never.db"
    result = CliRunner().invoke(cli.app, ["import", str(tmp_path / "nope.csv"), "--db", f"sqlite:///{database}"])
    assert result.exit_code == EXIT_UNUSABLE
    assert result.output.strip().splitlines() == [
        f"{tmp_path / 'nope.csv'}: cannot read the file: No such file or directory — nothing was imported"]
    assert not database.exists()


def test_same_roster_id_twice_rejects_the_second_occurrence(engine: Engine, tmp_path: Path) -> None:
    code, output = run(engine, roster("7;Ada;Berg;2006-01-01;40000001;Agder;OSON;;;",
                                      "8;Bo;Dahl;2006-01-02;;Agder;OSON;;;",
                                      "7;Ada;Annen;2006-01-01;40000009;Agder;OSVE;;;"), tmp_path)
    assert code == EXIT_REJECTED
    assert "line 4: id: roster id 7 already on line 2" in output.splitlines()
    stored = youth_by_roster_id(engine)
    assert (stored["7"].last_name, stored["7"].registration_code) == ("Berg", "OSON")


def test_same_roster_id_in_two_counties_is_two_youth(engine: Engine, tmp_path: Path) -> None:
    code, _ = run(engine, roster("7;Ada;Berg;2006-01-01;;Agder;OSON;;;", "7;Bo;Dahl;2006-01-02;;Troms;OSON;;;"),
                  tmp_path)
    assert code == EXIT_OK
    assert counts(engine)["Youth"] == 2


def test_guardian_of_an_adult_is_kept_out_and_reported(engine: Engine, tmp_path: Path) -> None:
    code, output = run(engine, roster("1;Ada;Berg;22.11.2008;40000001;Agder;OSON;;Kari Berg;40000002"), tmp_path)
    assert code == EXIT_REJECTED
    assert "line 2: foresatt1_navn: guardian given for a youth aged 18 — not stored" in output.splitlines()
    assert counts(engine)["Youth"] == 1
    assert counts(engine)["Guardian"] == 0
    with Session(engine) as session:
        assert session.exec(select(ContactPoint.address)).all() == ["+4740000001"]


def test_guardian_of_a_youth_turning_18_tomorrow_is_stored(engine: Engine, tmp_path: Path) -> None:
    code, _ = run(engine, roster("1;Ada;Berg;23.11.2008;;Agder;OSON;;Kari Berg;40000002"), tmp_path)
    assert code == EXIT_OK
    assert counts(engine)["Guardian"] == 1


def test_minor_without_guardian_is_a_warning_not_a_rejection(engine: Engine, tmp_path: Path) -> None:
    code, output = run(engine, roster("1;Ada;Berg;2010-01-01;;Agder;OSON;;;"), tmp_path)
    assert code == EXIT_OK
    assert "line 2: no guardian given for a youth aged 16" in output


def test_dry_run_reports_what_would_happen_and_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    code, output = run(engine, (EXAMPLES / "roster_mixed.csv").read_bytes(), tmp_path, dry_run=True)
    assert code == EXIT_REJECTED
    assert "roster.csv: dry run, nothing was written" in output
    assert "line 9: mobile: not a valid mobile number" in output.splitlines()
    assert all(n == 0 for n in counts(engine).values())


def test_bad_phone_numbers_reject_the_row(engine: Engine, tmp_path: Path) -> None:
    code, output = run(engine, roster("1;Ada;Berg;2010-01-01;22 00 00 00;Agder;OSON;;Kari Berg;12",
                                      "2;Bo;Dahl;2006-01-01;40000003;Agder;OSON;;;"), tmp_path)
    assert code == EXIT_REJECTED
    lines = output.splitlines()
    assert "line 2: mobil: not a valid mobile number" in lines
    assert "line 2: foresatt1_mobil: not a valid phone number" in lines
    assert sorted(youth_by_roster_id(engine)) == ["2"]


def test_national_identity_number_as_roster_id_is_refused_without_echoing_it(engine: Engine, tmp_path: Path) -> None:
    # 01010750160 is a synthetic number with valid check digits (not a person).
    assert looks_like_national_id("01010750160")
    assert not looks_like_national_id("01010750161")
    code, output = run(engine, roster("01010750160;Ada;Berg;2007-01-01;;Agder;OSON;;;"), tmp_path)
    assert code == EXIT_REJECTED
    assert "line 2: id: looks like a national identity number (fødselsnummer); use the Vigo OT roster id" in output
    assert "01010750160" not in output


def test_empty_optional_cells_keep_what_is_stored(engine: Engine, tmp_path: Path) -> None:
    run(engine, roster("1;Ada;Berg;2006-01-01;40000001;Agder;OSON;OTUK;;"), tmp_path)
    with Session(engine) as session:
        report = import_roster(session, roster("1;Ada;Berg;2006-01-01;;Agder;OSON;;;"), file_name="r.csv", now=NOW)
        session.commit()
    assert (report.updated, report.unchanged) == (0, 1)
    with Session(engine) as session:
        assert session.exec(select(ContactPoint.address)).all() == ["+4740000001"]


def test_roster_that_still_has_the_code_we_replaced_does_not_undo_our_change(engine: Engine, tmp_path: Path) -> None:
    data = roster("1;Ada;Berg;2006-01-01;40000001;Agder;OSON;OTUK;;")
    run(engine, data, tmp_path)
    with Session(engine) as session:
        youth = session.exec(select(Youth)).one()
        change_status(session, youth, "OTOV", actor="bot", applied=True, evidence={"rule": "reply"},
                      now=NOW.replace(hour=12))
        session.commit()

    code, output = run(engine, data, tmp_path, now=NOW.replace(day=24))
    assert code == EXIT_OK
    assert "the roster still says OTUK; ours is OTOV" in output
    assert youth_by_roster_id(engine)["1"].status_code == "OTOV"

    # Once Vigo OT says something new, the roster wins and the change is recorded.
    run(engine, roster("1;Ada;Berg;2006-01-01;40000001;Agder;OSON;OTAR;;"), tmp_path, now=NOW.replace(day=25))
    assert youth_by_roster_id(engine)["1"].status_code == "OTAR"
    with Session(engine) as session:
        history = [(c.old_code, c.new_code, c.actor) for c in session.exec(select(StatusChange).order_by(StatusChange.id))]
    assert history == [("OTUK", "OTOV", "bot"), ("OTOV", "OTAR", "import")]


def test_new_guardian_in_a_position_retires_the_old_one_and_its_number(engine: Engine, tmp_path: Path) -> None:
    run(engine, roster("1;Ada;Berg;2010-01-01;;Agder;OSON;;Kari Berg;40000002"), tmp_path)
    code, _ = run(engine, roster("1;Ada;Berg;2010-01-01;;Agder;OSON;;Ola Berg;40000003"), tmp_path)
    assert code == EXIT_OK
    with Session(engine) as session:
        guardians = guardians_of(session, youth_by_roster_id(engine)["1"].id)
        points = [(p.address, p.wrong_number) for p in session.exec(select(ContactPoint).order_by(ContactPoint.id))]
    assert guardians == [("Kari Berg", 0), ("Ola Berg", 1)]
    assert points == [("+4740000002", True), ("+4740000003", False)]


def test_guardian_name_spelled_differently_with_the_same_number_is_a_correction(engine: Engine, tmp_path: Path) -> None:
    run(engine, roster("1;Ada;Berg;2010-01-01;;Agder;OSON;;Kari Berg;40000002"), tmp_path)
    run(engine, roster("1;Ada;Berg;2010-01-01;;Agder;OSON;;Kari Bergh;40000002"), tmp_path)
    with Session(engine) as session:
        assert guardians_of(session, youth_by_roster_id(engine)["1"].id) == [("Kari Bergh", 1)]
        assert session.exec(select(ContactPoint.wrong_number)).all() == [False]


def test_adviser_is_created_once_per_county_and_assigned(engine: Engine, tmp_path: Path) -> None:
    header = "id;fornavn;etternavn;fødselsdato;fylke;tilmeldingskode;veileder"
    run(engine, roster("1;Ada;Berg;2006-01-01;Agder;OSON;Per Salvesen",
                       "2;Bo;Dahl;2006-01-01;Agder;OSON;per  salvesen",
                       "3;Cai;Eik;2006-01-01;Troms;OSON;Per Salvesen", header=header), tmp_path)
    with Session(engine) as session:
        advisers = session.exec(select(Adviser)).all()
        assert len(advisers) == 2
        youth = {y.roster_id: y.adviser_id for y in session.exec(select(Youth))}
    assert youth["1"] == youth["2"] != youth["3"]


def test_municipality_outside_the_county_is_a_warning(engine: Engine, tmp_path: Path) -> None:
    header = "id;fornavn;etternavn;fødselsdato;kommune;fylke;tilmeldingskode"
    code, output = run(engine, roster("1;Ada;Berg;2006-01-01;Bergen;Agder;OSON", header=header), tmp_path)
    assert code == EXIT_OK
    assert "line 2: kommune: Bergen is in Vestland, not Agder; stored as given" in output


def test_county_is_taken_from_the_municipality_when_the_cell_is_empty(engine: Engine, tmp_path: Path) -> None:
    header = "id;fornavn;etternavn;fødselsdato;kommune;fylke;tilmeldingskode"
    code, _ = run(engine, roster("1;Ada;Berg;2006-01-01;Tromsø;;OSON", header=header), tmp_path)
    assert code == EXIT_OK
    with Session(engine) as session:
        assert session.exec(select(County.name)).all() == ["Troms"]


def test_as_of_day_moves_the_age_rules(engine: Engine, tmp_path: Path) -> None:
    data = roster("1;Ada;Berg;01.01.2002;;Agder;OSON;;;")
    code, output = run(engine, data, tmp_path, as_of=date(2027, 1, 1), dry_run=True)
    assert code == EXIT_REJECTED
    assert "line 2: fødselsdato: past the target group: turned 24 in 2026" in output
    assert run(engine, data, tmp_path)[0] == EXIT_OK


def test_file_level_problems_raise_before_anything_is_written(session: Session) -> None:
    with pytest.raises(RosterFileError):
        import_roster(session, b"PK\x03\x04rest", file_name="r.xlsx", now=NOW)
    assert session.exec(select(County)).all() == []


def test_row_problem_objects_carry_the_header_as_written() -> None:
    checked = check_roster(read_roster(roster("1;;Berg;2006-01-01;;Agder;OSON;;;")), day=DAY, default_county=None)
    assert checked.problems == [RowError(2, "fornavn", "missing required value")]


def test_value_longer_than_its_column_rejects_the_row_on_every_database(engine: Engine, tmp_path: Path) -> None:
    long_name = "A" * 101
    code, output = run(engine, roster(f"1;{long_name};Berg;2006-01-01;;Agder;OSON;;;",
                                      "2;Bo;Dahl;2006-01-01;;Agder;OSON;;;"), tmp_path)
    assert code == EXIT_REJECTED
    assert "line 2: fornavn: longer than 100 characters (101)" in output.splitlines()
    assert sorted(youth_by_roster_id(engine)) == ["2"]


SIBLINGS = ("1;Ada;Berg;2010-01-01;40000101;Agder;OSON;;Kari Berg;40000300",
            "2;Bo;Berg;2010-12-05;40000102;Agder;OSON;;Kari Berg;40000300")


def test_a_parent_of_siblings_is_one_person_with_one_number_linked_to_each_child(engine: Engine,
                                                                               tmp_path: Path) -> None:
    code, output = run(engine, roster(*SIBLINGS), tmp_path)
    assert code == EXIT_OK, output
    stored = youth_by_roster_id(engine)
    with Session(engine) as session:
        assert [g.name for g in session.exec(select(Guardian))] == ["Kari Berg"]
        points = session.exec(select(ContactPoint).where(ContactPoint.address == "+4740000300")).all()
        assert [(p.youth_id, p.guardian_id is not None) for p in points] == [(None, True)]
        # An inbound SMS from that number leads to one person and, through the links, to both children.
        children = session.exec(select(YouthGuardian.youth_id).where(YouthGuardian.guardian_id == points[0].guardian_id,
                                                                     YouthGuardian.position != 0)).all()
        assert sorted(children) == sorted([stored["1"].id, stored["2"].id])
    # Importing the same file again changes nothing.
    with Session(engine) as session:
        again = import_roster(session, roster(*SIBLINGS), file_name="roster.csv", now=NOW)
        session.commit()
    assert (again.unchanged, again.updated, again.warnings) == (2, 0, [])
    assert counts(engine)["Guardian"] == 1


def test_a_youth_number_that_is_also_a_guardians_number_is_stored_and_flagged(engine: Engine, tmp_path: Path) -> None:
    code, output = run(engine, roster("1;Ada;Berg;2010-01-01;40000300;Agder;OSON;;Kari Berg;40000300"), tmp_path)
    assert code == EXIT_OK
    assert "line 2: mobil: the same number as a guardian's number; stored for both — check it" in output.splitlines()
    with Session(engine) as session:
        assert len(session.exec(select(ContactPoint).where(ContactPoint.address == "+4740000300")).all()) == 2


BIRTHDAY_ROW = "1;Ada;Berg;23.11.2008;40000101;Agder;OSON;;Kari Berg;40000300"
ADULT_ROW = "1;Ada;Berg;23.11.2008;40000101;Agder;OSON;;;"


def test_guardians_leave_when_a_reimport_finds_the_youth_turned_18(engine: Engine, tmp_path: Path) -> None:
    code, _ = run(engine, roster(BIRTHDAY_ROW), tmp_path, as_of=date(2026, 11, 22))  # 17, one day before
    assert code == EXIT_OK
    assert counts(engine)["Guardian"] == 1

    # The day after the 18th birthday the roster (rightly) no longer lists the guardian.
    code, output = run(engine, roster(ADULT_ROW), tmp_path, as_of=date(2026, 11, 24))

    assert code == EXIT_OK, output
    assert "line 2: the youth is 18 or older: their guardians are no longer kept" in output
    assert counts(engine)["Guardian"] == 0
    with Session(engine) as session:
        assert session.exec(select(ContactPoint.address)).all() == ["+4740000101"]
        assert session.exec(select(YouthGuardian)).all() == []


def test_before_the_18th_birthday_the_guardians_stay(engine: Engine, tmp_path: Path) -> None:
    run(engine, roster(BIRTHDAY_ROW), tmp_path, as_of=date(2026, 11, 20))
    code, output = run(engine, roster(BIRTHDAY_ROW), tmp_path, as_of=date(2026, 11, 22))
    assert code == EXIT_OK, output
    assert counts(engine)["Guardian"] == 1


def test_a_guardian_who_still_guards_a_younger_sibling_keeps_the_number(engine: Engine, tmp_path: Path) -> None:
    older = "1;Ada;Berg;23.11.2008;40000101;Agder;OSON;;Kari Berg;40000300"
    younger = "2;Bo;Berg;2010-12-05;40000102;Agder;OSON;;Kari Berg;40000300"
    run(engine, roster(older, younger), tmp_path, as_of=date(2026, 11, 22))

    code, output = run(engine, roster(ADULT_ROW, younger), tmp_path, as_of=date(2026, 11, 24))

    assert code == EXIT_OK, output
    stored = youth_by_roster_id(engine)
    with Session(engine) as session:
        assert guardians_of(session, stored["1"].id) == []
        assert guardians_of(session, stored["2"].id) == [("Kari Berg", 1)]
        point = session.exec(select(ContactPoint).where(ContactPoint.address == "+4740000300")).one()
        assert (point.retired_at, point.wrong_number) == (None, False)


def test_a_guardian_with_a_thread_is_kept_but_retired_when_the_youth_turns_18(engine: Engine, tmp_path: Path) -> None:
    from storage.enums import Channel, ContactRetired, DeliveryStatus, Direction, GuardianEnded
    from storage.models import Message

    run(engine, roster(BIRTHDAY_ROW), tmp_path, as_of=date(2026, 11, 22))
    with Session(engine) as session:
        point = session.exec(select(ContactPoint).where(ContactPoint.guardian_id.is_not(None))).one()
        session.add(Message(county_id=point.county_id, youth_id=youth_by_roster_id(engine)["1"].id,
                            guardian_id=point.guardian_id, contact_point_id=point.id, direction=Direction.OUTBOUND,
                            channel=Channel.SMS, text="Informasjon til foresatte", delivery_status=DeliveryStatus.SENT))
        session.commit()

    run(engine, roster(ADULT_ROW), tmp_path, as_of=date(2026, 11, 24))

    with Session(engine) as session:
        point = session.exec(select(ContactPoint).where(ContactPoint.guardian_id.is_not(None))).one()
        link = session.exec(select(YouthGuardian)).one()
    assert (point.retired_reason, point.retired_at is not None) == (ContactRetired.YOUTH_ADULT, True)
    assert (link.position, link.ended_reason) == (0, GuardianEnded.YOUTH_ADULT)


def test_default_region_reads_numbers_without_a_country_code(tmp_path: Path) -> None:
    from bot.roster import check_roster

    data = roster("1;Ada;Berg;2006-01-01;070-123 45 67;Agder;OSON;;;")
    se = check_roster(read_roster(data), day=DAY, default_county=None, region="SE")
    no = check_roster(read_roster(data), day=DAY, default_county=None, region="NO")
    assert [e.mobile for e in se.entries] == ["+46701234567"]
    assert no.entries == []
    assert [str(p) for p in no.problems] == ["line 2: mobil: not a valid phone number"]
