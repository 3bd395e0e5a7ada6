"""The built card is honest and portable: every column of every config described from the
declarations, links that resolve inside the published folder or are absolute, repository links
to files that exist, the licence terms apart, and recipes that run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
from huggingface_hub import DatasetCard

from covidmeet_ds.build import build
from covidmeet_ds.build.card import (
    REPOSITORY_URL,
    columns_markdown,
    repository_links,
    type_name,
)
from covidmeet_ds.build.columns import TABLES, descriptions

from .conftest import REPO

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
REPOSITORY_LINK = re.compile(r"\]\(repository:([^)\s]*)\)")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("card") / "hf"
    build(REPO, out, progress=False)
    return out


@pytest.fixture(scope="module")
def card(built: Path) -> DatasetCard:
    return DatasetCard.load(built / "README.md")


def _section(text: str, heading: str) -> str:
    return text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]


# -- links --


def bad_links(markdown: str, folder: Path) -> list[str]:
    """Link targets that are neither absolute (http, https) nor a file inside ``folder``."""
    bad = []
    for target in LINK.findall(markdown):
        if target.startswith(("https://", "http://")):
            continue
        path = target.split("#", 1)[0]
        inside = (folder / path).resolve()
        if not path or not inside.is_relative_to(folder.resolve()) or not inside.is_file():
            bad.append(target)
    return bad


def test_every_link_resolves_in_the_folder_or_is_absolute(built: Path, card: DatasetCard) -> None:
    assert LINK.findall(card.text)  # the card does link: to the plot, the repository, sources
    assert bad_links(card.text, built) == []
    assert "](repository:" not in card.text
    assert "](timeline.png)" in card.text  # a relative link that resolves
    assert card.data.license_link.startswith("https://")


@pytest.mark.parametrize(
    "target",
    [
        "docs/annotation-guidelines.md",  # a repository file absent from the folder
        "schema/",
        "../README.md",  # outside the folder
        "missing.png",
        "#a-heading",  # only an anchor: no file
        "data",  # a folder, not a file
    ],
)
def test_the_link_check_finds_a_bad_link(built: Path, target: str) -> None:
    assert bad_links(f"see [this]({target}) and ![plot](timeline.png)", built) == [target]


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_repository_links_name_files_and_headings_of_the_repository() -> None:
    prose = (REPO / "CARD.md").read_text(encoding="utf-8")
    prose = re.sub(r"<!--.*?-->", "", prose, flags=re.DOTALL)  # editors' notes are not rendered
    targets = REPOSITORY_LINK.findall(prose)
    assert "LICENSE" in targets and "docs/annotation-guidelines.md" in targets
    for target in targets:
        path, _, anchor = target.partition("#")
        assert (REPO / path).is_file(), target
        if anchor:
            text = (REPO / path).read_text(encoding="utf-8")
            headings = re.findall(r"^#+ (.+)$", text, re.MULTILINE)
            assert anchor in {_slug(h) for h in headings}, target


def test_repository_links_become_absolute_links_to_the_one_repository_url() -> None:
    assert repository_links("[g](repository:docs/a.md) [h](https://x.org/y)") == (
        f"[g]({REPOSITORY_URL}/blob/main/docs/a.md) [h](https://x.org/y)"
    )
    assert REPOSITORY_URL.startswith("https://")
    declared = [
        path.relative_to(REPO).as_posix()
        for path in [*sorted((REPO / "src").rglob("*.py")), REPO / "CARD.md", REPO / "README.md"]
        if REPOSITORY_URL in path.read_text(encoding="utf-8")
    ]
    assert declared == ["src/covidmeet_ds/build/card.py"]


# -- columns --


@pytest.mark.parametrize("config", list(TABLES))
def test_card_describes_every_column_of_every_config(card: DatasetCard, config: str) -> None:
    section = card.text.split(f"\n### `{config}`\n", 1)[1].split("\n### ", 1)[0]
    section = section.split("\n## ", 1)[0]
    table = TABLES[config]
    rows = {
        line.split(" | ", 1)[0].strip("| `"): line
        for line in section.splitlines()
        if line.startswith("| `")
    }
    described = descriptions(table)
    for name, shape in table.shapes.items():
        line = rows.pop(name)
        null = "yes" if shape.nullable else "no"
        escaped = described[name].replace("|", "\\|")
        assert line == f"| `{name}` | {type_name(shape)} | {null} | {escaped} |"
        inner, path = (shape.item, f"{name}[]") if shape.item is not None else (shape, name)
        for field, child in inner.fields.items():
            assert rows.pop(f"{path}.{field}").endswith(f"| {child.description} |")
    assert rows == {}  # nothing described that is not published


def test_column_tables_are_generated_not_written() -> None:
    prose = (REPO / "CARD.md").read_text(encoding="utf-8")
    assert "<!-- columns:" in prose
    assert "| `meeting_id` |" not in prose
    assert "| `meeting_id` |" in columns_markdown()


@pytest.mark.parametrize(
    ("feature_shape", "name"),
    [
        (TABLES["meetings"].shapes["level"], "class label"),
        (TABLES["meetings"].shapes["date_start"], "date32"),
        (TABLES["meetings"].shapes["presiders"], "list of string"),
        (TABLES["meetings"].shapes["speakers"], "list of struct"),
        (TABLES["requirements"].shapes["ordinal"], "int32"),
        (TABLES["documents"].shapes["hand"], "struct"),
    ],
)
def test_type_names(feature_shape, name: str) -> None:
    assert type_name(feature_shape) == name


# -- what the card says --


def test_card_keeps_the_terms_apart_and_credits_its_sources(card: DatasetCard) -> None:
    terms = _section(card.text, "## Sources, licence and terms")
    assert "[CC BY 4.0](https://creativecommons.org/licenses/by/4.0/)" in terms
    assert "**not** under CC BY 4.0" in terms  # the report text
    assert "MIT" in terms  # the code
    for source in ("OxCGRT", "pycountry", "iso-codes", "administrative-division-cn", "CoronaNet"):
        assert source in terms, source
    assert "spam" in terms and "untrusted" in terms


def test_card_marks_rule_as_machine_generated_and_says_where_rules_were_developed(
    card: DatasetCard,
) -> None:
    process = _section(card.text, "## Annotation process and guidelines")
    assert "**`rule` column is machine-generated**" in process
    for name in ("five seed reports", "`written`", "`xwlb-dev`", "`fresh`", "`fresh2`"):
        assert name in process, name
    assert "machine-generated" in _section(card.text, "## Configs and fields")  # rule's row


def test_card_states_the_conventions_and_points_nlp_users_to_scoring(card: DatasetCard) -> None:
    fields = _section(card.text, "## Configs and fields")
    for text in ("`<label>_name`", "`date_start`", "`CHN`", "Hong Kong, Macau and Taiwan"):
        assert text in fields, text
    loading = _section(card.text, "## How to load")
    assert 'dtype_backend="numpy_nullable"' in loading
    assert 'ds.with_format("arrow")[:].to_pandas(types_mapper=pd.ArrowDtype)' in loading
    assert "datePublished" in loading
    assert "covidmeet-ds export --to DIR" in loading
    assert "covidmeet-ds evaluate --predictions FILE --split test" in card.text


def test_the_cards_reading_recipe_runs_and_keeps_integers(
    built: Path, card: DatasetCard, monkeypatch: pytest.MonkeyPatch
) -> None:
    loading = _section(card.text, "## How to load")
    blocks = re.findall(r"```python\n(.*?)```", loading, re.DOTALL)
    recipe = next(block for block in blocks if "dtype_backend" in block)
    monkeypatch.chdir(built)
    namespace: dict = {}
    exec(compile(recipe, "card recipe", "exec"), namespace)
    requirements = namespace["requirements"]
    assert isinstance(requirements, pd.DataFrame)
    assert pd.api.types.is_integer_dtype(requirements["ordinal"].dtype)
    assert requirements["ordinal"].isna().any() and requirements["ordinal"].notna().any()
    assert isinstance(namespace["meetings"], pl.DataFrame)
    assert set(namespace["meetings"]["level_name"]) <= {"national", "provincial", "prefectural"} | {
        "county",
        "township",
    }
    assert namespace["levels"].fetchall()
