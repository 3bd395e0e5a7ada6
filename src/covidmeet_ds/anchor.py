"""Fill in or repair the offsets of evidence quotes.

Annotators write quotes; this module finds them in the raw text and writes ``start``/``end``. The
YAML file is edited as text, so comments, the modeline and the annotator's layout survive. A quote
that is not in the text, or that occurs more than once with no offset to choose between the
occurrences, is an error, never a guess.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .corpus import InputError, Layout, Loc, YamlDocument, parse_yaml, write_text_atomic
from .problems import Problem, field_path, input_problem
from .reader import annotation_entries, load_raw_documents, read_text
from .validate import find_all

_INT = "tag:yaml.org,2002:int"
_STR = "tag:yaml.org,2002:str"


@dataclass
class AnchorResult:
    """The outcome for one file: its new text and what was done or refused."""

    text: str
    anchored: int = 0
    repaired: int = 0
    problems: list[tuple[Loc, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.anchored + self.repaired > 0


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


def _choose_start(
    raw: str, quote: str, start: int | None, end: int | None
) -> tuple[int | None, str]:
    """(start to write, outcome) where outcome is ok / anchored / repaired / an error message."""
    occurrences = find_all(raw, quote)
    if not occurrences:
        return None, "quote not found in the raw text: quotes must be exact raw text"
    if start is not None and start in occurrences and end == start + len(quote):
        return start, "ok"
    if len(occurrences) == 1:
        return occurrences[0], "anchored" if start is None else "repaired"
    if start is None:
        places = ", ".join(str(s) for s in occurrences[:5])
        return None, (
            f"ambiguous quote: it occurs {len(occurrences)} times (at {places}); "
            "lengthen the quote or write the start offset of the one you mean"
        )
    return min(occurrences, key=lambda s: abs(s - start)), "repaired"


def anchor_text(yaml_text: str, raw: str) -> AnchorResult:
    """Anchor every evidence quote of one annotation file in ``raw``. Pure: returns new text."""
    try:
        document = parse_yaml(yaml_text)
    except InputError as error:
        result = AnchorResult(text=yaml_text)
        result.problems.append((error.loc, f"{error.line}:{error.column}: {error.message}"))
        return result
    return anchor_document(document, raw)


def anchor_document(document: YamlDocument, raw: str) -> AnchorResult:
    """Anchor every evidence quote of a parsed annotation file in ``raw``."""
    yaml_text = document.text
    newline = "\r\n" if "\r\n" in yaml_text else "\n"  # added lines keep the file's endings
    result = AnchorResult(text=yaml_text)
    edits: list[tuple[int, int, str]] = []
    for loc, mapping in _evidence_mappings(document.root):
        keys = {k.value: (k, v) for k, v in mapping.value}
        quote_key, quote_node = keys["quote"]
        start_node = keys.get("start", (None, None))[1]
        end_node = keys.get("end", (None, None))[1]
        start, outcome = _choose_start(
            raw, quote_node.value, _int_value(start_node), _int_value(end_node)
        )
        if start is None:
            result.problems.append(((*loc, "quote"), outcome))
            continue
        if outcome == "ok":
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
        values = {"start": start, "end": start + len(quote_node.value)}
        missing = []
        for name, node in (("start", start_node), ("end", end_node)):
            if node is None:
                missing.append(name)
            else:
                edits.append((node.start_mark.index, node.end_mark.index, str(values[name])))
        if not missing:
            continue
        if mapping.flow_style:
            added = "".join(f", {name}: {values[name]}" for name in missing)
            edits.append((quote_node.end_mark.index, quote_node.end_mark.index, added))
        else:
            indent = " " * quote_key.start_mark.column
            block_scalar = quote_node.style in ("|", ">")
            at = quote_node.end_mark.index
            at = (
                at
                if block_scalar and yaml_text[at - 1 : at] == "\n"
                else _line_after(yaml_text, at)
            )
            prefix = "" if at == 0 or yaml_text[at - 1] == "\n" else newline
            lines = "".join(f"{indent}{name}: {values[name]}{newline}" for name in missing)
            edits.append((at, at, prefix + lines))
    if result.problems:
        return result
    text = yaml_text
    for begin, finish, replacement in sorted(edits, reverse=True):
        text = text[:begin] + replacement + text[finish:]
    _verify(text, raw)
    result.text = text
    return result


def _verify(text: str, raw: str) -> None:
    """Refuse to return an edit that does not anchor every quote (a bug, never user error)."""
    document = parse_yaml(text)
    for loc, mapping in _evidence_mappings(document.root):
        values = {k.value: v for k, v in mapping.value}
        start, end = _int_value(values.get("start")), _int_value(values.get("end"))
        if start is None or end is None or raw[start:end] != values["quote"].value:
            raise AssertionError(f"anchor produced wrong offsets at {loc}; file left unchanged")


def anchor_files(root: Path, paths: Sequence[Path] = ()) -> tuple[list[str], list[Problem]]:
    """Anchor annotation files under ``root`` (all when ``paths`` is empty).

    Returns (one line per changed file, problems). A file with any problem is left unchanged;
    the others are rewritten atomically.
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
        result = anchor_document(document, raw.text)
        for loc, message in result.problems:
            line, column = document.locate(loc)
            problems.append(Problem(name, line, column, field_path(loc), message))
        if not result.problems and result.changed:
            write_text_atomic(path, result.text)
            changed.append(f"{name}: anchored {result.anchored}, repaired {result.repaired}")
    return changed, sorted(problems)
