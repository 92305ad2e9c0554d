"""Which language a reply is in (nb, nn, en or other): marker words first, scripts, then lingua for the rest."""

from __future__ import annotations

import re
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

# Words that only (or mostly) occur in one written standard. Dialect spellings count as the standard they
# are closest to in writing (Trøndersk and Nordnorsk "æ", "itj" read as Bokmål replies in practice).
NYNORSK = frozenset(
    "eg ikkje kva korleis kven kvifor heiter skule skulen meir mykje frå dykk dykkar ein eit byrja byrjar jobbar "
    "ho vidaregåande kome noko nokon berre sjølv sjukehuset sjukehus innlagd heime treng veit ønskjer ynskjer "
    "meldingar meldinga gjer snakke ringje hennar hausten fekk gjekk vart blei saman sidan kvar framleis "
    "eigentleg nokre arbeidar verda dagar veka veke tida heilt heile seinare svarar".split()
)
BOKMAL = frozenset(
    "jeg ikke hva hvordan hvem hvorfor heter skole skolen mer mye fra dere en et begynte jobber hun noe noen "
    "bare selv sykehuset hjemme trenger vet ønsker meldinger meldingen gjør høsten fikk gikk ble sammen siden "
    "hvor egentlig æ itj e ka kem ska dokker hjem har er på og det som til med å nå også kan vil skal må "
    "fått takk hei jo nei ja min mitt mine meg deg han seg sin slutta flytta bor går gjøre nå tenker hver dag "
    "jobb skole lærling sluttet flyttet vært hatt litt mange ingen ingenting også eller når kanskje nei".split()
)
ENGLISH = frozenset(
    "i the is am are my me you your not and at to with this it have has was were what who why how where "
    "school work working job please thanks thank doing back stop number wrong yes got just from of "
    "don't dont im i'm it's can't cant won't wont want would like need help call someone anyone nothing "
    "moved living staying home kids baby hospital army military apprentice apprenticeship college "
    "university there here they them he she his her our we us be been being an a any that which for "
    "hi hello hey okay ok sorry tho though now rn idk tbh pls lol gonna wanna into about".split()
)
# Words both standards share: evidence the reply is Norwegian, not which standard.
_SHARED_NORWEGIAN = frozenset(
    "har er på og det som til med å nå også kan vil skal må fått takk hei jo nei ja min mitt mine meg deg "
    "han seg sin går bor no te".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Arabic, Cyrillic and Ethiopic letters.
_FOREIGN_SCRIPT = re.compile(r"[\u0600-\u06ff\u0400-\u04ff\u1200-\u137f]")
_LATIN_LETTER = re.compile(r"[A-Za-zÆØÅæøåÄÖÜäöüÉéÈèÀàÓóÒò]")

_LINGUA_LANGUAGES = (
    Language.BOKMAL,
    Language.NYNORSK,
    Language.ENGLISH,
    Language.SWEDISH,
    Language.DANISH,
    Language.GERMAN,
    Language.POLISH,
    Language.LITHUANIAN,
    Language.UKRAINIAN,
    Language.RUSSIAN,
    Language.ARABIC,
    Language.SOMALI,
    Language.PERSIAN,
    Language.TURKISH,
    Language.SPANISH,
    Language.FRENCH,
    Language.PORTUGUESE,
    Language.ITALIAN,
    Language.ROMANIAN,
    Language.LATVIAN,
    Language.ESTONIAN,
    Language.FINNISH,
    Language.VIETNAMESE,
    Language.TAGALOG,
    Language.THAI,
)


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*_LINGUA_LANGUAGES).with_low_accuracy_mode().build()


@lru_cache(maxsize=4096)  # lingua takes a millisecond or more a reply, and replies repeat ("ok", "takk")
def _from_lingua(text: str) -> str:
    try:
        found = _detector().detect_language_of(text)
    except Exception:  # lingua is third-party code over arbitrary text; an unread reply goes to an adviser
        return "other"
    if found is None:
        return "other"
    # Danish and Swedish are read with the Norwegian vocabulary: advisers and the lexicon read them as Bokmål
    # ("folkehøjskole i Danmark" states an activity, not an unknown language).
    return {Language.BOKMAL: "nb", Language.NYNORSK: "nn", Language.ENGLISH: "en", Language.DANISH: "nb",
            Language.SWEDISH: "nb"}.get(found, "other")


def detect_language(text: str) -> str:
    """nb, nn, en or other for one reply; short replies without evidence count as Bokmål (the default)."""
    words = [w.casefold() for w in _WORD.findall(text)]
    letters = sum(map(str.isalpha, text))
    foreign_script = len(_FOREIGN_SCRIPT.findall(text))
    if letters and foreign_script * 2 > letters:
        return "other"
    nn = nb = shared = en = 0
    for w in words:
        if w in _SHARED_NORWEGIAN:
            shared += 1
        elif w in BOKMAL:
            nb += 1
        nn += w in NYNORSK
        en += w in ENGLISH
    norwegian = nn + nb + shared
    if not words:
        return "nb"
    if norwegian == 0 and en == 0:
        # Nothing we know: a name, a place, a foreign sentence or a typo. Short fragments stay with the default.
        if len(words) <= 2 and letters < 16:
            return "nb"
        return _from_lingua(text)
    if en > norwegian and en >= 1:
        if len(words) >= 6 and en * 3 < len(words):
            return _from_lingua(text)
        return "en"
    # Here norwegian >= 1 (none of either returned above, more English returned above), so a mostly-unknown
    # reply with some Norwegian stays Norwegian: asking lingua could not change the answer, only cost time.
    if nn > nb:
        return "nn"
    return "nb"
