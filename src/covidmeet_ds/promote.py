"""``covidmeet-ds promote``: a reviewed draft becomes gold, in one step that writes all or nothing.

For each document: the draft (``annotations/draft/<doc_id>.yaml``) must validate and every
evidence must carry ``checked: true``; then ``annotations/hand/<doc_id>.yaml`` is written with
``stage: gold``, the marks removed and ``provenance.reviewed_by``/``reviewed_on`` set, the draft
is removed and the manifest's status becomes ``annotated``. The YAML is edited as text, so the
annotator's comments and layout survive (the draft's header of instructions is dropped); when an
edit cannot be made safely (flow-style mappings, keys on one line), the gold is written as clean
YAML and the outcome says so. Any problem, with any document, and nothing is written; a failure
while writing restores every file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from pydantic import ValidationError

from .corpus import InputError, Layout, YamlDocument, parse_yaml, write_text_atomic
from .drafts import DRAFT_HEADER, DRAFT_MODELINE
from .models import Annotation, Evidence
from .problems import Problem, input_problem, located_problem
from .reader import read_text, read_yaml
from .validate import iter_evidence, validate_corpus


class _CannotEdit(Exception):
    """The draft's text cannot be edited safely: the gold is written as clean YAML instead."""


@dataclass(frozen=True)
class Promotion:
    """One document's planned promotion: the texts to write."""

    doc_id: str
    draft_path: Path
    draft_text: str
    gold_path: Path
    gold_text: str
    clean_because: str | None
    """None when the draft's text was edited (comments kept); else why the gold was written as
    clean YAML."""


def _gold_of(draft: Annotation, reviewer: str, on: date) -> Annotation:
    data = draft.model_dump(mode="json")  # checked marks of value true are dumped: drop them
    data["stage"] = "gold"
    data["provenance"] |= {"reviewed_by": reviewer, "reviewed_on": on.isoformat()}
    return Annotation.model_validate(_without_checked(data))


def _without_checked(value: object) -> object:
    if isinstance(value, list):
        return [_without_checked(item) for item in value]
    if isinstance(value, dict):
        return {k: _without_checked(v) for k, v in value.items() if k != "checked"}
    return value


def unchecked_problems(name: str, doc: YamlDocument, draft: Annotation) -> list[Problem]:
    """One located problem per evidence of the draft not marked ``checked: true``."""
    return [
        located_problem(
            name,
            doc,
            (*loc, "checked"),
            f"not checked yet: compare {_short(evidence)} with the text and set checked: true",
        )
        for loc, evidence in iter_evidence(draft)
        if evidence.checked is not True
    ]


def _short(evidence: Evidence) -> str:
    quote = evidence.quote
    return repr(quote if len(quote) <= 20 else quote[:20] + "…")


# --- the text edit ------------------------------------------------------------------------------


def _mapping_items(node: yaml.Node) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise _CannotEdit("not a mapping")
    return {key.value: (key, value) for key, value in node.value}


def _evidence_nodes(node: yaml.Node) -> Iterator[yaml.MappingNode]:
    if isinstance(node, yaml.MappingNode):
        if any(key.value == "quote" for key, _ in node.value):
            yield node
        for _, value in node.value:
            yield from _evidence_nodes(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _evidence_nodes(item)


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    """Index just past the line break ending the line that holds ``index``."""
    newline = text.find("\n", index)
    return len(text) if newline == -1 else newline + 1


def _whole_line(text: str, key: yaml.Node, value: yaml.Node) -> tuple[int, int]:
    """The span of a ``key: value`` that stands alone on its line (a comment may follow)."""
    start, end = _line_start(text, key.start_mark.index), _line_end(text, value.end_mark.index)
    before = text[start : key.start_mark.index]
    after = text[value.end_mark.index : end].strip()
    if before.strip() or (after and not after.startswith("#")):
        raise _CannotEdit("the key shares its line")
    return start, end


def _scalar(value: str) -> str:
    """A YAML scalar for a name (double-quoted JSON is valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def gold_text(draft_text: str, reviewer: str, on: date) -> str:
    """The draft's text made gold by editing it (see the module's docstring). Raises
    :class:`_CannotEdit` (or :class:`InputError`) when it cannot be done safely."""
    doc = parse_yaml(draft_text)
    text = draft_text
    newline = "\r\n" if "\r\n" in text else "\n"
    edits: list[tuple[int, int, str]] = []
    top = _mapping_items(doc.root)
    for mapping in _evidence_nodes(doc.root):
        items = _mapping_items(mapping)
        if "checked" not in items:
            continue
        key, value = items["checked"]
        if mapping.flow_style:
            raise _CannotEdit("flow-style evidence")
        edits.append((*_whole_line(text, key, value), ""))
    stage_value = top["stage"][1]
    edits.append((stage_value.start_mark.index, stage_value.end_mark.index, "gold"))
    provenance = top["provenance"][1]
    if provenance.flow_style:
        raise _CannotEdit("flow-style provenance")
    fields = _mapping_items(provenance)
    missing = []
    for name, new in (("reviewed_by", _scalar(reviewer)), ("reviewed_on", on.isoformat())):
        if name in fields:
            _, value = fields[name]
            edits.append((value.start_mark.index, value.end_mark.index, new))
        else:
            missing.append(f"{name}: {new}")
    if missing:
        first_key = provenance.value[0][0]
        indent = " " * first_key.start_mark.column
        last_value = provenance.value[-1][1]
        at = _line_end(text, last_value.end_mark.index - 1)
        prefix = "" if text[at - 1 : at] == "\n" else newline
        edits.append((at, at, prefix + "".join(f"{indent}{line}{newline}" for line in missing)))
    header = DRAFT_HEADER.format(doc_id=doc.data["doc_id"]).replace("\n", newline)
    after_modeline = text.find(newline) + len(newline)
    if text.startswith(DRAFT_MODELINE) and text.startswith(header, after_modeline):
        edits.append((after_modeline, after_modeline + len(header), ""))
    for begin, finish, replacement in sorted(edits, reverse=True):
        text = text[:begin] + replacement + text[finish:]
    return text


def clean_gold_yaml(gold: Annotation) -> str:
    body = yaml.safe_dump(gold.model_dump(mode="json"), allow_unicode=True, sort_keys=False)
    return f"{DRAFT_MODELINE}\n{body}"


def _plan_text(
    draft_text: str, gold: Annotation, reviewer: str, on: date
) -> tuple[str, str | None]:
    """(gold text, why it is clean YAML or None): the edited draft when it reads back as exactly
    ``gold``, else the gold written clean, with the reason."""
    try:
        edited = gold_text(draft_text, reviewer, on)
    except _CannotEdit as error:
        reason = f"the draft's layout cannot be edited safely ({error})"
    else:
        try:
            same = Annotation.model_validate(parse_yaml(edited).data) == gold
        except (InputError, ValidationError) as error:
            raise AssertionError(f"promote produced an invalid gold text: {error}") from error
        if same:
            return edited, None
        reason = "the edited draft does not read back as the gold"
    text = clean_gold_yaml(gold)
    return (text.replace("\n", "\r\n") if "\r\n" in draft_text else text), reason


def _manifest_edit(manifest: YamlDocument, doc_ids: Sequence[str]) -> str:
    """The manifest's text with each document's status set to ``annotated`` (only those
    scalars change: comments and layout survive)."""
    edits = []
    documents = _mapping_items(manifest.root)["documents"][1]
    for item in documents.value:
        fields = _mapping_items(item)
        if fields["doc_id"][1].value in doc_ids:
            status = fields["status"][1]
            edits.append((status.start_mark.index, status.end_mark.index, "annotated"))
    text = manifest.text
    for begin, finish, replacement in sorted(edits, reverse=True):
        text = text[:begin] + replacement + text[finish:]
    return text


# --- the command ------------------------------------------------------------------------------


def plan_promotions(
    root: Path, doc_ids: Sequence[str], reviewer: str, on: date
) -> tuple[list[Promotion], list[Problem]]:
    """What promoting ``doc_ids`` would write, or the problems that stop it."""
    layout = Layout(root)
    problems: list[Problem] = []
    plans: list[Promotion] = []
    if not reviewer.strip():
        problems.append(Problem("", 1, 1, "", "--reviewer names the person who reviewed"))
    for doc_id in dict.fromkeys(doc_ids):
        draft_path = layout.annotation_path("draft", doc_id)
        gold_path = layout.annotation_path("hand", doc_id)
        name = layout.relative(draft_path)
        if not os.path.lexists(draft_path):
            problems.append(Problem(name, 1, 1, "", f"no draft of {doc_id!r} to promote"))
            continue
        if os.path.lexists(gold_path):
            problems.append(
                Problem(
                    name,
                    1,
                    1,
                    "",
                    f"{layout.relative(gold_path)} exists already: a document has one gold",
                )
            )
            continue
        found = validate_corpus(root, [draft_path])
        if found:
            problems.extend(found)
            continue
        try:
            text = read_text(layout, draft_path)[0]
            doc = read_yaml(layout, draft_path)
        except InputError as error:
            problems.append(input_problem(name, error))
            continue
        draft = Annotation.model_validate(doc.data)
        unchecked = unchecked_problems(name, doc, draft)
        if unchecked or problems:
            problems.extend(unchecked)
            continue
        gold = _gold_of(draft, reviewer.strip(), on)
        gold_text_, clean_because = _plan_text(text, gold, reviewer.strip(), on)
        plans.append(Promotion(doc_id, draft_path, text, gold_path, gold_text_, clean_because))
    return plans, sorted(set(problems))


def promote(
    root: Path, doc_ids: Sequence[str], reviewer: str, on: date
) -> tuple[list[Promotion], list[Problem]]:
    """Promote the drafts of ``doc_ids`` to gold (see the module's docstring). Returns what was
    done, or the problems (then nothing has been written)."""
    plans, problems = plan_promotions(root, doc_ids, reviewer, on)
    if problems:
        return [], problems
    layout = Layout(root)
    try:
        manifest = parse_yaml(read_text(layout, layout.manifest)[0])
    except InputError as error:
        return [], [input_problem(layout.relative(layout.manifest), error)]
    manifest_text = _manifest_edit(manifest, [plan.doc_id for plan in plans])
    written: list[Path] = []
    removed: list[Promotion] = []
    try:
        for plan in plans:
            write_text_atomic(plan.gold_path, plan.gold_text)
            written.append(plan.gold_path)
        write_text_atomic(layout.manifest, manifest_text)
        for plan in plans:
            plan.draft_path.unlink()
            removed.append(plan)
        found = validate_corpus(root, [plan.gold_path for plan in plans])
    except OSError as error:
        _restore(layout, manifest.text, written, removed)
        where = error.filename or "a file"
        return [], [Problem(str(where), 1, 1, "", f"cannot write: {error.strerror or error}")]
    if found:
        _restore(layout, manifest.text, written, removed)
        return [], found
    return plans, []


def _restore(layout: Layout, manifest_text: str, written: list[Path], removed: list) -> None:
    """Put every file back as it was before the promotion began."""
    for plan in removed:
        write_text_atomic(plan.draft_path, plan.draft_text)
    for path in written:
        path.unlink(missing_ok=True)
    write_text_atomic(layout.manifest, manifest_text)


__all__ = [
    "Promotion",
    "clean_gold_yaml",
    "gold_text",
    "plan_promotions",
    "promote",
    "unchecked_problems",
]
