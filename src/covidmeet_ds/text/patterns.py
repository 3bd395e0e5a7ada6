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
  lookahead only admits a superset of the characters the pattern itself can start with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

try:  # the parser of the standard ``re`` module (CPython 3.11+); without it, no lookahead
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover
    _sre = _sre_parse = None

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


__all__ = ["alternation", "first_characters", "scanning"]
