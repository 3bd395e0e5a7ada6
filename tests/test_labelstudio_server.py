"""The Label Studio round trip against a real server: export → project and tasks through the API
→ a person's corrections submitted through the API → export → import → the expected gold.

Label Studio runs from its own environment (see ``tests/labelstudio_server.py``); without it the
test fails and says how to install it (``COVIDMEET_SKIP_LABEL_STUDIO=1`` skips it knowingly).
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import yaml

from covidmeet_ds.annotate import annotate_text
from covidmeet_ds.cli import main
from covidmeet_ds.drafts import GUIDELINES_VERSION
from covidmeet_ds.models import Annotation, Evidence
from covidmeet_ds.text import to_simplified
from covidmeet_ds.validate import validate_corpus

from . import labelstudio_server as ls
from .labelstudio_corpus import DOC_ID, TEXT, written_corpus

pytestmark = pytest.mark.timeout(ls.STARTUP_SECONDS + 300)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ls.LabelStudio]:
    if os.environ.get("COVIDMEET_SKIP_LABEL_STUDIO") == "1":
        pytest.skip("COVIDMEET_SKIP_LABEL_STUDIO=1")
    binary = ls.executable()
    if binary is None:
        pytest.fail(
            f"Label Studio is not installed ({ls.DEFAULT_EXECUTABLE} or ${ls.ENVIRONMENT_VARIABLE}"
            f"): {ls.INSTALL_HINT}"
        )
    running = ls.start(binary, tmp_path_factory.mktemp("label-studio"))
    try:
        yield running
    finally:
        ls.stop(running)


def _export_snapshot(server: ls.LabelStudio, project: int) -> bytes:
    """The project's JSON export with the annotators' details (not only their ids)."""
    options = {"annotations__completed_by": {"only_id": False}}
    snapshot = server.call(
        "POST", f"/api/projects/{project}/exports", {"serialization_options": options}
    )
    for _ in range(120):
        state = server.call("GET", f"/api/projects/{project}/exports/{snapshot['id']}")
        if state["status"] == "completed":
            break
        assert state["status"] != "failed", state
        time.sleep(0.5)
    return server.download(
        f"/api/projects/{project}/exports/{snapshot['id']}/download?exportType=JSON"
    )


def _region(result: list[dict], region_id: str, from_name: str) -> dict:
    [item] = [r for r in result if r["id"] == region_id and r["from_name"] == from_name]
    return item


def _corrected(prediction: list[dict]) -> list[dict]:
    """The person's corrections: requirement 1 is about testing (testing_screening),
    requirement 3 is only its head clause, the jurisdiction is named (and the rules' note about
    it dropped), a note on the report."""
    result = copy.deepcopy(prediction)
    _region(result, "m1-r1", "category")["value"]["choices"] = ["testing_screening"]
    head = "要强化督导问责"
    start = TEXT.index(head)
    for item in result:
        if item["id"] == "m1-r3":
            item["value"].update(start=start, end=start + len(head))
            if item["from_name"] == "span":
                item["value"]["text"] = head
    level = _region(result, "m1-level", "level")["value"]
    result.remove(_region(result, "m1-level", "note"))
    result.append(
        {
            "id": "m1-level",
            "from_name": "jurisdiction",
            "to_name": "text",
            "type": "textarea",
            "value": {"start": level["start"], "end": level["end"], "text": ["青石县"]},
        }
    )
    result.append(
        {
            "id": "notes",
            "from_name": "notes",
            "to_name": "text",
            "type": "textarea",
            "value": {"text": ["Checked in Label Studio."]},
        }
    )
    return result


def _expected_gold(rule: Annotation, submitted_on: date) -> dict:
    """The gold the corrections make, built from the rule annotation with the models (not with
    the import's code)."""
    meeting = rule.meetings[0]
    head = "要强化督导问责"
    start = TEXT.index(head)
    requirements = list(meeting.requirements)
    requirements[0] = requirements[0].model_copy(update={"category": "testing_screening"})
    requirements[2] = requirements[2].model_copy(
        update={
            "text": to_simplified(head),
            "evidence": Evidence(quote=head, start=start, end=start + len(head)),
        }
    )
    level = meeting.level.model_copy(update={"jurisdiction": "青石县", "note": None})
    meeting = meeting.model_copy(update={"requirements": requirements, "level": level})
    gold = {
        "doc_id": DOC_ID,
        "annotator": "hand",
        "annotator_version": GUIDELINES_VERSION,
        "stage": "gold",
        "provenance": {
            "origin": "rules",
            "rules": list(rule.rules),
            "annotated_by": ls.USER,
            "reviewed_by": ls.USER,
            "reviewed_on": submitted_on.isoformat(),
        },
        "raw_sha256": rule.raw_sha256,
        "report_kind": {"kind": "meeting_report"},
        "meetings": [meeting.model_dump(mode="json")],
        "quality_flags": list(rule.quality_flags),
        "notes": "Checked in Label Studio.",
    }
    return Annotation.model_validate(gold).model_dump(mode="json")


def test_label_studio_round_trip_gives_the_corrected_gold(
    server: ls.LabelStudio, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = written_corpus(tmp_path / "corpus")
    tasks_file = tmp_path / "work" / "tasks.json"
    assert (
        main(["labelstudio", "export", DOC_ID, "--root", str(root), "--to", str(tasks_file)]) == 0
    )
    config = tasks_file.with_name("tasks.config.xml").read_text("utf-8")
    tasks = json.loads(tasks_file.read_text("utf-8"))

    project = server.call("POST", "/api/projects", {"title": "covidmeet", "label_config": config})
    imported = server.call("POST", f"/api/projects/{project['id']}/import", tasks)
    assert (imported["task_count"], imported["prediction_count"]) == (1, 1)
    [task] = server.call("GET", f"/api/tasks?project={project['id']}")["tasks"]
    assert task["data"]["text"] == TEXT  # stored as sent: non-BMP characters intact
    [prediction] = server.call("GET", f"/api/predictions?task={task['id']}")
    assert prediction["result"] == tasks[0]["predictions"][0]["result"]

    submitted = server.call(
        "POST",
        f"/api/tasks/{task['id']}/annotations",
        {"result": _corrected(prediction["result"]), "lead_time": 42.0},
    )
    export_file = tmp_path / "work" / "export.json"
    export_file.write_bytes(_export_snapshot(server, project["id"]))

    capsys.readouterr()
    assert main(["labelstudio", "import", str(export_file), "--root", str(root)]) == 0
    assert f"annotations/hand/{DOC_ID}.yaml" in capsys.readouterr().out

    gold_path = root / "annotations" / "hand" / f"{DOC_ID}.yaml"
    text = gold_path.read_text("utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schema/annotation.schema.json\n")
    rule = annotate_text(TEXT, doc_id=DOC_ID, published=date(2022, 3, 6))
    submitted_on = date.fromisoformat(submitted["updated_at"][:10])
    assert yaml.safe_load(text) == _expected_gold(rule, submitted_on)
    # known values, independent of the rules: offsets are code points after 🦠 and 𠀀
    requirement = yaml.safe_load(text)["meetings"][0]["requirements"][2]
    assert requirement["evidence"] == {"quote": "要强化督导问责", "start": 140, "end": 147}
    assert TEXT[140:147] == "要强化督导问责"
    assert validate_corpus(root) == []
    assert "status: annotated" in (root / "raw" / "manifest.yaml").read_text("utf-8")

    # nothing is overwritten without --force; with it the same export gives the same file
    assert main(["labelstudio", "import", str(export_file), "--root", str(root)]) == 1
    assert "--force" in capsys.readouterr().out
    assert gold_path.read_text("utf-8") == text
    assert main(["labelstudio", "import", str(export_file), "--root", str(root), "--force"]) == 0
    assert gold_path.read_text("utf-8") == text
