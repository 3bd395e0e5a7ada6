"""`covidmeet-ds anchor`: fills and repairs offsets, keeps the file's text, refuses to guess."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from covidmeet_ds.anchor import anchor_text
from covidmeet_ds.cli import main
from covidmeet_ds.validate import validate_corpus

from .conftest import REPO, tree_snapshot

RAW = "会议强调,要做好防控。\n要做好防控。会议要求,各地要严防输入。"


def test_fills_offsets_and_keeps_comments_and_layout() -> None:
    text = "# keep me\nitems:\n  - evidence:\n      quote: 各地要严防输入。  # mine\n"
    result = anchor_text(text, RAW)
    assert result.problems == [] and result.anchored == 1
    assert result.text == (
        "# keep me\nitems:\n  - evidence:\n      quote: 各地要严防输入。  # mine\n"
        "      start: 23\n      end: 31\n"
    )
    assert RAW[23:31] == "各地要严防输入。"


def test_flow_mappings_and_block_scalars() -> None:
    text = 'a: {quote: "会议强调"}\nb:\n  quote: |-\n    防控。\n    要做好\n'
    result = anchor_text(text, RAW)
    assert result.problems == []
    assert 'a: {quote: "会议强调", start: 0, end: 4}' in result.text
    assert "    要做好\n  start: 8\n  end: 15\n" in result.text


def test_repairs_offsets_to_the_nearest_occurrence() -> None:
    result = anchor_text("e:\n  quote: 要做好防控。\n  start: 13\n  end: 99\n", RAW)
    assert (result.repaired, result.problems) == (1, [])
    assert "start: 12\n  end: 18" in result.text


def test_refuses_ambiguous_and_missing_quotes() -> None:
    ambiguous = anchor_text("e:\n  quote: 要做好防控。\n", RAW)
    assert "occurs 2 times" in ambiguous.problems[0][1]
    missing = anchor_text("e:\n  quote: 要做好防疫。\n", RAW)
    assert "not found" in missing.problems[0][1]
    assert ambiguous.text == "e:\n  quote: 要做好防控。\n"


def test_gold_annotations_are_fully_anchored(repo_copy: Path) -> None:
    before = tree_snapshot(repo_copy)
    assert main(["anchor", "--root", str(repo_copy)]) == 0
    assert tree_snapshot(repo_copy) == before


def test_anchor_repairs_a_stripped_gold_file(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo_copy / "annotations/hand/netease-shandong-nhc-teleconference.yaml"
    original = path.read_text(encoding="utf-8")
    stripped = "".join(
        line
        for line in original.splitlines(keepends=True)
        if not line.lstrip().startswith(("start:", "end:"))
    )
    path.write_text(stripped, encoding="utf-8")
    assert validate_corpus(repo_copy) != []
    assert main(["anchor", "--root", str(repo_copy), str(path)]) == 0
    assert "anchored" in capsys.readouterr().out
    assert path.read_text(encoding="utf-8") == original
    assert validate_corpus(repo_copy) == []
    assert (REPO / "annotations/hand" / path.name).read_text(encoding="utf-8") == original


# --- requirement text derived from the quote -------------------------------------------------

TRADITIONAL = "青石縣召開會議。會議要求,各地要加強(qiáng)防控,嚴防輸入。\n要做好\n返鄉人員排查。"


def _requirement(quote: str, extra: str = "") -> str:
    return (
        "meetings:\n  - requirements:\n      - ordinal: null\n        section: null\n"
        f"{extra}        category: other\n        evidence:\n          quote: {quote}\n"
    )


def _texts(text: str) -> list[object]:
    data = yaml.safe_load(text)
    return [r.get("text") for m in data["meetings"] for r in m["requirements"]]


def test_derives_simplified_text_without_pinyin() -> None:
    result = anchor_text(_requirement("各地要加強(qiáng)防控,嚴防輸入。"), TRADITIONAL)
    assert result.problems == [] and result.derived == 1
    assert _texts(result.text) == ["各地要加强防控,严防输入。"]
    assert "        section: null\n        text: 各地要加强防控,严防输入。\n        category:" in (
        result.text
    )


def test_derived_text_drops_line_breaks_and_keeps_widths() -> None:
    raw = "会议要求，要做好\n  返乡人员排查（一）。"
    result = anchor_text(_requirement('"要做好\\n  返乡人员排查（一）。"'), raw)
    assert result.problems == [], result.problems
    assert _texts(result.text) == ["要做好返乡人员排查（一）。"]


def test_derived_text_drops_page_split_markers() -> None:
    pages = [
        "会议指出各地各部门要把疫情防控作为当前最重要的工作来抓紧抓实抓细切实落实属地责任部门"
        "责任单位责任和个人责任确保各项措施落到实处不留死角不留空白",
        "白之处要严格落实早发现早报告早隔离早治疗要求加强发热门诊管理做好病例排查和密切接触者"
        "追踪管理工作坚决防止疫情扩散蔓延确保人民群众生命安全和身体",
        "健康要加强物资保障统筹调配口罩防护服消毒液等防控物资优先保障一线医务人员需要严厉打击"
        "哄抬物价囤积居奇等违法行为维护市场秩序和社会大局稳定。",
    ]
    raw = "青石县召开疫情防控工作会议\n\n" + "\n\n".join(
        f"{i}、{page}" for i, page in enumerate(pages, 1)
    )
    quote = "确保人民群众生命安全和身体\n\n3、健康要加强物资保障"
    assert quote in raw
    result = anchor_text(_requirement('"' + quote.replace("\n", "\\n") + '"'), raw)
    assert result.problems == [], result.problems
    assert _texts(result.text) == ["确保人民群众生命安全和身体健康要加强物资保障"]


def test_a_written_text_is_never_overwritten() -> None:
    text = _requirement("各地要加強(qiáng)防控", "        text: 我写的\n")
    result = anchor_text(text, TRADITIONAL)
    assert result.derived == 0 and _texts(result.text) == ["我写的"]
    null_text = anchor_text(_requirement("各地要加強(qiáng)防控", "        text:\n"), TRADITIONAL)
    assert null_text.derived == 0 and _texts(null_text.text) == [None]


@pytest.mark.parametrize(
    ("raw", "quote_yaml", "expected"),
    [
        ("会议要求: 各地要防控 #1。", "'要求: 各地要防控 #1。'", "要求: 各地要防控 #1。"),
        ("说'要严防'输入", "\"'要严防'输入\"", "'要严防'输入"),
        ("- 要严防输入", '"- 要严防输入"', "- 要严防输入"),
        ('他说"要严防"', "'\"要严防\"'", '"要严防"'),
        ("[一]要严防输入", '"[一]要严防输入"', "[一]要严防输入"),
        ("要严防输入\u2028输出", '"要严防输入\\u2028输出"', "要严防输入\u2028输出"),
    ],
)
def test_derived_text_is_escaped_as_yaml_needs(raw: str, quote_yaml: str, expected: str) -> None:
    result = anchor_text(_requirement(quote_yaml), raw)
    assert result.problems == [], result.problems
    assert _texts(result.text) == [expected]


def test_derived_text_in_flow_mappings_sequence_items_and_crlf() -> None:
    flow = (
        "meetings:\n- requirements:\n  - {ordinal: null, section: null, category: other, "
        "evidence: {quote: '各地要加強(qiáng)防控,嚴防輸入'}}\n"
    )
    result = anchor_text(flow, TRADITIONAL)
    assert result.problems == [] and _texts(result.text) == ["各地要加强防控,严防输入"]
    assert '{ordinal: null, section: null, text: "各地要加强防控,严防输入", category:' in (
        result.text
    )
    first_key = "meetings:\n  - requirements:\n      - evidence:\n          quote: 返鄉人員排查。\n"
    result = anchor_text(first_key.replace("\n", "\r\n"), TRADITIONAL)
    assert result.problems == [] and _texts(result.text) == ["返乡人员排查。"]
    assert result.text.startswith(
        "meetings:\r\n  - requirements:\r\n      - text: 返乡人员排查。\r\n        evidence:\r\n"
    )
    assert "\n" not in result.text.replace("\r\n", "")


def test_nothing_left_to_derive_is_a_problem() -> None:
    result = anchor_text(_requirement("(qiáng)"), TRADITIONAL)
    assert result.derived == 0 and result.text == _requirement("(qiáng)")
    assert "cannot derive the requirement's text" in result.problems[0][1]
    assert result.problems[0][0] == ("meetings", 0, "requirements", 0, "evidence", "quote")


def test_only_requirements_get_a_text() -> None:
    text = "meetings:\n  - evidence:\n      quote: 青石縣召開會議\n    speakers: []\n"
    result = anchor_text(text, TRADITIONAL)
    assert result.derived == 0 and "text:" not in result.text


def test_gold_texts_are_derived_back_exactly(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every requirement of the gold annotations (Traditional, pinyin and page-split reports
    among them) gets back the text the annotator wrote, and with it the file byte for byte."""
    originals = {}
    for path in sorted((repo_copy / "annotations/hand").glob("*.yaml")):
        originals[path] = path.read_text(encoding="utf-8")
        kept = [
            line
            for line in originals[path].splitlines(keepends=True)
            if not line.startswith("        text: ")
        ]
        path.write_text("".join(kept), encoding="utf-8")
    assert main(["anchor", "--root", str(repo_copy)]) == 0
    out = capsys.readouterr().out
    assert "derived text «" in out
    for path, original in originals.items():
        assert path.read_text(encoding="utf-8") == original, path.name
    assert validate_corpus(repo_copy) == []


# --- stale offsets: which occurrence, or a refusal -------------------------------------------


def _stale(quote: str, start: int, end: int | None = None) -> str:
    end_line = "" if end is None else f"  end: {end}\n"
    return f"e:\n  quote: {quote}\n  start: {start}\n{end_line}"


def _spaced(quote: str, starts: list[int], length: int) -> str:
    """A text of ``length`` filler characters with ``quote`` at each of ``starts``."""
    text = list("丁" * length)
    for start in starts:
        text[start : start + len(quote)] = quote
    return "".join(text)


def test_a_clearly_nearest_occurrence_is_chosen_and_said() -> None:
    raw = _spaced("严防输入", [10, 80, 300], 400)
    result = anchor_text(_stale("严防输入", 84, 88), raw)
    assert result.problems == [] and result.repaired == 1
    assert "start: 80\n  end: 84\n" in result.text
    assert result.notes == [
        (("e", "quote"), "repaired: chose occurrence 2 of 3 at 80 (nearest to the stale start 84)")
    ]


@pytest.mark.parametrize(
    ("starts", "stale", "why"),
    [
        ([10, 50], 30, "the stale start 30 is equally near 10 and 50"),
        ([10, 50], 28, "the stale start 28 is not clearly nearer to 10 (18 characters) than to 50"),
        ([0, 2000], 300, "the stale start 300 is far from all of them (300 characters"),
        ([0, 1000], 101, "the stale start 101 is far from all of them (101 characters"),
    ],
)
def test_an_unclear_choice_is_refused(starts: list[int], stale: int, why: str) -> None:
    raw = _spaced("严防输入", starts, 2100)
    text = _stale("严防输入", stale, stale + 4)
    result = anchor_text(text, raw)
    assert result.text == text and result.repaired == 0
    [(loc, message)] = result.problems
    assert loc == ("e", "quote")
    places = ", ".join(str(s) for s in starts)
    assert message.startswith(f"ambiguous quote: it occurs 2 times (at {places}); {why}"), message
    assert message.endswith("write the start of the one you mean")


def test_far_is_measured_by_the_quote_when_it_is_longer() -> None:
    quote = "严防输入" * 40  # 160 characters: a stale start 150 away is still near
    raw = _spaced(quote, [0, 1000], 1300)
    result = anchor_text(_stale(quote, 150), raw)
    assert result.problems == []
    assert yaml.safe_load(result.text)["e"] == {"quote": quote, "start": 0, "end": len(quote)}


def test_the_stale_start_itself_keeps_its_occurrence() -> None:
    raw = _spaced("严防输入", [10, 14, 300], 400)
    result = anchor_text(_stale("严防输入", 14, 99), raw)
    assert result.problems == [] and "start: 14\n  end: 18\n" in result.text
    assert "kept occurrence 2 of 3 at 14" in result.notes[0][1]


def test_the_shift_of_other_repaired_quotes_decides() -> None:
    """Text inserted at the top moved every quote by 300: a quote that occurs once shows the
    shift, and the repeated quote follows it even though another occurrence is nearer."""
    raw = _spaced("严防输入", [120, 500], 900)
    raw = raw[:700] + "青石县召开会议" + raw[707:]
    text = "a:\n  quote: 青石县召开会议\n  start: 400\n  end: 407\n" + _stale("严防输入", 200, 204)
    result = anchor_text(text, raw)
    assert result.problems == [] and result.repaired == 2
    assert "start: 500\n  end: 504\n" in result.text
    assert result.notes[1][1] == (
        "repaired: chose occurrence 2 of 2 at 500 (the stale start 200 shifted by +300, "
        "as 1 other repaired quote was)"
    )


def test_several_occurrences_fitting_the_shifts_are_refused() -> None:
    raw = _spaced("严防输入", [100, 400], 900)
    raw = raw[:600] + "青石县" + raw[603:700] + "李青山" + raw[703:]
    text = (
        "a:\n  quote: 青石县\n  start: 500\n  end: 503\n"  # moved by +100
        "b:\n  quote: 李青山\n  start: 300\n  end: 303\n"  # moved by +400
        + _stale("严防输入", 0, 4)
    )
    result = anchor_text(text, raw)
    [(_, message)] = result.problems
    assert "the shifts of other repaired quotes lead from the stale start 0 to 100, 400" in message
    assert result.text == text


# --- the command on a corpus -----------------------------------------------------------------

BASE_HAND = "annotations/hand/cri-hubei-provincial-teleconference.yaml"
LEVEL_QUOTE = (
    "        quote: 全省疫情防控工作电视电话会议上\n        start: 313\n        end: 328\n"
)


def test_cli_says_what_it_chose_and_derived(
    base_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = base_corpus / BASE_HAND
    original = path.read_text(encoding="utf-8")
    assert LEVEL_QUOTE in original
    stale = LEVEL_QUOTE.replace("会议上", "会议").replace("313", "316").replace("328", "330")
    edited = original.replace(LEVEL_QUOTE, stale)
    edited = "".join(
        line for line in edited.splitlines(keepends=True) if not line.startswith("        text: ")
    )
    path.write_text(edited, encoding="utf-8")
    assert main(["anchor", "--root", str(base_corpus)]) == 0
    out = capsys.readouterr().out.splitlines()
    name = BASE_HAND
    assert out[0] == f"{name}: anchored 0, repaired 1, derived 2 requirement text(s)"
    assert (
        f"{name}:30:9: meetings[0].level.evidence.quote: repaired: chose occurrence 2 of 2 at 313 "
        "(nearest to the stale start 316)"
    ) in out
    assert any(
        line.startswith(f"{name}:") and "requirements[1].text: derived text «要严格执行值班" in line
        for line in out
    ), out
    assert path.read_text(encoding="utf-8") == original.replace(
        LEVEL_QUOTE, LEVEL_QUOTE.replace("会议上", "会议").replace("328", "327")
    )
    assert validate_corpus(base_corpus) == []


def test_cli_refuses_an_unclear_stale_offset_and_writes_nothing(
    base_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = base_corpus / BASE_HAND
    original = path.read_text(encoding="utf-8")
    stale = LEVEL_QUOTE.replace("会议上", "会议").replace("313", "246").replace("328", "260")
    path.write_text(original.replace(LEVEL_QUOTE, stale), encoding="utf-8")
    before = tree_snapshot(base_corpus)
    assert main(["anchor", "--root", str(base_corpus)]) == 1
    out = capsys.readouterr().out.strip()
    assert out == (
        f"{BASE_HAND}:30:9: meetings[0].level.evidence.quote: ambiguous quote: it occurs 2 times "
        "(at 180, 313); the stale start 246 is not clearly nearer to 180 (66 characters) than to "
        "313 (67); write the start of the one you mean"
    )
    assert tree_snapshot(base_corpus) == before
