"""Fill in or repair the offsets of evidence quotes, and derive requirement ``text`` from them.

Annotators write quotes; this module finds them in the raw text and writes ``start``/``end``, and
a requirement's ``text`` when it is missing (``text.labels.requirement_text``: the quote in
Simplified script without pinyin readings, page-split markers and line breaks; a ``text`` that is
there is never touched). The YAML file is edited as text, so comments, the modeline and the
annotator's layout survive.

A quote that is not in the text is an error, with the closest raw text and its first difference.
A quote with stale offsets (``raw[start:end]`` is not the quote) is moved to an occurrence only
when the choice is clear, by these rules in this order:

1. the quote occurs once: there;
2. the stale start is itself an occurrence: there (only ``end`` was stale);
3. exactly one occurrence lies at the stale start plus the shift of a quote of the same file
   repaired by rule 1 (text inserted or removed before both moves them alike): there;
4. the nearest occurrence is near and clearly nearest: at most ``max(100, len(quote))``
   characters from the stale start (farther is *far*: the offsets say nothing any more), and
   less than half as far as the next nearest.

Otherwise (two occurrences equally near, a far stale start, no clear nearest, or several
occurrences fitting the shifts) it refuses and lists the occurrences; a quote occurring several
times without any ``start`` is refused too. Every repair says which occurrence it chose and why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .corpus import InputError, Layout, Loc, YamlDocument, parse_yaml, write_text_atomic
from .problems import Problem, field_path, input_problem
from .reader import annotation_entries, load_raw_documents, read_text
from .text.labels import requirement_text
from .text.nearest import explain_missing_quote
from .text.normalise import NormalisedText, normalise
from .validate import find_all

_INT = "tag:yaml.org,2002:int"
_STR = "tag:yaml.org,2002:str"

NEAR = 100
"""A stale start farther than this (or than the quote's length, if longer) from every occurrence
is far: it no longer says which occurrence was meant."""

_SHOWN = 5
"""Occurrences listed in a message."""
_NOTE_TEXT = 40
"""Characters of a derived text shown in a note."""


@dataclass
class AnchorResult:
    """The outcome for one file: its new text, what was done or refused, and why."""

    text: str
    anchored: int = 0
    repaired: int = 0
    derived: int = 0
    """Requirement ``text`` values written from their quotes."""
    problems: list[tuple[Loc, str]] = field(default_factory=list)
    notes: list[tuple[Loc, str]] = field(default_factory=list)
    """What was done where it is worth telling: which occurrence a repair chose, the text
    derived."""

    @property
    def changed(self) -> bool:
        return self.anchored + self.repaired + self.derived > 0


@dataclass(frozen=True)
class _Quote:
    """One evidence mapping with a string ``quote``."""

    loc: Loc
    mapping: yaml.MappingNode
    quote_key: yaml.Node
    quote_node: yaml.ScalarNode
    start_node: yaml.Node | None
    end_node: yaml.Node | None

    @property
    def quote(self) -> str:
        return self.quote_node.value

    @property
    def start(self) -> int | None:
        return _int_value(self.start_node)

    @property
    def end(self) -> int | None:
        return _int_value(self.end_node)


@dataclass(frozen=True)
class _Choice:
    """Where a quote goes: ``start`` None with ``message`` a problem, else outcome ok, anchored
    or repaired with an optional note."""

    start: int | None
    outcome: str
    message: str = ""


def _evidence_mappings(node: yaml.Node, loc: Loc = ()) -> Iterator[tuple[Loc, yaml.MappingNode]]:
    if isinstance(node, yaml.MappingNode):
        keys = {k.value: v for k, v in node.value}
        quote = keys.get("quote")
        if isinstance(quote, yaml.ScalarNode) and quote.tag == _STR:
            yield loc, node
        for key_node, value_node in node.value:
            yield from _evidence_mappings(value_node, (*loc, key_node.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _evidence_mappings(item, (*loc, i))


def _quotes(root: yaml.Node) -> list[_Quote]:
    quotes = []
    for loc, mapping in _evidence_mappings(root):
        keys = {k.value: (k, v) for k, v in mapping.value}
        quote_key, quote_node = keys["quote"]
        quotes.append(
            _Quote(
                loc,
                mapping,
                quote_key,
                quote_node,
                keys.get("start", (None, None))[1],
                keys.get("end", (None, None))[1],
            )
        )
    return quotes


def _requirements_without_text(
    node: yaml.Node, loc: Loc = ()
) -> Iterator[tuple[Loc, yaml.MappingNode]]:
    """Items of a ``requirements`` list that have an ``evidence`` mapping and no ``text`` key."""
    if isinstance(node, yaml.MappingNode):
        keys = {k.value: v for k, v in node.value}
        if (
            len(loc) >= 2
            and loc[-2] == "requirements"
            and isinstance(loc[-1], int)
            and "text" not in keys
            and isinstance(keys.get("evidence"), yaml.MappingNode)
        ):
            yield loc, node
        for key_node, value_node in node.value:
            yield from _requirements_without_text(value_node, (*loc, key_node.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _requirements_without_text(item, (*loc, i))


def _int_value(node: yaml.Node | None) -> int | None:
    if isinstance(node, yaml.ScalarNode) and node.tag == _INT:
        try:
            return int(node.value)
        except ValueError:
            return None
    return None


def _line_after(text: str, index: int) -> int:
    """Index of the start of the line after the one containing ``index``."""
    newline = text.find("\n", index)
    return len(text) if newline == -1 else newline + 1


# --- choosing the occurrence -----------------------------------------------------------------


def _places(occurrences: Sequence[int]) -> str:
    shown = ", ".join(str(s) for s in occurrences[:_SHOWN])
    return shown + (", …" if len(occurrences) > _SHOWN else "")


def _first_choice(
    quote: str, start: int | None, end: int | None, occurrences: list[int]
) -> _Choice:
    """Rules that need no other quote: ok, anchored, rule 1, rule 2; ``deferred`` otherwise."""
    if start is not None and start in occurrences and end == start + len(quote):
        return _Choice(start, "ok")
    count = len(occurrences)
    if start is None or (end is None and start in occurrences):
        if start is not None or count == 1:
            return _Choice(occurrences[0] if start is None else start, "anchored")
        return _Choice(
            None,
            "problem",
            f"ambiguous quote: it occurs {count} times (at {_places(occurrences)}); "
            "lengthen the quote or write the start offset of the one you mean",
        )
    if start in occurrences:
        return _Choice(
            start,
            "repaired",
            f"repaired: kept occurrence {occurrences.index(start) + 1} of {count} at {start} "
            f"(the stale start; only the end {end} was stale)",
        )
    if count == 1:
        only = occurrences[0]
        stale = f"{start}–{end}" if end is not None else f"start {start}"
        return _Choice(
            only,
            "repaired",
            f"repaired: moved to {only}–{only + len(quote)}, the only occurrence "
            f"(the stale offsets were {stale})",
        )
    return _Choice(None, "deferred")


def _shifted_choice(
    quote: str, start: int, occurrences: list[int], shifts: Counter[int]
) -> _Choice:
    """Rules 3 and 4 for a stale start of a quote that occurs several times."""
    count = len(occurrences)
    ambiguous = f"ambiguous quote: it occurs {count} times (at {_places(occurrences)})"
    mean = "write the start of the one you mean"
    fitting = [o for o in occurrences if o - start in shifts]
    if len(fitting) == 1:
        chosen = fitting[0]
        shift = chosen - start
        others = shifts[shift]
        return _Choice(
            chosen,
            "repaired",
            f"repaired: chose occurrence {occurrences.index(chosen) + 1} of {count} at {chosen} "
            f"(the stale start {start} shifted by {shift:+d}, as {others} other repaired "
            f"quote{'s were' if others > 1 else ' was'})",
        )
    if len(fitting) > 1:
        return _Choice(
            None,
            "problem",
            f"{ambiguous}; the shifts of other repaired quotes lead from the stale start {start} "
            f"to {_places(fitting)}; {mean}",
        )
    by_distance = sorted(occurrences, key=lambda o: (abs(o - start), o))
    nearest, second = by_distance[0], by_distance[1]
    near, next_near = abs(nearest - start), abs(second - start)
    far = max(NEAR, len(quote))
    if near == next_near:
        why = f"the stale start {start} is equally near {min(nearest, second)} and "
        why += f"{max(nearest, second)}"
    elif near > far:
        why = (
            f"the stale start {start} is far from all of them ({near} characters from the "
            f"nearest, {nearest}; more than {far} is far)"
        )
    elif 2 * near >= next_near:
        why = (
            f"the stale start {start} is not clearly nearer to {nearest} ({near} characters) "
            f"than to {second} ({next_near})"
        )
    else:
        return _Choice(
            nearest,
            "repaired",
            f"repaired: chose occurrence {occurrences.index(nearest) + 1} of {count} at "
            f"{nearest} (nearest to the stale start {start})",
        )
    return _Choice(None, "problem", f"{ambiguous}; {why}; {mean}")


def _choices(quotes: list[_Quote], raw: str, raw_name: str) -> list[_Choice]:
    occurrences = [find_all(raw, q.quote) for q in quotes]
    choices: list[_Choice] = []
    shifts: Counter[int] = Counter()
    for q, found in zip(quotes, occurrences, strict=True):
        if not found:
            message = f"quote not found in {raw_name}: {explain_missing_quote(raw, q.quote)}"
            choices.append(_Choice(None, "problem", message))
            continue
        choice = _first_choice(q.quote, q.start, q.end, found)
        if choice.outcome == "repaired" and len(found) == 1 and q.start is not None:
            shifts[found[0] - q.start] += 1
        choices.append(choice)
    for index, (q, found) in enumerate(zip(quotes, occurrences, strict=True)):
        if choices[index].outcome == "deferred" and q.start is not None:
            choices[index] = _shifted_choice(q.quote, q.start, found, shifts)
    return choices


# --- editing the text ------------------------------------------------------------------------


def _offset_edits(
    yaml_text: str, q: _Quote, start: int, newline: str
) -> list[tuple[int, int, str]]:
    values = {"start": start, "end": start + len(q.quote)}
    edits: list[tuple[int, int, str]] = []
    missing = []
    for name, node in (("start", q.start_node), ("end", q.end_node)):
        if node is None:
            missing.append(name)
        else:
            edits.append((node.start_mark.index, node.end_mark.index, str(values[name])))
    if not missing:
        return edits
    quote_node = q.quote_node
    if q.mapping.flow_style:
        added = "".join(f", {name}: {values[name]}" for name in missing)
        edits.append((quote_node.end_mark.index, quote_node.end_mark.index, added))
        return edits
    indent = " " * q.quote_key.start_mark.column
    block_scalar = quote_node.style in ("|", ">")
    at = quote_node.end_mark.index
    at = at if block_scalar and yaml_text[at - 1 : at] == "\n" else _line_after(yaml_text, at)
    prefix = "" if at == 0 or yaml_text[at - 1] == "\n" else newline
    lines = "".join(f"{indent}{name}: {values[name]}{newline}" for name in missing)
    edits.append((at, at, prefix + lines))
    return edits


def yaml_scalar(value: str, flow: bool = False) -> str:
    """``value`` as a one-line YAML scalar: plain when YAML reads it back unchanged in block
    context, else double-quoted (always in a flow mapping, where ``,`` ends a plain scalar)."""
    if not flow:
        dumped = yaml.safe_dump({"k": value}, allow_unicode=True, width=1 << 30)
        scalar = dumped.removeprefix("k: ").removesuffix("\n")
        if "\n" not in scalar:
            return scalar
    dumped = yaml.safe_dump(value, allow_unicode=True, width=1 << 30, default_style='"')
    scalar = dumped.removesuffix("\n")
    if "\n" in scalar:
        raise AssertionError(f"no one-line YAML scalar for {value!r}")
    return scalar


def _text_edit(mapping: yaml.MappingNode, text: str, newline: str) -> tuple[int, int, str]:
    """Insert ``text: …`` before the requirement's ``category`` key, else its ``evidence``."""
    keys = {k.value: k for k, _ in mapping.value}
    before = keys.get("category") or keys["evidence"]
    at = before.start_mark.index
    if mapping.flow_style:
        return at, at, f"text: {yaml_scalar(text, flow=True)}, "
    indent = " " * before.start_mark.column
    return at, at, f"text: {yaml_scalar(text)}{newline}{indent}"


def anchor_text(yaml_text: str, raw: str, raw_name: str = "the raw text") -> AnchorResult:
    """Anchor every evidence quote of one annotation file in ``raw``. Pure: returns new text."""
    try:
        document = parse_yaml(yaml_text)
    except InputError as error:
        result = AnchorResult(text=yaml_text)
        result.problems.append((error.loc, f"{error.line}:{error.column}: {error.message}"))
        return result
    return anchor_document(document, raw, raw_name)


def anchor_document(
    document: YamlDocument, raw: str, raw_name: str = "the raw text"
) -> AnchorResult:
    """Anchor every evidence quote of a parsed annotation file in ``raw``, and derive missing
    requirement texts."""
    yaml_text = document.text
    newline = "\r\n" if "\r\n" in yaml_text else "\n"  # added lines keep the file's endings
    result = AnchorResult(text=yaml_text)
    edits: list[tuple[int, int, str]] = []
    quotes = _quotes(document.root)
    starts: dict[Loc, int] = {}
    for q, choice in zip(quotes, _choices(quotes, raw, raw_name), strict=True):
        if choice.start is None:
            result.problems.append(((*q.loc, "quote"), choice.message))
            continue
        starts[q.loc] = choice.start
        if choice.message:
            result.notes.append(((*q.loc, "quote"), choice.message))
        if choice.outcome == "ok":
            continue
        setattr(result, choice.outcome, getattr(result, choice.outcome) + 1)
        edits.extend(_offset_edits(yaml_text, q, choice.start, newline))
    if result.problems:
        return result
    derived = _derive_texts(document, raw, starts, result)
    for mapping, text in derived.values():
        edits.append(_text_edit(mapping, text, newline))
    if result.problems:
        return result
    text = yaml_text
    for begin, finish, replacement in sorted(edits, reverse=True):
        text = text[:begin] + replacement + text[finish:]
    _verify(text, raw, {loc: value for loc, (_, value) in derived.items()})
    result.text = text
    return result


def _derive_texts(
    document: YamlDocument, raw: str, starts: dict[Loc, int], result: AnchorResult
) -> dict[Loc, tuple[yaml.MappingNode, str]]:
    """The ``text`` of every requirement that lacks one, by requirement location."""
    derived: dict[Loc, tuple[yaml.MappingNode, str]] = {}
    normalised: NormalisedText | None = None
    for loc, mapping in _requirements_without_text(document.root):
        evidence = (*loc, "evidence")
        start = starts.get(evidence)
        if start is None:  # the evidence has no string quote: validate names that
            continue
        quote = next(v for k, v in _evidence_value(mapping).value if k.value == "quote")
        if normalised is None:
            normalised = normalise(raw)
        text = requirement_text(normalised, start, start + len(quote.value))
        if not text:
            result.problems.append(
                (
                    (*evidence, "quote"),
                    "cannot derive the requirement's text: nothing is left of the quote without "
                    "pinyin readings, page-split markers and line breaks; write `text`",
                )
            )
            continue
        derived[loc] = (mapping, text)
        result.derived += 1
        shown = text if len(text) <= _NOTE_TEXT else text[: _NOTE_TEXT - 1] + "…"
        result.notes.append(((*loc, "text"), f"derived text «{shown}» from the quote"))
    return derived


def _evidence_value(mapping: yaml.MappingNode) -> yaml.MappingNode:
    node = next(v for k, v in mapping.value if k.value == "evidence")
    if not isinstance(node, yaml.MappingNode):
        raise TypeError("a requirement's evidence is a mapping here")
    return node


def _verify(text: str, raw: str, texts: dict[Loc, str]) -> None:
    """Refuse to return an edit that does not anchor every quote or lost a derived text (a bug,
    never user error)."""
    document = parse_yaml(text)
    for loc, mapping in _evidence_mappings(document.root):
        values = {k.value: v for k, v in mapping.value}
        start, end = _int_value(values.get("start")), _int_value(values.get("end"))
        if start is None or end is None or raw[start:end] != values["quote"].value:
            raise AssertionError(f"anchor produced wrong offsets at {loc}; file left unchanged")
    for loc, value in texts.items():
        node: object = document.data
        for part in loc:
            node = node[part]  # type: ignore[index]
        if not isinstance(node, dict) or node.get("text") != value:
            raise AssertionError(f"anchor wrote a wrong text at {loc}; file left unchanged")


def anchor_files(root: Path, paths: Sequence[Path] = ()) -> tuple[list[str], list[Problem]]:
    """Anchor annotation files under ``root`` (all when ``paths`` is empty).

    Returns (lines telling what changed: one per changed file, then one per repair choice or
    derived text, ``file:line:column: field: note``; problems). A file with any problem is left
    unchanged; the others are rewritten atomically.
    """
    layout = Layout(root)
    raw_docs, problems = load_raw_documents(root)
    targets = list(paths) or [path for _, path in annotation_entries(layout)]
    changed: list[str] = []
    for path in targets:
        name = layout.relative(path)
        try:
            text, _ = read_text(layout, path)
            document = parse_yaml(text)
        except InputError as error:
            problems.append(input_problem(name, error))
            continue
        doc_id = document.data.get("doc_id") if isinstance(document.data, dict) else None
        raw = raw_docs.get(doc_id) if isinstance(doc_id, str) else None
        if raw is None or raw.text is None:
            line, column = document.locate(("doc_id",))
            message = f"no readable raw file with the manifest's sha256 for doc_id {doc_id!r}"
            problems.append(Problem(name, line, column, "doc_id", message))
            continue
        result = anchor_document(document, raw.text, f"raw/{raw.entry.file}")
        for loc, message in result.problems:
            line, column = document.locate(loc)
            problems.append(Problem(name, line, column, field_path(loc), message))
        if not result.problems and result.changed:
            write_text_atomic(path, result.text)
            changed.append(
                f"{name}: anchored {result.anchored}, repaired {result.repaired}, "
                f"derived {result.derived} requirement text(s)"
            )
            for loc, note in result.notes:
                line, column = document.locate(loc)
                changed.append(f"{name}:{line}:{column}: {field_path(loc)}: {note}")
    return changed, sorted(problems)
