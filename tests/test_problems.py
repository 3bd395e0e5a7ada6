"""How problems are told: GitHub workflow commands that cannot be forged, one line per problem in
text, and quotes that differ from the raw text only in Unicode form named as such."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest

from covidmeet_ds.cli import main
from covidmeet_ds.models import Evidence
from covidmeet_ds.validate import Problem, evidence_problem, render

from .conftest import BAD

CRAFTED = [
    "x\n::warning file=a.yaml::forged",
    "x\r::warning ::forged",
    "x\r\n::error ::forged",
    "a,title=forged::message",
    "100%0A::warning ::forged",
    "x\u2028::warning ::forged",
]


@pytest.mark.parametrize("crafted", CRAFTED)
def test_github_commands_escape_every_property_and_the_message(crafted: str) -> None:
    problem = Problem(f"annotations/hand/{crafted}.yaml", 3, 4, crafted, crafted)
    line = problem.github()
    assert "\n" not in line and "\r" not in line
    head, message = line.split("::", 2)[1:]
    assert head.startswith("error file=") and head.count(",") == 3  # four properties
    assert "%" not in message.replace("%25", "").replace("%0A", "").replace("%0D", "")
    unescaped = message.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
    assert unescaped == crafted


def test_github_property_escapes_are_exact() -> None:
    problem = Problem("a,b:c%.yaml", 1, 2, "f\r\n,:%", "m: 50%\r\n, done")
    assert problem.github() == (
        "::error file=a%2Cb%3Ac%25.yaml,line=1,col=2,title=f%0D%0A%2C%3A%25::m: 50%25%0D%0A, done"
    )


@pytest.mark.parametrize("crafted", CRAFTED)
def test_text_format_keeps_each_problem_on_one_line(crafted: str) -> None:
    problems = [Problem(crafted, 1, 1, crafted, crafted), Problem("b.yaml", 2, 1, "", "m")]
    lines = render(problems, "text").split("\n")
    assert len(lines) == 2 and all("\r" not in line and "\u2028" not in line for line in lines)


def test_a_crafted_field_name_cannot_forge_a_workflow_command(
    base_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    annotation = base_corpus / "annotations/hand/cri-hubei-provincial-teleconference.yaml"
    text = annotation.read_text(encoding="utf-8")
    forged = '"x\\n::warning file=README.md,line=1::forged,title=t:y\\r\\n::error ::f": 1\n'
    annotation.write_text(text.replace("meetings:\n", forged + "meetings:\n", 1), "utf-8")
    crafted_file = annotation.parent / "a,b::c\n::warning ::forged.yaml"
    shutil.copy(BAD / "control-character/files" / annotation.relative_to(base_corpus), crafted_file)
    assert main(["validate", "--root", str(base_corpus), "--format", "github"]) == 1
    lines = capsys.readouterr().out.strip().split("\n")
    assert lines and all(line.startswith("::error file=") for line in lines), lines
    assert all(line.split("::")[1].count(",") == 3 for line in lines), lines
    assert main(["validate", "--root", str(base_corpus)]) == 1
    text_lines = capsys.readouterr().out.strip().split("\n")
    assert len(text_lines) == len(lines)
    assert all(line.startswith("annotations/hand/") for line in text_lines), text_lines


RAW = (
    "青石县（Qīngshí Xiàn）召开疫情防控工作会议\n"
    "本报讯 3月5日上午，青石县召开第\u516d次会议。县长李青山主持会议并讲话。\n"
    "会议\u00a0要求，要做好返乡人员排查(一)。\n"
)


def problem_for(quote: str, raw: str = RAW) -> str | None:
    return evidence_problem(raw, "raw/x.txt", Evidence(quote=quote, start=0, end=len(quote)))


@pytest.mark.parametrize(
    ("quote", "raw_form", "written_quote", "written_raw"),
    [
        (unicodedata.normalize("NFD", "Qīngshí Xiàn"), "NFC", "i\u0304", "\u012b"),
        ("Q\u012bngsh\u00ed", "NFD", "\u012b", "i\u0304"),
        ("第\uf9d1次会议", "NFC", "\uf9d1", "\u516d"),  # a CJK compatibility ideograph
    ],
)
def test_normalisation_differences_are_named_as_such(
    quote: str, raw_form: str, written_quote: str, written_raw: str
) -> None:
    raw = unicodedata.normalize(raw_form, RAW)
    message = problem_for(quote, raw)
    assert message is not None and "differs in Unicode normalisation" in message, message
    assert "width" not in message
    assert f"the quote has {written_quote!r}" in message
    assert f"the raw text {written_raw!r}" in message


def test_the_normalisation_message_names_the_forms_and_where() -> None:
    quote = unicodedata.normalize("NFD", "Xiàn）召开")
    message = problem_for(quote)
    start = RAW.index("Xiàn")
    assert message == (
        f"quote not found in raw/x.txt: closest text at {start}–{start + 7} (1 difference): "
        f"«Xiàn）召开»; first difference at character 2 of the quote (raw offset {start + 2}): "
        "the quote has 'a\u0300' (U+0061 LATIN SMALL LETTER A, U+0300 COMBINING GRAVE ACCENT), "
        "the raw text 'à' (U+00E0 LATIN SMALL LETTER A WITH GRAVE): it differs in Unicode "
        "normalisation (the quote is decomposed (NFD), the raw text composed (NFC)); "
        "copy the raw text exactly"
    )


@pytest.mark.parametrize("quote", ["要做好返乡人员排查（一）", "县（Ｑīngshí", "会议\u00a0要求,"])
def test_width_differences_are_named_as_width(quote: str) -> None:
    message = problem_for(quote)
    assert message is not None and "differs in character width" in message, message


def test_other_compatibility_differences_are_not_called_width() -> None:
    message = problem_for("会议 要求")  # a space where the raw text has a no-break space
    assert message is not None and "differs in compatibility characters" in message
    assert "U+00A0 NO-BREAK SPACE" in message


def test_width_and_normalisation_together_name_both() -> None:
    message = problem_for(unicodedata.normalize("NFD", "Xiàn)召开"))
    assert message is not None
    assert "differs in character width" in message and "Unicode normalisation" in message


def test_a_quote_like_nothing_in_the_text() -> None:
    assert problem_for("市委书记王五出席") == (
        "quote not found in raw/x.txt: quotes must be exact raw text (no text like it in the raw "
        "file)"
    )
