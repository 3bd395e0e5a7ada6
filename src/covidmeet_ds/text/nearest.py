"""Why a quote is not in the raw text: the closest raw text and the first character that differs.

A quote is exact raw text. When it is not found, the annotator needs to see where it almost is
and what to fix: ``准`` typed for the raw ``準``, ``，`` for ``,``, a decomposed accent, a missing
or an extra character. :func:`explain_missing_quote` says so in one sentence, the same one
``validate`` and ``anchor`` print.

Finding the closest text is seed-and-align: the quote's k-grams vote for diagonals (raw position
minus quote position) in a folded copy of both texts (Simplified script, half-width forms, one
character for one), and a banded edit-distance alignment around the best few diagonals picks the
raw span. The work depends on the quote's length and the number of seeds, not on the square of the
raw text's length.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from . import PINYIN_READING, to_simplified
from .normalise import _drop_pinyin, _simplify
from .punctuation import fold_width

_MAX_SEEDS = 200
"""k-grams of a long quote sampled for seeds (evenly spread)."""
_MAX_HITS = 64
"""A k-gram found more often than this says nothing about where the quote is."""
_CANDIDATES = 3
"""Diagonals aligned in full: the ones with most votes."""
_EXCERPT = 60
"""Longer closest texts are shown around their first difference."""

# Alignment costs: every edit (another character, a missing or an extra one) costs the same and a
# script or width variant half as much; each matched character takes one off, so that among spans
# with as many edits the one matching most of the quote wins (``李四`` against ``李青山`` keeps
# ``李`` matched instead of dropping it).
_MATCH, _VARIANT, _EDIT = -1, 10, 20
_READING = 5
"""A pinyin reading left out of a quote: the commonest slip in a report with injected pinyin."""


@dataclass(frozen=True)
class Difference:
    """The first place where a quote and the raw text part."""

    quote_index: int
    raw_index: int
    quote_has: str
    """The quote's characters there (with their combining marks); empty when it lacks one."""
    raw_has: str
    """The raw text's characters there; empty when the quote has one too many."""
    kind: str
    """What kind of difference: ``it differs in …`` or a missing or extra character."""


@dataclass(frozen=True)
class NearestMatch:
    """The raw span most like a quote, and how they differ."""

    start: int
    end: int
    differences: int
    """Edit operations between the quote and ``raw[start:end]`` (a variant counts as one)."""
    first: Difference


def explain_missing_quote(raw: str, quote: str) -> str:
    """Why ``quote`` (not a substring of ``raw``) is not raw text, with the closest text."""
    match = nearest_match(raw, quote)
    if match is None:
        return "quotes must be exact raw text (no text like it in the raw file)"
    first = match.first
    plural = "" if match.differences == 1 else "s"
    where = f"closest text at {match.start}–{match.end} ({match.differences} difference{plural})"
    if first.kind == PINYIN:
        what = (
            f"the raw text has the injected pinyin reading {first.raw_has!r}, which the quote "
            "lacks: quotes keep it (labels drop it)"
        )
    elif first.quote_has and first.raw_has:
        what = (
            f"the quote has {_describe(first.quote_has)}, "
            f"the raw text {_describe(first.raw_has)}: {first.kind}"
        )
    elif first.quote_has:
        what = f"the quote has {_describe(first.quote_has)}, which the raw text lacks"
    else:
        what = f"the raw text has {_describe(first.raw_has)}, which the quote lacks"
    return (
        f"{where}: «{_excerpt(raw, match)}»; first difference at character "
        f"{first.quote_index} of the quote (raw offset {first.raw_index}): {what}; "
        "copy the raw text exactly"
    )


def nearest_match(raw: str, quote: str) -> NearestMatch | None:
    """The raw span most like ``quote``; None when nothing is alike (or the quote is in ``raw``).

    A span equal to the quote up to Unicode normalisation is preferred; otherwise the closest by
    edit distance, and None when more than half of the quote's characters would have to be
    replaced, added or removed (script and width variants and left-out pinyin readings do not
    count: a quote typed in Simplified without readings is still like its raw text)."""
    if not quote or quote in raw:
        return None
    for form in ("NFC", "NFKC"):
        if unicodedata.normalize(form, quote) not in unicodedata.normalize(form, raw):
            continue
        span = _equivalent_span(raw, quote, form)
        if span is not None:
            return _equivalent_match(raw, quote, span, form)
    aligned = _align(raw, quote)
    if aligned is None:
        return None
    start, end, operations = aligned
    differences = sum(op[0] != "=" for op in operations)
    if sum(op[0] in _HARD for op in operations) * 2 > len(quote):
        return None
    first = next((i for i, op in enumerate(operations) if op[0] != "="), None)
    if first is None:
        raise AssertionError("an alignment of a quote not in the text has no difference")
    return NearestMatch(start, end, differences, _difference(raw, quote, operations, first))


# --- equal up to Unicode normalisation -------------------------------------------------------


def _equivalent_span(raw: str, quote: str, form: str) -> tuple[int, int] | None:
    """The first (start, end) of ``raw`` that is ``quote`` in normalisation ``form`` (NFC or
    NFKC). A text's decomposed length is the sum of its characters' (decomposing only reorders
    marks), so each start has one candidate end."""
    decompose = "NFD" if form == "NFC" else "NFKD"
    target = unicodedata.normalize(form, quote)
    decomposed = unicodedata.normalize(decompose, target)
    for start in range(len(raw)):
        if unicodedata.normalize(decompose, raw[start])[:1] != decomposed[:1]:
            continue
        length, end = 0, start
        while length < len(decomposed) and end < len(raw):
            length += len(unicodedata.normalize(decompose, raw[end]))
            end += 1
        if length == len(decomposed) and unicodedata.normalize(form, raw[start:end]) == target:
            return start, end
    return None


def _equivalent_match(raw: str, quote: str, span: tuple[int, int], form: str) -> NearestMatch:
    start, end = span
    written = raw[start:end]
    differing = [i for i, (a, b) in enumerate(zip(quote, written, strict=False)) if a != b]
    at = differing[0] if differing else min(len(quote), len(written))
    while at > 0 and _is_mark(quote[at] if at < len(quote) else quote[at - 1]):
        at -= 1  # from the character the differing marks belong to
    first = Difference(
        quote_index=at,
        raw_index=start + at,
        quote_has=_cluster(quote, at),
        raw_has=_cluster(written, at),
        kind=_equivalence_kind(quote, written, form),
    )
    opcodes = SequenceMatcher(None, quote, written, autojunk=False).get_opcodes()
    differences = sum(tag != "equal" for tag, *_ in opcodes)
    return NearestMatch(start, end, differences, first)


def _equivalence_kind(quote: str, written: str, form: str) -> str:
    forms = f"the quote is {_form(quote)}, the raw text {_form(written)}"
    if form == "NFC":
        return f"it differs in Unicode normalisation ({forms})"
    differing = (Counter(quote) - Counter(written)) + (Counter(written) - Counter(quote))
    compatibility = [c for c in differing if unicodedata.normalize("NFKC", c) != _nfc(c)]
    width = all(c in _WIDTH_FORMS for c in compatibility)
    kind = (
        "character width (full-width vs half-width forms)" if width else "compatibility characters"
    )
    if _form(quote) != _form(written):
        kind += f" and in Unicode normalisation ({forms})"
    return f"it differs in {kind}"


_WIDTH_FORMS = frozenset(
    chr(code)
    for code in (0x3000, *range(0xFF00, 0xFFF0))
    if unicodedata.decomposition(chr(code)).startswith(("<wide>", "<narrow>"))
)
"""Full-width and half-width forms, and the ideographic space."""


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _form(text: str) -> str:
    composed = unicodedata.is_normalized("NFC", text)
    decomposed = unicodedata.is_normalized("NFD", text)
    if composed and decomposed:
        return "the same in NFC and NFD"
    if composed:
        return "composed (NFC)"
    if decomposed:
        return "decomposed (NFD)"
    return "neither composed (NFC) nor decomposed (NFD)"


def _is_mark(character: str) -> bool:
    """A combining mark, or a Hangul vowel or final jamo (they compose with what precedes)."""
    return bool(unicodedata.combining(character)) or "\u1160" <= character <= "\u11ff"


def _cluster(text: str, at: int) -> str:
    """The character at ``at`` with the marks that follow it."""
    end = at + 1
    while end < len(text) and _is_mark(text[end]):
        end += 1
    return text[at:end]


def _describe(characters: str) -> str:
    """``'準' (U+6E96)``, with Unicode names except the uninformative ones of ideographs; a run of
    more than three characters as itself."""
    if len(characters) > 3:
        return repr(characters)
    names = ", ".join(f"U+{ord(c):04X} {_name(c)}".rstrip() for c in characters)
    return f"{characters!r} ({names})"


def _name(character: str) -> str:
    name = unicodedata.name(character, "") or _CONTROL_NAMES.get(character, "")
    return "" if name.startswith("CJK UNIFIED IDEOGRAPH") else name


_CONTROL_NAMES = {"\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN"}
"""Controls a quote may hold; Unicode gives controls no name."""


# --- closest by edit distance ----------------------------------------------------------------


@lru_cache(maxsize=4)  # the raw text of a document, for each of its quotes not found
def _fold(text: str) -> str:
    """Simplified script and half-width forms, one character for one."""
    return fold_width(_simplify(text))


def _seed_length(quote_length: int) -> int:
    return max(1, min(4, quote_length // 3))


def _diagonals(raw_folded: str, quote_folded: str) -> list[int]:
    """Raw positions where the quote would start, best first, from k-grams found in ``raw``."""
    k = _seed_length(len(quote_folded))
    while True:
        votes: Counter[int] = Counter()
        frequent: Counter[int] = Counter()  # first hits of frequent k-grams: a last resort
        positions = range(len(quote_folded) - k + 1)
        step = max(1, len(positions) // _MAX_SEEDS)
        for position in positions[::step]:
            gram = quote_folded[position : position + k]
            hits, at = [], raw_folded.find(gram)
            while at != -1 and len(hits) <= _MAX_HITS:
                hits.append(at)
                at = raw_folded.find(gram, at + 1)
            (votes if len(hits) <= _MAX_HITS else frequent).update(at - position for at in hits)
        if votes or k == 1:
            votes = votes or frequent
            break
        k = 1
    chosen: list[int] = []
    band = _band(len(quote_folded))
    for diagonal, _ in sorted(votes.items(), key=lambda item: (-item[1], item[0])):
        if all(abs(diagonal - other) > band for other in chosen):
            chosen.append(diagonal)
        if len(chosen) == _CANDIDATES:
            break
    return chosen


def _band(quote_length: int) -> int:
    """How far (in characters) the alignment may stray from its diagonal: missing or extra
    characters up to this many in a row are found."""
    return max(4, min(32, quote_length // 4))


Operation = tuple[str, int, int]
"""(``=`` same, ``v`` a script or width variant, ``~`` another character, ``+`` raw has one the
quote lacks, ``-`` the quote has one the raw text lacks, ``p`` the raw text has a pinyin reading
here that the quote lacks; quote index; raw index)."""

_HARD = frozenset("~+-")
"""Differences that make text unlike: when they are more than half the quote's length, nothing
is alike. Variants and left-out readings are the typing slips this module is for."""

PINYIN = "pinyin"
"""``Difference.kind`` of an injected pinyin reading left out of the quote."""


def _align(raw: str, quote: str) -> tuple[int, int, list[Operation]] | None:
    """The best alignment against the raw text and, when it has injected pinyin readings, against
    the raw text without them (a reading the quote leaves out is one difference, not six)."""
    quote_folded = _fold(quote)
    views: list[tuple[str, Sequence[int] | None]] = [(raw, None)]
    without, offsets, readings = _drop_pinyin(raw)
    if readings:
        views.append((without, offsets))
    best: tuple[int, int, int, list[Operation]] | None = None
    for text, to_raw in views:
        folded = _fold(text)
        for diagonal in _diagonals(folded, quote_folded):
            aligned = _banded(text, quote, folded, quote_folded, diagonal)
            if to_raw is not None:
                aligned = _through_readings(aligned, to_raw, len(raw))
            if best is None or aligned[:2] < best[:2]:
                best = aligned
    return None if best is None else best[1:]


def _through_readings(
    aligned: tuple[int, int, int, list[Operation]], to_raw: Sequence[int], raw_length: int
) -> tuple[int, int, int, list[Operation]]:
    """An alignment against the text without readings, in raw offsets, each reading inside the
    span one ``p`` operation."""
    cost, start, end, operations = aligned

    def raw_index(index: int) -> int:
        return to_raw[index] if index < len(to_raw) else raw_length

    out: list[Operation] = []
    expected = raw_index(start)
    for move, q, r in operations:
        position = raw_index(r)
        if move != "-" and position > expected:
            out.append(("p", q, expected))
            cost += _READING
        out.append((move, q, position))
        if move != "-":
            expected = position + 1
    raw_end = raw_index(end - 1) + 1 if end > start else raw_index(start)
    return cost, raw_index(start), raw_end, out


def _banded(
    raw: str, quote: str, raw_folded: str, quote_folded: str, diagonal: int
) -> tuple[int, int, int, list[Operation]]:
    """The cheapest alignment of all of ``quote`` with some raw span near ``diagonal``.

    ``cost[q][k]`` aligns ``quote[:q]`` with a raw span ending at ``diagonal + q + k - band``;
    the span may start anywhere (row 0 costs nothing) and the best row-``len(quote)`` cell ends
    it."""
    band = _band(len(quote))
    width = 2 * band + 1
    infinite = 1 << 30
    rows = len(quote) + 1
    cost = [[infinite] * width for _ in range(rows)]
    step = [[""] * width for _ in range(rows)]
    for k in range(width):
        if 0 <= diagonal + k - band <= len(raw):
            cost[0][k] = 0
    for q in range(1, rows):
        previous, current, moves = cost[q - 1], cost[q], step[q]
        for k in range(width):
            r = diagonal + q + k - band
            if not 0 <= r <= len(raw):
                continue
            # on a tie a missing or extra character beats another character: the narrower span
            best, move = infinite, ""
            if k + 1 < width and previous[k + 1] < infinite:
                best, move = previous[k + 1] + _EDIT, "-"
            if k >= 1 and current[k - 1] + _EDIT < best:
                best, move = current[k - 1] + _EDIT, "+"
            if r >= 1 and previous[k] < infinite:
                if quote[q - 1] == raw[r - 1]:
                    diagonal_cost, diagonal_move = previous[k] + _MATCH, "="
                elif quote_folded[q - 1] == raw_folded[r - 1]:
                    diagonal_cost, diagonal_move = previous[k] + _VARIANT, "v"
                else:
                    diagonal_cost, diagonal_move = previous[k] + _EDIT, "~"
                if diagonal_cost < best:
                    best, move = diagonal_cost, diagonal_move
            current[k], moves[k] = best, move
    last = cost[rows - 1]
    k = min(range(width), key=lambda i: (last[i], i))
    total, q = last[k], rows - 1
    end = diagonal + q + k - band
    operations: list[Operation] = []
    while q > 0:
        r = diagonal + q + k - band
        move = step[q][k]
        if move in ("=", "v", "~"):
            operations.append((move, q - 1, r - 1))
            q -= 1
        elif move == "-":
            operations.append(("-", q - 1, r))
            q, k = q - 1, k + 1
        else:
            operations.append(("+", q, r - 1))
            k -= 1
    start = diagonal + k - band
    operations.reverse()
    return total, start, end, operations


_RUN = 10
"""Missing or extra characters in a row shown together."""


def _difference(raw: str, quote: str, operations: list[Operation], at: int) -> Difference:
    move, q, r = operations[at]
    if move == "p":
        reading = PINYIN_READING.match(raw, r)
        if reading is None:
            raise AssertionError(f"no pinyin reading at raw offset {r}")
        return Difference(q, r, "", reading.group(), PINYIN)
    run = 1
    while run < _RUN and at + run < len(operations) and operations[at + run][0] == move in "+-":
        run += 1
    if move == "-":
        return Difference(q, r, quote[q : q + run], "", "an extra character in the quote")
    if move == "+":
        return Difference(q, r, "", raw[r : r + run], "a character missing from the quote")
    quote_has, raw_has = _cluster(quote, q), _cluster(raw, r)
    return Difference(q, r, quote_has, raw_has, _variant_kind(quote_has, raw_has))


def _variant_kind(quote_has: str, raw_has: str) -> str:
    if _nfc(quote_has) == _nfc(raw_has):
        return (
            f"it differs in Unicode normalisation (the quote is {_form(quote_has)}, "
            f"the raw text {_form(raw_has)})"
        )
    if to_simplified(quote_has) == to_simplified(raw_has):
        return "it differs in script (Traditional vs Simplified): quotes keep the raw text's script"
    if fold_width(quote_has) == fold_width(raw_has):
        return "it differs in character width (full-width vs half-width forms)"
    if unicodedata.normalize("NFKC", quote_has) == unicodedata.normalize("NFKC", raw_has):
        return "it differs in compatibility characters"
    return "a different character"


def _excerpt(raw: str, match: NearestMatch) -> str:
    """The closest text, or the part of it around the first difference when it is long."""
    start, end = match.start, match.end
    if end - start > _EXCERPT:
        half = _EXCERPT // 2
        at = match.first.raw_index
        start, end = max(start, at - half), min(end, at + half)
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in raw[start:end])
    return ("…" if start > match.start else "") + shown + ("…" if end < match.end else "")


__all__ = ["PINYIN", "Difference", "NearestMatch", "explain_missing_quote", "nearest_match"]
