"""The roster file format: encodings, delimiters, headers, line numbers, dates, phone numbers, the changes CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from adapters.roster_csv import (
    CHANGE_COLUMNS,
    ChangeRow,
    DateError,
    PhoneError,
    RosterFileError,
    RowError,
    changes_csv,
    field_for_header,
    normalise_mobile,
    parse_date,
    read_roster,
    sniff_delimiter,
)

NORWEGIAN_HEADER = "id;fornavn;etternavn;fødselsdato;mobil;fylke;tilmeldingskode"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2008-03-09", date(2008, 3, 9)),
        ("09.03.2008", date(2008, 3, 9)),
        ("9.3.2008", date(2008, 3, 9)),
        (" 2004-02-29 ", date(2004, 2, 29)),
        ("29.02.2004", date(2004, 2, 29)),
    ],
)
def test_dates_in_iso_and_norwegian_form_are_read(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2008/03/09", "09-03-2008", "03.09.08", "", "i går", "31.02.2008", "2007-02-29", "2008-13-01"])
def test_unreadable_or_impossible_dates_raise_date_error(text: str) -> None:
    with pytest.raises(DateError):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("40000001", "+4740000001"),
        ("400 00 001", "+4740000001"),
        ("+47 400 00 001", "+4740000001"),
        ("0047 40000001", "+4740000001"),
        ("+47 400 00 999", "+4740000999"),
        ("+46 70 174 06 50", "+46701740650"),  # Sweden's range for fiction
    ],
)
def test_mobile_numbers_are_normalised_to_e164(text: str, expected: str) -> None:
    assert normalise_mobile(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("22 00 00 00", "not a valid mobile number"),  # Oslo landline
        ("1234", "not a valid phone number"),
        ("ring meg", "not a phone number"),
        ("800 12 345", "not a valid mobile number"),  # freephone
    ],
)
def test_numbers_that_cannot_take_an_sms_are_refused_without_echoing_the_number(text: str, reason: str) -> None:
    with pytest.raises(PhoneError) as caught:
        normalise_mobile(text)
    assert str(caught.value) == reason


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("id", "roster_id"),
        (" ID ", "roster_id"),
        ("Fødselsdato", "birth_date"),
        ("fodselsdato", "birth_date"),
        ("foedselsdato", "birth_date"),
        ("birth_date", "birth_date"),
        ("Birth date", "birth_date"),
        ("e-post", "email"),
        ("epost", "email"),
        ("E-mail", "email"),
        ("målform", "language"),
        ("malform", "language"),
        ("language", "language"),
        ("Tilmeldingskode", "registration_code"),
        ("registration_code", "registration_code"),
        ("foresatt1_navn", "guardian1_name"),
        ("guardian2_mobile", "guardian2_mobile"),
        ("\ufeffid", "roster_id"),
        ("fødselsnummer", None),
        ("shoe size", None),
    ],
)
def test_headers_match_in_norwegian_and_english_whatever_the_case(header: str, field: str | None) -> None:
    assert field_for_header(header) == field


def test_delimiter_is_sniffed_from_the_header_line() -> None:
    assert sniff_delimiter("id;fornavn;etternavn") == ";"
    assert sniff_delimiter("id,first_name,last_name") == ","
    assert sniff_delimiter('"etternavn, fornavn";id;fylke') == ";"


def test_utf8_bom_semicolons_and_norwegian_headers_are_read() -> None:
    data = ("\ufeff" + NORWEGIAN_HEADER + "\r\n100001;Åse;Bø;03.04.2008;40000001;Trøndelag;OSON\r\n").encode()
    roster = read_roster(data)
    assert roster.delimiter == ";"
    assert roster.encoding == "utf-8"
    assert roster.headers["birth_date"] == "fødselsdato"
    assert [r.line for r in roster.rows] == [2]
    assert dict(roster.rows[0].values) == {
        "roster_id": "100001", "first_name": "Åse", "last_name": "Bø", "birth_date": "03.04.2008",
        "mobile": "40000001", "county": "Trøndelag", "registration_code": "OSON",
    }


def test_windows_1252_file_is_read_with_a_warning_and_names_intact() -> None:
    data = (NORWEGIAN_HEADER + "\n100001;Kåre;Sæther;2008-04-03;;Agder;OSVE\n").encode("cp1252")
    roster = read_roster(data)
    assert roster.encoding == "cp1252"
    assert roster.rows[0].get("first_name") == "Kåre"
    assert roster.rows[0].get("last_name") == "Sæther"
    assert any("Windows-1252" in w for w in roster.warnings)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook (.xlsx)"),
        ("id;fornavn".encode("utf-16"), "UTF-16"),
        (b"id;fornavn\x00;x", "binary"),
        (b"id;fornavn;etternavn\n1;a;b\n", "missing required column(s): fødselsdato (birth_date), tilmeldingskode (registration_code)"),
        (b"id;mobil;mobile;fornavn;etternavn;fodselsdato;tilmeldingskode\n", "both mean mobile"),
    ],
)
def test_unusable_files_raise_a_file_error_saying_why(data: bytes, reason: str) -> None:
    with pytest.raises(RosterFileError) as caught:
        read_roster(data)
    assert reason in str(caught.value)


def test_missing_column_message_lists_the_header_that_was_found() -> None:
    with pytest.raises(RosterFileError) as caught:
        read_roster(b"id,first_name,last_name,birth_date\n", required={"roster_id", "birth_date", "county"})
    assert str(caught.value) == (
        "missing required column(s): fylke (county). Header on line 1 has: "
        "'id', 'first_name', 'last_name', 'birth_date'"
    )


def test_physical_line_numbers_survive_quoted_multiline_cells_and_blank_lines() -> None:
    data = (
        b"id,first_name,last_name,birth_date,registration_code,school\n"
        b'1,Ada,Berg,2008-01-01,OSON,"Line one\nline two\nline three"\n'
        b"\n"
        b"2,Bo,Dahl,2008-01-02,OSVE,\n"
        b",,,,,\n"
        b"3,Cai,Eik,2008-01-03,OSUT,\n"
    )
    roster = read_roster(data)
    assert [r.line for r in roster.rows] == [2, 6, 8]
    assert roster.rows[0].get("school") == "Line one\nline two\nline three"


def test_carriage_return_only_line_endings_count_lines_too() -> None:
    data = b"id,first_name,last_name,birth_date,registration_code\r1,Ada,Berg,2008-01-01,OSON\r2,Bo,Dahl,2008-01-02,OSVE\r"
    assert [r.line for r in read_roster(data).rows] == [2, 3]


def test_excel_sep_line_names_the_delimiter_and_is_not_the_header() -> None:
    data = b"sep=,\nid,first_name,last_name,birth_date,registration_code\n1,Ada,Berg,2008-01-01,OSON\n"
    roster = read_roster(data)
    assert roster.delimiter == ","
    assert [(r.line, r.get("roster_id")) for r in roster.rows] == [(3, "1")]


def test_unknown_columns_are_reported_once_and_ignored() -> None:
    data = b"id,first_name,last_name,birth_date,registration_code,shoe size,,notes\n1,Ada,Berg,2008-01-01,OSON,42,,hi\n"
    roster = read_roster(data)
    assert roster.unknown_columns == ["shoe size", "notes"]
    assert roster.warnings == ["ignored unknown column(s): shoe size, notes"]
    assert "42" not in roster.rows[0].values.values()


def test_row_with_more_values_than_the_header_is_a_row_problem() -> None:
    data = b"id,first_name,last_name,birth_date,registration_code\n1,Ada,Berg,2008-01-01,OSON,extra\n2,Bo,Dahl,2008-01-02,OSVE\n"
    roster = read_roster(data)
    assert roster.problems == [RowError(2, "(row)", "6 values but the header has 5 columns")]
    assert [r.get("roster_id") for r in roster.rows] == ["2"]


def test_row_error_reads_as_line_column_reason() -> None:
    assert str(RowError(7, "mobil", "not a valid mobile number")) == "line 7: mobil: not a valid mobile number"


def test_changes_csv_has_the_header_semicolons_and_quotes_what_needs_it() -> None:
    row = ChangeRow("2026-03-29 03:30", "100001", "Åse Bø", "Trøndelag", "OTUK", "OTAR", "bot", "applied",
                    'reply "jobber; på lager" (rule: work)')
    text = changes_csv([row])
    lines = text.split("\r\n")
    assert lines[0] == ";".join(CHANGE_COLUMNS)
    parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert parsed[1] == ["2026-03-29 03:30", "100001", "Åse Bø", "Trøndelag", "OTUK", "OTAR", "bot", "applied",
                         'reply "jobber; på lager" (rule: work)']
