"""``covidmeet-ds labelstudio export``: the labelling config and the pre-annotated tasks."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..annotate import annotate_text
from ..corpus import Layout, write_text_atomic
from ..problems import Problem
from ..reader import load_raw_documents
from ..rules.registry import RuleError
from .config import label_config
from .tasks import Unplaced, task_for


@dataclass
class ExportOutcome:
    """The files written, the rule values the tasks could not show, and the problems."""

    written: list[Path] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def config_path(tasks: Path) -> Path:
    """Where the labelling config goes beside the tasks: ``x.json`` → ``x.config.xml``."""
    return tasks.with_name(tasks.stem + ".config.xml")


def tasks_json(tasks: Sequence[dict]) -> str:
    return json.dumps(list(tasks), ensure_ascii=False, indent=1) + "\n"


def export_tasks(
    root: Path, doc_ids: Sequence[str], to: Path, force: bool = False
) -> ExportOutcome:
    """Write the tasks of ``doc_ids`` (default: every document without a gold annotation) to
    ``to`` and the labelling config beside it. Nothing is written when there is a problem."""
    layout = Layout(root)
    outcome = ExportOutcome()
    documents, problems = load_raw_documents(root)
    outcome.problems += problems
    unknown = [doc_id for doc_id in doc_ids if doc_id not in documents]
    outcome.problems += [
        Problem("raw/manifest.yaml", 1, 1, "", f"no document {doc_id!r}") for doc_id in unknown
    ]
    if doc_ids:
        selected = [documents[d] for d in dict.fromkeys(doc_ids) if d in documents]
    else:
        selected = [d for d in documents.values() if d.entry.status != "annotated"]
        if not selected and not outcome.problems:
            outcome.problems.append(
                Problem(
                    "raw/manifest.yaml",
                    1,
                    1,
                    "",
                    "every document has a gold annotation: name the documents to export",
                )
            )
    for target in (to, config_path(to)):
        if os.path.lexists(target) and not force:
            outcome.problems.append(
                Problem(str(target), 1, 1, "", "exists already (--force replaces it)")
            )
        elif os.path.lexists(target) and not os.path.isfile(target):
            outcome.problems.append(Problem(str(target), 1, 1, "", "is not a regular file"))
    tasks = []
    for document in selected:
        entry = document.entry
        if document.text is None:
            continue  # load_raw_documents has reported why
        try:
            rule = annotate_text(document.text, doc_id=entry.doc_id, published=entry.published)
        except RuleError as error:
            outcome.problems.append(
                Problem(layout.relative(layout.raw_dir / entry.file), 1, 1, "", str(error))
            )
            continue
        task, unplaced = task_for(document.text, rule)
        tasks.append(task)
        outcome.unplaced += unplaced
    if outcome.problems:
        outcome.problems = sorted(set(outcome.problems))
        return outcome
    try:
        write_text_atomic(to, tasks_json(tasks))
        write_text_atomic(config_path(to), label_config())
    except OSError as error:
        where = error.filename or str(to)
        outcome.problems = [Problem(str(where), 1, 1, "", f"cannot write: {error.strerror}")]
        return outcome
    outcome.written = [to, config_path(to)]
    return outcome


__all__ = ["ExportOutcome", "config_path", "export_tasks", "tasks_json"]
