"""Normalising a reply into tokens with offsets: NFC, casefold, repeated letters, glued negations, emoji, morphology."""

from __future__ import annotations

import gzip
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import snowballstemmer
from rapidfuzz import fuzz, process

from bot.understand import cache

BOUNDARY = "|"

# Words, punctuation that ends a clause, and any other single visible character (emoji, symbols).
# A date ("1. desember", "01.12", "1.12.2025") is one token: its dots do not end a sentence.
_MONTHS = r"(?:jan|feb|mar|apr|mai|may|jun|jul|aug|sep|okt|oct|nov|des|dec)"
_TOKEN_RE = re.compile(
    r"(?P<d>\b\d{1,2}\.(?:\d{1,2}\.?(?:\d{2,4})?\b|(?=\s?" + _MONTHS + r")))"
    # A word keeps its combining marks (Thai, Devanagari, Arabic vowel signs are no word characters to `re`).
    r"|(?P<w>[^\W_][^\W_\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0900-\u0903\u093a-\u094f\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]*"
    r"(?:[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0900-\u0903\u093a-\u094f\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]+[^\W_]*)*"
    r"(?:['’´`-][^\W_]+)*)|(?P<p>[.!?;:,\n…]+|\s[-–—]\s)|(?P<o>[^\s\w])",
    re.UNICODE | re.IGNORECASE,
)
DATE_TOKEN = "tt_date"
# Written in capitals these are diagnoses, not words ("har ME" is not "har me"/"har med").
_CASE_SENSITIVE = {"ME": "cfs", "CFS": "cfs", "CFS/ME": "cfs", "ADHD": "adhd", "PTSD": "ptsd", "OCD": "ocd"}
# Short words that get glued to the word before them in a hurry ("jobbrpå", "bori"): split when both halves read.
_GLUED_TAILS = ("på", "pa", "hos", "som", "med", "til", "i")
_APOSTROPHES = str.maketrans({"’": "'", "´": "'", "`": "'"})
# Abbreviations whose full stop belongs to the word ("St. Olavs hospital", "ca. en måned", "kl. 8").
_ABBREVIATIONS = frozenset({"st", "sta", "dr", "ca", "kl", "nr", "mht", "evt", "bl.a", "mr", "mrs", "ms"})
_REPEATS = re.compile(r"(\w)\1{2,}")
# "jobber'kke", "e'kke", "ka'kke": the Norwegian negation glued to the word before it.
_GLUED_NEGATION = re.compile(r"^(\w+)'(?:i?kke|kkje|kje|tj)$")
# Words after which a new clause starts: a contrast or a reason usually brings its own verb and negation.
CLAUSE_WORDS = frozenset({"men", "but", "fordi", "because", "though", "tho", "however", "selv om", "siden"})
_NOW = frozenset({"nå", "now"})
# After a number's full stop, a lower-case word: the number is an ordinal ("i 10. klasse", "14. etasje").
_ORDINAL_NEXT = re.compile(r" ?[a-zæøå]")
_THAT = frozenset({"som", "that"})
# After "og"/"and" these start a new clause: a new subject, or a modal verb that turns the rest into a plan.
_NEW_CLAUSE_AFTER_AND = frozenset(
    {"jeg", "han", "hun", "vi", "de", "i", "he", "she", "we", "they", "det", "dere", "skal", "vil", "håper",
     "kommer", "tenker", "planlegger", "søker", "prøver", "will", "want", "hope", "plan", "skulle", "venter",
     # A second verb of ability starts its own predicate: "er innlagt og klarer ikke tenke på skole".
     "klarer", "orker", "greier", "kan", "må",
     # A second present verb starts its own predicate: "jobber på X og tar fagbrev til våren" (the plan is the
     # certificate's, not the job's).
     "tar", "driver", "studerer", "bor",
     # A present activity after an ended one: "har slutta på skulen og jobbar no på ein byggjeplass".
     "jobber", "jobbar", "jobbe", "står", "går", "work", "works", "working"}
)
_AND = frozenset({"og", "and", "å"})
# Words after which an infinitive follows: the infinitive marker and the modal verbs (dialect-normalised).
_INFINITIVE_CUES = frozenset({"å", "vil", "skal", "kan", "må", "bør", "ville", "skulle", "kunne", "burde", "måtte"})
# Adverbs that may stand between a modal and its infinitive ("vil itj lev", "skal bare send").
_ADVERBS_BEFORE_INFINITIVE = frozenset({"ikke", "aldri", "bare", "nok", "gjerne", "også", "heller", "alltid", "sikkert"})
# After a subject pronoun, dialect "ha" is the present "har" ("æ ha itj lyst").
_SUBJECTS = frozenset({"jeg", "du", "han", "hun", "vi", "dere", "de", "det", "man"})
# Particles and prepositions that follow a modal ("skal til", "må inn", "kan med") and whose "-e" form the
# dictionary happens to file under the same stem ("tile", "inne", "mede"): never an infinitive.
_NOT_INFINITIVES = frozenset(
    {"til", "med", "men", "inn", "ut", "opp", "ned", "av", "på", "for", "fra", "om", "hjem", "bort", "fram",
     "frem", "over", "under", "etter", "mot", "som", "og", "eller", "så", "nok", "bare", "også", "ikke", "aldri",
     "heller", "sammen", "hit", "dit", "her", "der", "alt", "mer", "mye", "vel", "jo", "da", "nå"}
)
_STEMMER = snowballstemmer.stemmer("norwegian")


@dataclass(frozen=True, slots=True)
class Token:
    """One normalised word with where it came from in the original text."""

    std: str  # dialect-normalised surface form
    key: str  # lemma + stem: what inflection-insensitive patterns compare
    start: int
    end: int
    name_like: bool = False


@dataclass(frozen=True, slots=True)
class Normalised:
    """A reply as the matchers see it: tokens, clause boundaries, and the pattern string over them."""

    tokens: tuple[Token, ...]
    clause_of: tuple[int, ...]  # clause number of each token
    question_clauses: frozenset[int]  # clauses that end with "?"
    string: str  # " std:key:f std:key:f | std:key:f " with single spaces
    offsets: tuple[int, ...]  # start of each token (or boundary) in `string`
    token_at: tuple[int, ...]  # token index of each element in `offsets` (-1 for a boundary)
    std_set: frozenset[str] = frozenset()
    key_set: frozenset[str] = frozenset()


_WORDS_PATH = files("bot.understand") / "data" / "words.txt.gz"


@lru_cache(maxsize=1)
def word_list_digest() -> str:
    """The SHA-256 of data/words.txt.gz: names what is derived from it in the start-up cache."""
    return hashlib.sha256(_WORDS_PATH.read_bytes()).hexdigest()


class _WordList:
    """The nb/nn/en dictionary words and their lemma keys (data/words.txt.gz, made by build_lemmas).

    Kept as one sorted block of UTF-8 lines searched by bisection: splitting 876 000 lines into a set costs more
    start-up time than a reader spends on thousands of replies, and each word is looked up once (lru_cache
    below). UTF-8 sorts as code points do, so the bytes need no decoding. Decompressing the list takes most of
    its load time: the decompressed bytes are kept in the user's cache (bot.understand.cache), named by a hash
    of the compressed file.
    """

    def __init__(self) -> None:
        self._bytes: bytes | None = None
        self._start = 0

    @property
    def _blob(self) -> str | None:
        """The list's lines (without the header) as text, once loaded."""
        return None if self._bytes is None else self._bytes[self._start :].decode("utf-8")

    def _load(self) -> bytes:
        name = f"words-{word_list_digest()[:32]}.txt"
        raw = cache.load(name)
        if raw is None:
            raw = gzip.decompress(_WORDS_PATH.read_bytes())
            cache.store(name, raw, replaces="words-", keep=2)
        self._start = raw.index(b"\n") + 1  # the first line names the versions the list was made from
        return raw

    def entry(self, word: str) -> str | None:
        """The list's line for `word` ("word", "word\tkey" or "word\tkey\t-"), None when absent."""
        blob = self._bytes
        if blob is None:
            blob = self._bytes = self._load()
        wanted = word.encode("utf-8")
        lo, hi = self._start, len(blob)
        # lo and hi are always line starts (or the end); every line ends with "\n".
        while lo < hi:
            mid = (lo + hi) // 2
            newline = blob.rfind(b"\n", lo, mid)
            start = newline + 1 if newline >= 0 else lo
            end = blob.find(b"\n", start)
            line = blob[start:end]
            tab = line.find(b"\t")
            form = line if tab < 0 else line[:tab]
            if form == wanted:
                return line.decode("utf-8")
            if form < wanted:
                lo = end + 1
            else:
                hi = start
        return None


WORD_LIST = _WordList()


@lru_cache(maxsize=65536)
def _word_entry(word: str) -> tuple[bool, str | None]:
    """(is a dictionary word, lemma key when it differs from the word's own stem) for one casefolded word."""
    line = WORD_LIST.entry(unicodedata.normalize("NFC", word))
    if line is None:
        return False, None
    parts = line.split("\t")
    return len(parts) < 3, (parts[1] if len(parts) > 1 else None)


@lru_cache(maxsize=65536)
def word_key(std: str) -> str:
    """The inflection-insensitive key of a word: the Snowball stem of its nb/nn lemma (as simplemma reads it).

    The lemmas come from the generated word list; a word no dictionary knows gets its own stem.
    """
    if not std.isalpha():
        return std
    key = _word_entry(std)[1]
    return key if key is not None else _STEMMER.stemWord(unicodedata.normalize("NFC", std))


def is_dictionary_word(word: str) -> bool:
    """Whether simplemma's nb, nn or en dictionary knows the (casefolded) word."""
    return _word_entry(word)[0]


class Vocabulary:
    """Known words for repeated-letter repair and typo correction (filled by the lexicon at import)."""

    def __init__(self) -> None:
        self.known: set[str] = set()
        self.fuzzy_targets: list[str] = []
        self.protected: set[str] = set()

    def freeze(self) -> None:
        self.fuzzy_targets = sorted(w for w in self.known if len(w) >= 5 and w.isalpha())


VOCABULARY = Vocabulary()


def collapse_repeats(word: str) -> str:
    """"jaaaa" -> "ja", "takkkk" -> "takk": keep a double letter only when that makes a known word."""
    if not _REPEATS.search(word):
        return word
    doubled = _REPEATS.sub(r"\1\1", word)
    single = _REPEATS.sub(r"\1", word)
    if doubled in VOCABULARY.known or (is_dictionary_word(doubled) and not is_dictionary_word(single)):
        return doubled
    return single


@lru_cache(maxsize=32768)
def correct_typo(word: str) -> str:
    """A misspelt vocabulary word ("lærlig", "fylkeskomunen") -> the word; anything else unchanged."""
    if (
        len(word) < 5
        or not word.isalpha()
        or word in VOCABULARY.known
        or word in VOCABULARY.protected
        or is_dictionary_word(word)
    ):
        return word
    found = process.extractOne(word, VOCABULARY.fuzzy_targets, scorer=fuzz.ratio, score_cutoff=86)
    if found is None:
        return word
    target = found[0]
    # A typo keeps the first letter and roughly the length; anything else is a different word.
    if target[0] != word[0] or abs(len(target) - len(word)) > 2:
        return word
    return target


@lru_cache(maxsize=32768)
def _split_glued_word(word: str) -> tuple[str, ...]:
    if (
        len(word) < 5
        or not word.isalpha()
        or word in VOCABULARY.known
        or word in VOCABULARY.protected
        or is_dictionary_word(word)
    ):
        return (word,)
    for tail in _GLUED_TAILS:
        head = word[: -len(tail)]
        if not word.endswith(tail) or len(head) < 4:
            continue
        if head in VOCABULARY.known or correct_typo(head) != head:
            return (head, tail)
    return (word,)


def _split_glued(word: str, dialect: dict[str, tuple[str, ...]]) -> list[str]:
    """"jobbrpå" -> ["jobbr", "på"]: only for a word nobody knows whose head is a (misspelt) vocabulary word."""
    if word in dialect:
        return [word]
    return list(_split_glued_word(word))


@lru_cache(maxsize=16384)
def _full_infinitive(word: str) -> str | None:
    """"lev" -> "leve": the -e form when it is a dictionary word with the same lemma (apocope), else None."""
    # Already a present or agent form ("jobber", "heller") or an adjective ("egentlig"): not a cut infinitive.
    if len(word) < 3 or not word.isalpha() or word.endswith(("e", "er", "ig")) or word in _NOT_INFINITIVES:
        return None
    full = word + "e"
    if not is_dictionary_word(full) or word_key(full) != word_key(word):
        return None
    # Nynorsk infinitives in their own right ("døy") are written that way in the lexicon: keep them.
    if word in VOCABULARY.known and full not in VOCABULARY.known:
        return None
    return full


def _restore_apocope(
    words: list[tuple[str, int, int, bool] | None], dialect: dict[str, tuple[str, ...]]
) -> list[tuple[str, int, int, bool] | None]:
    """Trøndersk, Nordnorsk and Østlandet drop the final -e: "te å lev", "ska vær", "æ ha" read as the full forms.

    Only right after an infinitive marker or a modal (where an infinitive must stand), and only when the -e form
    is the same word by the dictionary's lemma, so a noun or another word is never invented.
    """
    out: list[tuple[str, int, int, bool] | None] = []
    earlier: str | None = None
    before: str | None = None
    cue = False  # an infinitive may stand here: after a cue and any adverbs ("vil itj lev", "må nok send")
    for item in words:
        if item is None:
            out.append(None)
            earlier, before, cue = None, None, False
            continue
        std, start, end, name_like = item
        if cue and not name_like:
            full = _full_infinitive(std)
            if full is not None:
                std = dialect.get(full, (full,))[0]
        elif before in _SUBJECTS and std == "ha" and earlier not in _INFINITIVE_CUES:
            std = "har"  # but not after an inverted modal: "takk skal du ha", "vil du ha"
        out.append((std, start, end, name_like))
        cue = std in _INFINITIVE_CUES or (cue and std in _ADVERBS_BEFORE_INFINITIVE)
        earlier, before = before, std
    return out


def tokenize(text: str) -> list[tuple[str, int, int, str]]:
    """(kind, start, end, raw) for words ("w"), clause punctuation ("p") and other characters ("o")."""
    out: list[tuple[str, int, int, str]] = []
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup or "o"
        out.append((kind, match.start(), match.end(), match.group()))
    return out


# Per dialect table (by identity: the tables are the lexicon's, read-only after import) and use_fuzzy, how
# each word reads: a word's reading depends only on itself, whether a sentence starts at it and whether it
# is the reply's first character, and words repeat across replies.
_WordReading = tuple[tuple[str, bool], ...]
_WORD_CACHES: dict[tuple[int, bool], tuple[dict[str, tuple[str, ...]], int, dict[tuple[str, bool, bool], _WordReading]]] = {}
_WORD_CACHE_LIMIT = 1 << 16
_PIECES: dict[tuple[str, bool], tuple[str, str]] = {}  # (std, looks like a name) -> (key, "std:key:f ")


def _word_cache(dialect: dict[str, tuple[str, ...]], use_fuzzy: bool) -> dict[tuple[str, bool, bool], _WordReading]:
    key = (id(dialect), use_fuzzy)
    entry = _WORD_CACHES.get(key)
    if entry is None or entry[0] is not dialect or entry[1] != len(dialect):
        if len(_WORD_CACHES) >= 16:
            _WORD_CACHES.clear()
        entry = _WORD_CACHES[key] = (dialect, len(dialect), {})  # holding the table keeps its id unique
    readings = entry[2]
    if len(readings) >= _WORD_CACHE_LIMIT:
        readings.clear()
    return readings


def _read_word(
    raw: str, sentence_start: bool, first: bool, dialect: dict[str, tuple[str, ...]], use_fuzzy: bool
) -> _WordReading:
    """One word of a reply as (standard form, looks like a name) pairs: case, glued words, repeats, typos, dialect."""
    if raw in _CASE_SENSITIVE:
        return ((_CASE_SENSITIVE[raw], False),)
    lowered = raw.translate(_APOSTROPHES).casefold()
    # Capitalised inside a sentence ("jeg er ikke Ahmed") is a name even when a dictionary knows the word.
    capitalised = raw[:1].isupper() and len(raw) >= 2 and raw[1:].islower() and not sentence_start
    name_like = capitalised or (raw[:1].isupper() and not first and not is_dictionary_word(lowered))
    name_like = name_like or (lowered.isalpha() and len(lowered) >= 3 and not is_dictionary_word(lowered))
    glued = _GLUED_NEGATION.match(lowered)
    if "-" in lowered and lowered not in VOCABULARY.known and lowered not in dialect:
        # "NAV-tiltak" reads as its parts; a hyphenated name the lexicon knows ("7-eleven") stays whole.
        parts = [p for p in lowered.split("-") if p]
    elif glued:
        parts = [glued.group(1), "ikke"]
    else:
        parts = _split_glued(lowered, dialect) if use_fuzzy else [lowered]
    out: list[tuple[str, bool]] = []
    for part in parts:
        part = collapse_repeats(part)
        mapped = dialect.get(part)
        if mapped is None and use_fuzzy:
            corrected = correct_typo(part)
            mapped = dialect.get(corrected, (corrected,))
        elif mapped is None:
            mapped = (part,)
        for std in mapped:
            out.append((std, name_like and std == part))
    return tuple(out)


def normalise(
    text: str,
    dialect: dict[str, tuple[str, ...]],
    emoji: dict[str, str],
    *,
    use_fuzzy: bool = True,
    norwegian: bool = False,
) -> Normalised:
    """Turn a reply into tokens (with offsets into `text`) and the pattern string the matchers run on.

    How each word reads is remembered per dialect table (by identity): pass the lexicon's tables, and change no
    table after using it.
    """
    text = unicodedata.normalize("NFC", text)
    words: list[tuple[str, int, int, bool] | None] = []  # None marks a clause boundary
    question_ends: set[int] = set()  # indexes into `words` of boundaries that close a question
    sentence_start = True
    previous = ""
    readings = _word_cache(dialect, use_fuzzy)
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup or "o"
        raw = match.group()
        before, previous = previous, raw
        if kind == "w":
            start = match.start()
            reading = readings.get((raw, sentence_start, start == 0))
            if reading is None:
                reading = readings[(raw, sentence_start, start == 0)] = _read_word(
                    raw, sentence_start, start == 0, dialect, use_fuzzy
                )
            sentence_start = False
            end = match.end()
            for std, name_like in reading:
                words.append((std, start, end, name_like))
            continue
        if kind == "p":
            if raw == "." and before.casefold() in _ABBREVIATIONS:
                continue  # "St. Olavs", "ca. 3 uker": the full stop of an abbreviation ends no clause
            if raw == "." and before.isdigit() and len(before) <= 2 and _ORDINAL_NEXT.match(text, match.end()):
                continue  # "10. klasse", "14. etasje", "1. august": an ordinal number, not the end of a clause
            sentence_start = sentence_start or any(ch in raw for ch in ".!?\n")
            if "?" in raw:
                question_ends.add(len(words))
            words.append(None)
            continue
        if kind == "d":
            words.append((DATE_TOKEN, match.start(), match.end(), False))
            sentence_start = False
            continue
        meaning = emoji.get(raw)
        if meaning is not None:
            words.append((meaning, match.start(), match.end(), False))
            # An emoji closes what came before it, like a full stop ("trudde det va skatten 😂 eg jobbar").
            words.append(None)
        elif raw == "?":
            question_ends.add(len(words))
            words.append(None)
    if norwegian:
        words = _restore_apocope(words, dialect)
    tokens: list[Token] = []
    clause_of: list[int] = []
    questions: set[int] = set()
    pieces: list[str] = [" "]
    offsets: list[int] = []
    token_at: list[int] = []
    position = 1
    clause = 0
    pending_boundary = False
    last_std: str | None = None  # the std of the last token
    pieces_of = _PIECES
    if len(pieces_of) >= _WORD_CACHE_LIMIT:
        pieces_of.clear()
    for index, item in enumerate(words):
        if item is None:
            if index in question_ends:
                questions.add(clause)
            pending_boundary = True
            continue
        std, start, end, name_like = item
        starts_clause = std in CLAUSE_WORDS or (
            last_std in _AND and std in _NEW_CLAUSE_AFTER_AND and not pending_boundary
        ) or (last_std in _NOW and std in _THAT)  # "trenger dem ikke nå som jeg har jobb": a reason of its own
        if (pending_boundary or starts_clause) and last_std is not None:
            offsets.append(position)
            token_at.append(-1)
            pieces.append(BOUNDARY + " ")
            position += 2
            clause += 1
        pending_boundary = False
        cached = pieces_of.get((std, name_like))
        if cached is None:
            key = word_key(std)
            cached = pieces_of[(std, name_like)] = (key, f"{std}:{key}:{'N' if name_like else 'w'} ")
        key, piece = cached
        offsets.append(position)
        token_at.append(len(tokens))
        pieces.append(piece)
        position += len(piece)
        tokens.append(Token(std, key, start, end, name_like))
        clause_of.append(clause)
        last_std = std
    return Normalised(
        tokens=tuple(tokens),
        clause_of=tuple(clause_of),
        question_clauses=frozenset(questions),
        string="".join(pieces),
        offsets=tuple(offsets),
        token_at=tuple(token_at),
        std_set=frozenset([t.std for t in tokens]),
        key_set=frozenset([t.key for t in tokens]),
    )
