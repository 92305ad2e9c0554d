"""Udir's OT codes (registration and status) and their groups: the one list in the product."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class CodeGroup(IntEnum):
    """Udir's grouping of status codes, numbered as Udir numbers them."""

    UNKNOWN = 1
    FOLLOW_UP = 2
    IN_ACTIVITY = 3
    CLARIFIED = 4
    NOT_IN_TARGET_GROUP = 5

    @property
    def label(self) -> str:
        return GROUP_LABELS[self]

    @property
    def slug(self) -> str:
        return self.name.lower()


GROUP_LABELS: dict[CodeGroup, str] = {
    CodeGroup.UNKNOWN: "ukjent aktivitet",
    CodeGroup.FOLLOW_UP: "under oppfølging",
    CodeGroup.IN_ACTIVITY: "i aktivitet",
    CodeGroup.CLARIFIED: "avklart",
    CodeGroup.NOT_IN_TARGET_GROUP: "registrert, ikke i målgruppen",
}


@dataclass(frozen=True, slots=True)
class StatusCode:
    code: str
    group: CodeGroup
    label_nb: str
    meaning_en: str


@dataclass(frozen=True, slots=True)
class RegistrationCode:
    code: str
    label_nb: str
    meaning_en: str


_STATUS: tuple[StatusCode, ...] = (
    StatusCode("OTUK", CodeGroup.UNKNOWN, "Ukjent aktivitet", "unknown activity"),
    StatusCode("OTOV", CodeGroup.FOLLOW_UP, "Under oppfølging og veiledning av OT", "under follow-up and guidance by OT"),
    StatusCode("OTOA", CodeGroup.IN_ACTIVITY, "Opplæring eller arbeidspraksis i regi av fylkeskommunen", "training or work practice run by the county"),
    StatusCode("OTAP", CodeGroup.IN_ACTIVITY, "Arbeidspraksis eller annet tiltak i regi av NAV", "work practice or another measure run by NAV"),
    StatusCode("OTKO", CodeGroup.IN_ACTIVITY, "Kombinert tiltak fylkeskommune/kommune og NAV", "combined measure, county (or municipality) and NAV"),
    StatusCode("OTAR", CodeGroup.IN_ACTIVITY, "I arbeid", "in work"),
    StatusCode("OTEV", CodeGroup.IN_ACTIVITY, "Elev i offentlig skole", "pupil (public school)"),
    StatusCode("OTVF", CodeGroup.IN_ACTIVITY, "Elev i privat videregående skole", "pupil at a private upper secondary school"),
    StatusCode("OTLL", CodeGroup.IN_ACTIVITY, "Lærling, lærekandidat eller praksisbrevkandidat", "apprentice, training candidate or practice-certificate candidate"),
    StatusCode("OTNO", CodeGroup.CLARIFIED, "Takket nei til oppfølging", "declined follow-up"),
    StatusCode("OTMI", CodeGroup.CLARIFIED, "Militærtjeneste", "in military service"),
    StatusCode("OTBA", CodeGroup.CLARIFIED, "Omsorg for barn", "caring for a child"),
    StatusCode("OTSY", CodeGroup.CLARIFIED, "Syk eller i institusjon", "ill, or in an institution"),
    StatusCode("OTIF", CodeGroup.CLARIFIED, "Ikke-formell opplæring (f.eks. folkehøgskole)", "non-formal education (e.g. folk high school)"),
    StatusCode("OTFA_IM", CodeGroup.NOT_IN_TARGET_GROUP, "Flyttet til annet fylke", "moved to another county"),
    StatusCode("OTFU_IM", CodeGroup.NOT_IN_TARGET_GROUP, "Flyttet til / oppholder seg i utlandet", "moved to or staying abroad"),
    StatusCode("OTAR_IM", CodeGroup.NOT_IN_TARGET_GROUP, "I arbeid, OT arbeider forebyggende", "in work, OT works preventively"),
    StatusCode("OTEV_IM", CodeGroup.NOT_IN_TARGET_GROUP, "Elev, OT arbeider forebyggende", "pupil, OT works preventively"),
    StatusCode("OTVF_IM", CodeGroup.NOT_IN_TARGET_GROUP, "Elev i privat skole, OT arbeider forebyggende", "private pupil, OT works preventively"),
    StatusCode("OTLL_IM", CodeGroup.NOT_IN_TARGET_GROUP, "Lærling, OT arbeider forebyggende", "apprentice, OT works preventively"),
    StatusCode("ELGS_IM", CodeGroup.NOT_IN_TARGET_GROUP, "Elev i grunnskolen, OT arbeider forebyggende", "pupil in lower secondary, OT works preventively"),
    StatusCode("ELVG_IM", CodeGroup.NOT_IN_TARGET_GROUP, "Elev i videregående, OT arbeider forebyggende", "pupil in upper secondary, OT works preventively"),
    StatusCode("FEIL", CodeGroup.NOT_IN_TARGET_GROUP, "Registrert ved en feil", "registered by mistake"),
)

_REGISTRATION: tuple[RegistrationCode, ...] = (
    RegistrationCode("OSON", "Søkte ikke videregående opplæring", "did not apply for upper secondary"),
    RegistrationCode("OSVE", "Søkte, fikk ikke tilbud", "applied, got no offer (school place or apprenticeship)"),
    RegistrationCode("OSNP", "Takket nei til plass eller venteplass", "said no to a place or a waiting place"),
    RegistrationCode("OSUT", "Ikke kvalifisert for valgte utdanningsprogram", "not eligible for the programmes they chose"),
    RegistrationCode("OESL", "Sluttet i skole eller læreforhold i løpet av året", "left school or apprenticeship during the year"),
)

STATUS_CODES: dict[str, StatusCode] = {c.code: c for c in _STATUS}
REGISTRATION_CODES: dict[str, RegistrationCode] = {c.code: c for c in _REGISTRATION}

UNKNOWN = "OTUK"
FOLLOW_UP = "OTOV"


class UnknownCode(ValueError):
    """A code that is not in Udir's list."""


def normalise_code(value: str) -> str:
    """Upper-case and trim a code as people type it ("otuk ", "otfa-im")."""
    return value.strip().upper().replace("-", "_").replace(" ", "_")


def status(code: str) -> StatusCode:
    try:
        return STATUS_CODES[normalise_code(code)]
    except KeyError:
        raise UnknownCode(f"unknown status code {code!r}") from None


def registration(code: str) -> RegistrationCode:
    try:
        return REGISTRATION_CODES[normalise_code(code)]
    except KeyError:
        raise UnknownCode(f"unknown registration code {code!r}") from None


def is_status_code(code: str) -> bool:
    return normalise_code(code) in STATUS_CODES


def is_registration_code(code: str) -> bool:
    return normalise_code(code) in REGISTRATION_CODES


def group_of(code: str) -> CodeGroup:
    return status(code).group


def codes_in_group(group: CodeGroup) -> list[str]:
    return [c.code for c in _STATUS if c.group is group]
