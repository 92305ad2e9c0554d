"""The roster file format of Vigo OT exports (read) and the status-change CSV for Vigo OT (write): pure, no database."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import phonenumbers

# Canonical field -> every header spelling accepted for it (after `header_key`).
# The first spelling is the Norwegian name used in messages when the file names no header.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "roster_id": ("id", "roster_id", "rosterid", "vigo_id"),
    "first_name": ("fornavn", "first_name", "firstname", "given_name"),
    "last_name": ("etternavn", "last_name", "lastname", "surname", "family_name"),
    "birth_date": ("fødselsdato", "fodselsdato", "foedselsdato", "birth_date", "birthdate", "date_of_birth"),
    "mobile": ("mobil", "mobile", "mobilnummer", "mobile_phone", "phone", "telefon"),
    "email": ("e_post", "epost", "email", "e_mail"),
    "municipality": ("kommune", "municipality"),
    "county": ("fylke", "county"),
    "registration_code": ("tilmeldingskode", "registration_code", "registreringskode"),
    "status_code": ("statuskode", "status_code", "status"),
    "adviser": ("veileder", "adviser", "advisor", "rådgiver", "radgiver"),
    "language": ("målform", "malform", "maalform", "language", "språk", "sprak"),
    "school": ("skole", "school"),
    "guardian1_name": ("foresatt1_navn", "guardian1_name"),
    "guardian1_mobile": ("foresatt1_mobil", "guardian1_mobile"),
    "guardian2_name": ("foresatt2_navn", "guardian2_name"),
    "guardian2_mobile": ("foresatt2_mobil", "guardian2_mobile"),
    "registered": ("registrert", "registered", "registered_on", "registrert_dato"),
}
FIELDS: tuple[str, ...] = tuple(FIELD_ALIASES)
# Without these a roster cannot be used at all; county is added by the caller when no default county is known.
REQUIRED_FIELDS: frozenset[str] = frozenset({"roster_id", "first_name", "last_name", "birth_date", "registration_code"})

_ALIAS_TO_FIELD: dict[str, str] = {alias: name for name, aliases in FIELD_ALIASES.items() for alias in aliases}

_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATE_NO = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")

# Magic numbers of files people save by mistake instead of CSV.
_NOT_CSV: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "this is an Excel workbook (.xlsx) or another zip file, not CSV; save it as CSV (UTF-8)"),
    (b"\xd0\xcf\x11\xe0", "this is an old Excel workbook (.xls), not CSV; save it as CSV (UTF-8)"),
    (b"%PDF", "this is a PDF, not CSV"),
)
_MOBILE_TYPES = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})


class DateError(ValueError):
    """A date that is neither YYYY-MM-DD nor DD.MM.YYYY, or no real day."""


class PhoneError(ValueError):
    """Text that is not a valid mobile number."""


class RosterFileError(Exception):
    """The file cannot be used at all (unreadable, not text, missing required columns): nothing may be written."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem with one row, reported as `line N: column: reason`."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.column}: {self.reason}"


@dataclass(frozen=True, slots=True)
class RawRow:
    """One data row: the physical line it starts on and its non-empty cells by canonical field."""

    line: int
    values: Mapping[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass(slots=True)
class RosterFile:
    """A decoded roster: which header each field came from, the rows, and what was odd about the file."""

    headers: dict[str, str]
    rows: list[RawRow]
    delimiter: str
    encoding: str
    unknown_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[RowError] = field(default_factory=list)

    def column(self, name: str) -> str:
        """The header as the file spells it, for messages people recognise; the Norwegian name otherwise."""
        return self.headers.get(name) or FIELD_ALIASES[name][0].replace("e_post", "e-post")


def header_key(header: str) -> str:
    """Normalise a header as people and Excel write it: case, spaces, hyphens, a stray BOM."""
    key = header.replace("\ufeff", "").strip().casefold()
    return re.sub(r"[\s\-.]+", "_", key)


def field_for_header(header: str) -> str | None:
    return _ALIAS_TO_FIELD.get(header_key(header))


def parse_date(text: str) -> date:
    """`YYYY-MM-DD` or `DD.MM.YYYY` (Norwegian Excel) to a date."""
    value = text.strip()
    if match := _DATE_ISO.match(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DATE_NO.match(value):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise DateError(f"cannot read {value!r} as a date (YYYY-MM-DD or DD.MM.YYYY)")
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"{value!r} is not a real date") from None


def normalise_mobile(text: str, region: str = "NO") -> str:
    """A mobile number as people write it (`412 34 567`, `0047…`, `+47…`) in E.164; PhoneError otherwise.

    The message never repeats the number: it may end up in a log.
    """
    value = text.strip()
    if value.startswith("00"):
        value = "+" + value[2:]
    return _normalise_mobile(value, region)


@lru_cache(maxsize=65536)
def _normalise_mobile(value: str, region: str) -> str:
    # Cached: a re-import sees the same numbers again, and phonenumbers' metadata matching is slow.
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise PhoneError("not a phone number") from None
    # number_type is UNKNOWN exactly when is_valid_number is False; calling both would match twice.
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        raise PhoneError("not a valid phone number")
    if kind not in _MOBILE_TYPES:
        raise PhoneError("not a valid mobile number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def decode_roster(data: bytes) -> tuple[str, str, list[str]]:
    """Bytes to text: UTF-8 with or without BOM; otherwise Windows-1252 (old Excel) with a warning.

    Windows-1252 holds æ, ø and å, so a legacy Norwegian export decodes to the right names; a file
    that is neither (binary, UTF-16) is refused rather than guessed.
    """
    for magic, reason in _NOT_CSV:
        if data.startswith(magic):
            raise RosterFileError(reason)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RosterFileError("the file is UTF-16 (Excel 'Unicode text'); save it as CSV (UTF-8)")
    if b"\x00" in data:
        raise RosterFileError("the file holds binary data (NUL bytes); it is not a CSV text file")
    try:
        return data.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise RosterFileError(
            f"the file is not UTF-8 (byte {utf8_error.start}) nor Windows-1252; save it as CSV (UTF-8)"
        ) from None
    return text, "cp1252", [
        "the file is not UTF-8; read it as Windows-1252 (old Excel). Check æ, ø and å in the names, "
        "and save as CSV (UTF-8) next time"
    ]


def sniff_delimiter(header_line: str) -> str:
    """Semicolon (Norwegian Excel) or comma, whichever the header line uses more outside quotes."""
    outside = re.sub(r'"[^"]*"', "", header_line)
    return ";" if outside.count(";") > outside.count(",") else ","


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the physical line each starts on, even when a quoted cell spans lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise RosterFileError(f"line {start}: the CSV cannot be read past this point: {exc}") from None
        # A record that ends in a newline inside quotes is counted from its first line.
        yield start, record


def read_roster(data: bytes, *, required: Iterable[str] = REQUIRED_FIELDS) -> RosterFile:
    """Decode, find the delimiter and the header, map columns to fields, and split the rows.

    Raises RosterFileError when the file is unusable; row-level problems go to `problems`.
    """
    text, encoding, warnings = decode_roster(data)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if not first_line:
        raise RosterFileError("the file is empty: no header line")
    # Excel understands (and some exports write) a first line `sep=;` naming the delimiter.
    excel_sep = re.fullmatch(r"\s*sep=(.)\s*", first_line)
    delimiter = excel_sep.group(1) if excel_sep else sniff_delimiter(first_line)
    records = _records(text, delimiter)
    header_line, header = 0, []
    skip_sep_line = excel_sep is not None
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue
        if skip_sep_line:
            skip_sep_line = False
            continue
        header_line, header = line, record
        break
    if not header:
        raise RosterFileError("the file has no header line")

    headers: dict[str, str] = {}
    positions: dict[int, str] = {}
    unknown: list[str] = []
    for position, raw_header in enumerate(header):
        shown = raw_header.replace("\ufeff", "").strip()
        name = field_for_header(raw_header)
        if name is None:
            if shown:
                unknown.append(shown)
            continue
        if name in headers:
            raise RosterFileError(f"columns {headers[name]!r} and {shown!r} both mean {name}; keep one")
        headers[name] = shown
        positions[position] = name

    wanted = set(required)
    missing = [name for name in FIELDS if name in wanted and name not in headers]
    if missing:
        names = ", ".join(f"{FIELD_ALIASES[m][0]} ({m})" for m in missing)
        found = ", ".join(repr(h.strip()) for h in header if h.strip()) or "none"
        raise RosterFileError(
            f"missing required column(s): {names}. Header on line {header_line} has: {found}"
        )
    if unknown:
        warnings.append("ignored unknown column(s): " + ", ".join(unknown))

    roster = RosterFile(headers=headers, rows=[], delimiter=delimiter, encoding=encoding,
                        unknown_columns=unknown, warnings=warnings)
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue  # blank lines and Excel's trailing ";;;;" rows
        extra = [cell for cell in record[len(header):] if cell.strip()]
        if extra:
            roster.problems.append(
                RowError(line, "(row)", f"{len(record)} values but the header has {len(header)} columns")
            )
            continue
        values = {
            positions[pos]: cell.strip()
            for pos, cell in enumerate(record)
            if pos in positions and cell.strip()
        }
        roster.rows.append(RawRow(line, values))
    return roster


# --- the export for Vigo OT ---

CHANGE_COLUMNS: tuple[str, ...] = (
    "time", "roster_id", "name", "county", "old_code", "new_code", "actor", "state", "evidence",
)


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One status change as advisers read it: every value already in words and Europe/Oslo time."""

    time: str
    roster_id: str
    name: str
    county: str
    old_code: str
    new_code: str
    actor: str
    state: str
    evidence: str


def changes_csv(rows: Iterable[ChangeRow]) -> str:
    """The changes CSV: semicolons and a header, as Norwegian Excel opens it; the caller writes UTF-8 with BOM."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CHANGE_COLUMNS)
    for row in rows:
        writer.writerow([getattr(row, name) for name in CHANGE_COLUMNS])
    return buffer.getvalue()
