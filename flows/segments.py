"""How many SMS segments a text costs (pure: no I/O, no settings).

An SMS is sent in one of two encodings:

- **GSM-7** when every character is in the GSM 03.38 default alphabet or its extension table (decided with
  the ``gsm0338`` package's ``gsm03.38`` codec). æ ø å Æ Ø Å are in the default alphabet. Each character
  costs one septet, except the extension-table characters (``€ [ ] { } \\ ~ ^ |`` and form feed), which are
  sent as an escape septet plus one and cost two. One SMS holds 160 septets; a longer text is split into
  parts of 153 septets (7 septets per part go to the concatenation header).
- **UCS-2** as soon as one character is outside GSM-7 (an emoji, a curly quote, an en dash, …): then the
  whole text is sent as UTF-16 and every character costs its UTF-16 code units (2 for an emoji and other
  characters outside the Basic Multilingual Plane). One SMS holds 70 units; parts hold 67.

Splitting is modelled the way handsets and gateways do it, never the naive ``ceil(units / 153)``: an
extension character's escape septet and its character are never split across two parts, and neither are the
two halves of a UTF-16 surrogate pair (an emoji). A part that cannot take the whole pair ends one unit short
and the pair starts the next part. The count can therefore be one higher than the plain ceiling (e.g. 152
plain characters followed by "€" fill part one with 152 septets), never lower, so it is safe for costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import gsm0338  # noqa: F401  (importing the package registers the "gsm03.38" codec)

GSM_CODEC = "gsm03.38"

GSM7_SINGLE = 160  # septets in one SMS
GSM7_PART = 153  # septets per part of a concatenated SMS
UCS2_SINGLE = 70  # UTF-16 code units in one SMS
UCS2_PART = 67  # UTF-16 code units per part of a concatenated SMS

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class Segments:
    """What a text costs: its encoding, its length in that encoding's units, and the number of SMS parts."""

    encoding: Encoding
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int  # 0 for the empty text


@lru_cache(maxsize=4096)
def _gsm7_units(character: str) -> int | None:
    """Septets for one character in GSM-7 (1, or 2 for the extension table), None when it is not GSM-7."""
    try:
        return len(character.encode(GSM_CODEC))
    except UnicodeEncodeError:
        return None


def _ucs2_units(character: str) -> int:
    return 2 if ord(character) > 0xFFFF else 1


def _parts(sizes: list[int], single: int, part: int) -> int:
    """Parts needed for characters of `sizes` units: one when all fit in `single`, else pack into `part`-sized
    parts without splitting a character across two parts."""
    total = sum(sizes)
    if total == 0:
        return 0
    if total <= single:
        return 1
    parts, used = 1, 0
    for size in sizes:
        if used + size > part:
            parts, used = parts + 1, 0
        used += size
    return parts


def count_segments(text: str) -> Segments:
    """The encoding, units and SMS segments of `text` as it would be sent (no normalisation is applied)."""
    gsm = [_gsm7_units(character) for character in text]
    if all(size is not None for size in gsm):
        sizes = [size for size in gsm if size is not None]
        return Segments("GSM-7", sum(sizes), _parts(sizes, GSM7_SINGLE, GSM7_PART))
    sizes = [_ucs2_units(character) for character in text]
    return Segments("UCS-2", sum(sizes), _parts(sizes, UCS2_SINGLE, UCS2_PART))
