"""schema/ and the guidelines' taxonomy table are generated from the models and data."""

from __future__ import annotations

import json
import os

import jsonschema
import pytest

from covidmeet_ds.cli import main
from covidmeet_ds.corpus import parse_yaml
from covidmeet_ds.schemas import stale_schemas
from covidmeet_ds.taxonomy import category_names

from .conftest import REPO


def test_generated_files_are_fresh() -> None:
    assert stale_schemas(REPO) == [], "run `covidmeet-ds schema --write`"


def test_a_stale_schema_is_detected_and_rewritten(repo_copy, capsys) -> None:
    schema = repo_copy / "schema/annotation.schema.json"
    schema.write_text("{}\n", encoding="utf-8")
    assert main(["schema", "--root", str(repo_copy), "--check"]) == 1
    assert main(["schema", "--root", str(repo_copy), "--write"]) == 0
    assert main(["schema", "--root", str(repo_copy), "--check"]) == 0
    assert schema.read_text(encoding="utf-8") == (REPO / "schema/annotation.schema.json").read_text(
        encoding="utf-8"
    )
    capsys.readouterr()


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "relative", ["schema/annotation.schema.json", "docs/annotation-guidelines.md"]
)
@pytest.mark.parametrize("option", ["--check", "--write"])
def test_a_generated_file_that_is_a_fifo_is_refused_not_waited_on_or_replaced(
    repo_copy, capsys, relative, option
) -> None:
    path = repo_copy / relative
    path.unlink()
    os.mkfifo(path)
    assert main(["schema", "--root", str(repo_copy), option]) == 1
    err = capsys.readouterr().err
    assert f"{relative}: not a regular file: it is a FIFO" in err
    assert path.is_fifo()


def test_guidelines_without_the_taxonomy_markers_are_named(repo_copy, capsys) -> None:
    (repo_copy / "docs/annotation-guidelines.md").write_text("# Guidelines\n", encoding="utf-8")
    assert main(["schema", "--root", str(repo_copy), "--check"]) == 1
    assert "docs/annotation-guidelines.md lacks the" in capsys.readouterr().err


@pytest.mark.parametrize(
    "path", sorted((REPO / "annotations").glob("*/*.yaml")), ids=lambda p: p.name
)
def test_annotations_pass_the_json_schema_that_editors_use(path) -> None:
    schema = json.loads((REPO / "schema/annotation.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(parse_yaml(path.read_text(encoding="utf-8")).data, schema)


def test_manifest_passes_its_json_schema() -> None:
    schema = json.loads((REPO / "schema/manifest.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(parse_yaml((REPO / "raw/manifest.yaml").read_text("utf-8")).data, schema)


def test_schema_documents_every_field_and_category() -> None:
    schema = json.loads((REPO / "schema/annotation.schema.json").read_text(encoding="utf-8"))
    for name, definition in schema["$defs"].items():
        for field, spec in definition.get("properties", {}).items():
            assert spec.get("description"), f"{name}.{field} has no docstring"
    assert schema["$defs"]["Requirement"]["properties"]["category"]["enum"] == list(
        category_names()
    )
    guidelines = (REPO / "docs/annotation-guidelines.md").read_text(encoding="utf-8")
    assert all(f"| `{name}` |" in guidelines for name in category_names())
