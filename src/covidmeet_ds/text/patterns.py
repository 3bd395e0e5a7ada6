"""Regular expressions that scan long texts quickly and match exactly like the plain ones.

Python's ``re`` scans fast only when a pattern starts with a literal, a character class or an
alternation of literals; otherwise it tries the whole pattern at every position. The cue lists
of the rules are long alternations and many rule patterns start with a named group, a
lookbehind or an optional part, so they are rewritten here:

- ``alternation(words)`` is a trie (``防(?:控|疫)``) instead of one branch per word, and matches
  exactly like ``"|".join(words)`` sorted longest first: the longest word at the leftmost
  position, with the same order of retries when what follows the alternation fails;
- ``scanning(pattern)`` puts a lookahead for the characters a match can start with in front of
  the pattern, so that every other position fails at once. Matches are unchanged: the
  lookahead only admits a superset of the characters the pattern itself can start with;
- ``required_character(pattern)`` names a character every match holds and how far into the
  match it can stand, so that a search may start just before its first occurrence;
- ``never_empty(pattern)`` tells whether every match consumes a character;
- ``search`` and ``finditer`` find exactly what the pattern's own methods find, skipping to
  the characters a match can start with even when the pattern starts with a group.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from functools import cache

try:  # the parser of the standard ``re`` module (CPython 3.11+); without it, no lookahead
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover
    _sre = _sre_parse = None

_END_OF_TEXT = sys.maxsize
"""The default ``endpos`` of ``re``: the end of any text."""
_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")
_Trie = dict[str, "_Trie"]
_END = ""
"""The key marking the end of a word in a trie node."""


def _trie(words: Iterable[str]) -> _Trie:
    root: _Trie = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[_END] = {}
    return root


def _branches(node: _Trie) -> list[str]:
    """One branch per next character: the escaped character and the pattern after it."""
    return [re.escape(char) + _node_pattern(child) for char, child in sorted(node.items()) if char]


def _node_pattern(node: _Trie) -> str:
    """The pattern of the words below ``node``: longer continuations are tried first (a word
    ending here makes the continuation optional, and ``?`` is greedy)."""
    branches = _branches(node)
    if not branches:
        return ""
    optional = _END in node
    leaf = len(branches) == 1 and node[next(char for char in node if char)] == {_END: {}}
    if len(branches) > 1 or (optional and not leaf):
        body = f"(?:{'|'.join(branches)})"
    else:
        body = branches[0]  # one (escaped) character, or a run that is not optional
    return f"{body}?" if optional else body


def alternation(words: Iterable[str]) -> str:
    """A pattern matching exactly like the alternation of ``words`` longest first.

    At the top level every branch starts with a literal character, so ``re`` skips positions
    where no word can start. An empty word makes the whole alternation optional."""
    root = _trie(set(words))
    branches = _branches(root)
    if _END in root:
        return f"(?:{'|'.join(branches)})?" if branches else ""
    return "|".join(branches)


# --- first characters ------------------------------------------------------------------------

_Ranges = list[tuple[int, int]]


class _Unknown(Exception):
    """The pattern can start with a character the analysis cannot bound."""


def _class_ranges(items: list) -> _Ranges:
    ranges: _Ranges = []
    for op, av in items:
        if op is _sre.LITERAL:
            ranges.append((av, av))
        elif op is _sre.RANGE:
            ranges.append(av)
        else:  # NEGATE, CATEGORY (\s, \d …), …
            raise _Unknown
    return ranges


def _first(sequence: list) -> tuple[_Ranges, bool]:
    """The characters a match of ``sequence`` can start with, and whether it can be empty."""
    ranges: _Ranges = []
    for op, av in sequence:
        if op is _sre.LITERAL:
            return [*ranges, (av, av)], False
        if op is _sre.IN:
            return ranges + _class_ranges(av), False
        if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
            continue  # zero-width: the next item consumes the first character
        if op is _sre.BRANCH:
            nullable = False
            for branch in av[1]:
                found, empty = _first(branch)
                ranges += found
                nullable = nullable or empty
        elif op is _sre.SUBPATTERN:
            if av[1] & re.IGNORECASE:
                raise _Unknown  # (?i:…): other cases of the characters match too
            found, nullable = _first(av[3])
            ranges += found
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            found, empty = _first(av[2])
            ranges += found
            nullable = empty or av[0] == 0
        else:  # ANY, NOT_LITERAL, GROUPREF, ATOMIC_GROUP …
            raise _Unknown
        if not nullable:
            return ranges, False
    return ranges, True


def _class(ranges: _Ranges) -> str:
    parts = []
    for lo, hi in sorted(set(ranges)):
        parts.append(
            re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
        )
    return "".join(parts)


def first_characters(pattern: str) -> str | None:
    """A character class body holding every character a match of ``pattern`` can start with,
    or None when the pattern can match empty or start with characters that are not bounded."""
    if _sre_parse is None:
        return None
    try:
        parsed = _sre_parse.parse(pattern)
        if parsed.state.flags & re.IGNORECASE:
            return None
        ranges, nullable = _first(list(parsed))
    except (_Unknown, re.error, AttributeError):
        return None
    return None if nullable or not ranges else _class(ranges)


def never_empty(pattern: re.Pattern[str]) -> bool:
    """Whether every match of ``pattern`` is at least one character long (False when unsure)."""
    if _sre_parse is None:
        return False
    try:
        return _sre_parse.parse(pattern.pattern, pattern.flags).getwidth()[0] > 0
    except (re.error, AttributeError, TypeError):
        return False


def required_character(pattern: re.Pattern[str]) -> tuple[str, int] | None:
    """A character every match of ``pattern`` contains, and at most how far from the start of
    the match it stands; None when the pattern's leading part names none (or is unbounded).

    A search can then start that far before the first occurrence of the character, and none
    at all when the character does not occur."""
    if _sre_parse is None or pattern.flags & re.IGNORECASE:
        return None
    try:
        parsed = _sre_parse.parse(pattern.pattern, pattern.flags)
        items = list(parsed)
        reach = 0
        while items:
            op, av = items.pop(0)
            if op is _sre.LITERAL:
                return chr(av), reach
            if op is _sre.SUBPATTERN and not av[1] & re.IGNORECASE:
                items[:0] = list(av[3])  # the group's contents are read in line
                continue
            if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
                continue  # zero-width
            width = _sre_parse.SubPattern(parsed.state, [(op, av)]).getwidth()[1]
            if width >= _sre.MAXREPEAT:
                return None
            reach += width
    except (re.error, AttributeError, TypeError):
        return None
    return None


@cache
def _candidates(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """One character where a match of ``pattern`` starts: a class of its first characters that
    ``re`` skips to at once, with ``pattern`` itself tried in a lookahead from there (inside a
    one-character lookbehind, so that the class comes first). None when that cannot be built."""
    if _GLOBAL_FLAGS.match(pattern.pattern) or not never_empty(pattern):
        return None
    first = first_characters(pattern.pattern)
    if first is None:
        return None
    try:
        return re.compile(f"[{first}](?<=(?=(?:{pattern.pattern}))[{first}])", pattern.flags)
    except re.error:  # e.g. a group reference, not allowed in a lookbehind
        return None


def search(
    pattern: re.Pattern[str], text: str, start: int = 0, end: int = _END_OF_TEXT
) -> re.Match[str] | None:
    """Exactly ``pattern.search(text, start, end)``, found by skipping to the characters a
    match can start with (fast also for patterns that start with a group or a lookahead)."""
    candidates = _candidates(pattern)
    if candidates is None:
        return pattern.search(text, start, end)
    hit = candidates.search(text, start, end)
    return None if hit is None else pattern.match(text, hit.start(), end)


def finditer(
    pattern: re.Pattern[str], text: str, start: int = 0, end: int = _END_OF_TEXT
) -> Iterator[re.Match[str]]:
    """Exactly ``pattern.finditer(text, start, end)``, found like :func:`search`: each match
    is the leftmost one from where the previous one ended (no match is empty)."""
    candidates = _candidates(pattern)
    if candidates is None:
        yield from pattern.finditer(text, start, end)
        return
    while (hit := candidates.search(text, start, end)) is not None:
        match = pattern.match(text, hit.start(), end)
        if match is None:  # pragma: no cover - the lookahead has just matched there
            return
        yield match
        start = match.end()


def _scans_fast(items: list) -> bool:
    """Whether ``re`` already skips to candidate positions: the pattern starts with a literal,
    a character class or an alternation whose branches all start with a literal."""
    while items and items[0][0] is _sre.SUBPATTERN:
        items = list(items[0][1][3])
    if not items:
        return False
    op, av = items[0]
    if op in (_sre.LITERAL, _sre.IN):
        return True
    return op is _sre.BRANCH and all(b and b[0][0] is _sre.LITERAL for b in av[1])


def scanning(pattern: str) -> str:
    """``pattern`` with a lookahead for its first characters in front, when they are known
    and ``re`` would otherwise try the pattern at every position."""
    if _sre_parse is None or _GLOBAL_FLAGS.match(pattern):
        return pattern  # global flags must stay at the start of the pattern
    if _scans_fast(list(_sre_parse.parse(pattern))):
        return pattern
    first = first_characters(pattern)
    return pattern if first is None else f"(?=[{first}])(?:{pattern})"


__all__ = [
    "alternation",
    "finditer",
    "first_characters",
    "never_empty",
    "required_character",
    "scanning",
    "search",
]
