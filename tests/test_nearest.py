"""A quote not in the raw text: the closest raw text and the first character that differs, in the
same words from ``validate`` and ``anchor``."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from covidmeet_ds.anchor import anchor_text
from covidmeet_ds.cli import main
from covidmeet_ds.models import Evidence
from covidmeet_ds.text.nearest import nearest_match
from covidmeet_ds.validate import evidence_problem

from .conftest import tree_snapshot

RAW = (
    "青石县（Qīngshí Xiàn）召开疫情防控工作会议\n"
    "本报讯 3月5日上午，青石县召开第六次会议。县长李青山主持会议并讲话。\n"
    "会议\u00a0要求，各地要做好準备工作,严防输入。\n"
)


def _validate_message(quote: str, raw: str = RAW) -> str | None:
    return evidence_problem(raw, "raw/x.txt", Evidence(quote=quote, start=0, end=len(quote)))


def _anchor_message(quote: str, raw: str = RAW) -> str:
    result = anchor_text(
        f"e:\n  quote: {json.dumps(quote, ensure_ascii=False)}\n", raw, "raw/x.txt"
    )
    [(_, message)] = result.problems
    return message


@pytest.mark.parametrize(
    ("quote", "closest", "index", "detail"),
    [
        (  # script: Simplified typed for the raw Traditional
            "各地要做好准备工作",
            "各地要做好準备工作",
            5,
            "the quote has '准' (U+51C6), the raw text '準' (U+6E96): it differs in script "
            "(Traditional vs Simplified)",
        ),
        (  # width: full-width typed for half-width
            "各地要做好準备工作，严防输入",
            "各地要做好準备工作,严防输入",
            9,
            "the quote has '，' (U+FF0C FULLWIDTH COMMA), the raw text ',' (U+002C COMMA): it "
            "differs in character width",
        ),
        (  # NFD typed for NFC
            unicodedata.normalize("NFD", "Xiàn）召开"),
            "Xiàn）召开",
            2,
            "the quote has 'a\u0300' (U+0061 LATIN SMALL LETTER A, U+0300 COMBINING GRAVE "
            "ACCENT), the raw text 'à' (U+00E0 LATIN SMALL LETTER A WITH GRAVE): it differs in "
            "Unicode normalisation (the quote is decomposed (NFD), the raw text composed (NFC))",
        ),
        (  # a character missing from the quote
            "县长李青山主持会议讲话",
            "县长李青山主持会议并讲话",
            9,
            "the raw text has '并' (U+5E76), which the quote lacks",
        ),
        (  # an extra character at the start
            "乙县长李青山主持",
            "县长李青山主持",
            0,
            "the quote has '乙' (U+4E59), which the raw text lacks",
        ),
        (  # a line break the quote left out
            "主持会议并讲话。会议",
            "主持会议并讲话。\\n会议",
            8,
            "the raw text has '\\n' (U+000A LINE FEED), which the quote lacks",
        ),
        (  # another character, with the ones around it matched
            "县长李四主持会议",
            "县长李青山主持会议",
            3,
            "the quote has '四' (U+56DB), the raw text '青' (U+9752): a different character",
        ),
        (  # a space for a no-break space
            "会议 要求",
            "会议\\xa0要求",
            2,
            "the quote has ' ' (U+0020 SPACE), the raw text '\\xa0' (U+00A0 NO-BREAK SPACE): it "
            "differs in compatibility characters",
        ),
    ],
)
def test_closest_text_and_first_difference(
    quote: str, closest: str, index: int, detail: str
) -> None:
    message = _validate_message(quote)
    assert message is not None
    assert message.startswith("quote not found in raw/x.txt: closest text at "), message
    assert f"«{closest}»" in message, message
    assert f"first difference at character {index} of the quote" in message, message
    assert detail in message, message
    assert message.endswith("copy the raw text exactly")
    assert _anchor_message(quote) == message


def test_the_closest_span_and_count_are_exact() -> None:
    quote = "各地要做好准备工作，严防输入"
    match = nearest_match(RAW, quote)
    assert match is not None
    assert RAW[match.start : match.end] == "各地要做好準备工作,严防输入"
    assert match.differences == 2
    assert (match.first.quote_index, match.first.raw_index) == (5, match.start + 5)


def test_nothing_alike_says_so() -> None:
    message = "quotes must be exact raw text (no text like it in the raw file)"
    assert _validate_message("市委书记王五出席") == f"quote not found in raw/x.txt: {message}"
    assert _anchor_message("市委书记王五出席") == f"quote not found in raw/x.txt: {message}"
    assert nearest_match(RAW, "县长王五出席并作报告") is None  # more than half would change


def test_a_long_closest_text_is_shown_around_its_difference() -> None:
    sentence = "各地要严格执行值班值守制度,定期召开会议研判形势,研究解决重大问题。" * 3
    raw = "丙" * 500 + sentence + "丁" * 500
    quote = sentence[:70] + "準" + sentence[71:]
    message = _validate_message(quote, raw)
    assert message is not None
    assert f"closest text at 500–{500 + len(sentence)} (1 difference)" in message
    excerpt = message.split("«", 1)[1].split("»", 1)[0]
    assert excerpt.startswith("…") and excerpt.endswith("…") and sentence[70] in excerpt
    assert len(excerpt) <= 62


def test_a_quote_far_into_a_long_text_is_found() -> None:
    """Seeds from the quote's own characters find it anywhere; a common phrase elsewhere does
    not pull the match away."""
    filler = "会议强调要做好疫情防控工作。" * 20000  # 280 000 characters
    target = "青石县各地要做好準备工作,严防输入,确保万无一失。"
    raw = filler + target + filler
    quote = target.replace("準", "准").replace(",", "，", 1)
    match = nearest_match(raw, quote)
    assert match is not None
    assert (match.start, match.end) == (len(filler), len(filler) + len(target))
    assert match.differences == 2


def test_cli_anchor_and_validate_tell_the_same_on_a_corpus(
    base_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = base_corpus / "annotations/hand/cri-hubei-provincial-teleconference.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("常务副省长黄楚平主持会议", "常务付省长黄楚平主持会议"), encoding="utf-8"
    )
    before = tree_snapshot(base_corpus)
    assert main(["validate", "--root", str(base_corpus), "--format", "json"]) == 1
    [validated] = json.loads(capsys.readouterr().out)
    assert main(["anchor", "--root", str(base_corpus), "--format", "json"]) == 1
    [anchored] = json.loads(capsys.readouterr().out)
    assert validated == anchored
    assert validated["field"] == "meetings[0].speakers[0].evidence.quote"
    assert validated["message"].startswith(
        "quote not found in raw/002_e40f8632191833bd.txt: closest text at 1492–1509 "
        "(1 difference): «省委常委、常务副省长黄楚平主持会议»; first difference at character 7 "
        "of the quote (raw offset 1499): the quote has '付' (U+4ED8), the raw text '副' (U+526F)"
    )
    assert tree_snapshot(base_corpus) == before


PINYIN_RAW = "青石縣召開會議。會議要求,各地要加強(qiáng)防控,嚴防輸入,確保萬無一失。"


def test_a_left_out_pinyin_reading_is_named() -> None:
    message = _validate_message("各地要加強防控,嚴防輸入", PINYIN_RAW)
    start = PINYIN_RAW.index("各地")
    assert message == (
        f"quote not found in raw/x.txt: closest text at {start}–{start + 19} (1 difference): "
        "«各地要加強(qiáng)防控,嚴防輸入»; first difference at character 5 of the quote (raw "
        f"offset {start + 5}): the raw text has the injected pinyin reading '(qiáng)', which the "
        "quote lacks: quotes keep it (labels drop it); copy the raw text exactly"
    )
    assert _anchor_message("各地要加強防控,嚴防輸入", PINYIN_RAW) == message


def test_a_quote_typed_as_its_label_is_still_like_the_raw_text() -> None:
    """Simplified and without readings (as the requirement text is written): every character
    differs in script or a reading is missing, and the match is still found."""
    raw = "會議強調,要學(xué)習(xí)貫(guàn)徹(chè)會(huì)議(yì)精(jīng)神(shén)。"
    match = nearest_match(raw, "学习贯彻会议精神")
    assert match is not None
    assert raw[match.start : match.end] == "學(xué)習(xí)貫(guàn)徹(chè)會(huì)議(yì)精(jīng)神"
    assert match.differences == 6 + 7  # six script variants, seven readings
    assert (match.first.quote_has, match.first.raw_has) == ("学", "學")


def test_a_run_of_missing_characters_is_shown_together() -> None:
    message = _validate_message("县长李青山主持讲话。")
    assert message is not None
    assert "the raw text has '会议并' (U+4F1A, U+8BAE, U+5E76), which the quote lacks" in message
