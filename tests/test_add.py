"""`covidmeet-ds add`: reports into raw/ byte for byte, manifest entries, duplicates refused.

Every report text here is written for these tests (invented places and people); the seed
reports are used only as the corpus a report is added to, and as the report a near-duplicate
copies.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from covidmeet_ds import add as add_module
from covidmeet_ds.add import AddOptions, add_reports, appended_manifest, first_line_title
from covidmeet_ds.build import build
from covidmeet_ds.build.splits import NEAR_DUPLICATE, assign
from covidmeet_ds.cli import main
from covidmeet_ds.corpus import parse_yaml
from covidmeet_ds.models import Annotation, Manifest, ManifestEntry
from covidmeet_ds.predictions import split_assignments
from covidmeet_ds.problems import Problem
from covidmeet_ds.validate import validate_corpus

from .conftest import REPO, tree_snapshot

COUNTY = (
    "青禾县召开疫情防控工作调度会\n\n"
    "3月2日上午，青禾县召开疫情防控工作调度会，县委书记王立新主持会议并讲话。"
    "会议要求，一是严格落实核酸检测，二是加强重点人员管控。\n"
)
CITY = (
    "临川市新冠肺炎疫情防控指挥部召开第十二次全体会议\n\n"
    "2020年2月14日下午，临川市新冠肺炎疫情防控指挥部召开第十二次全体会议，市长陈思远出席会议"
    "并作部署。会议指出，当前全市复工复产进入关键阶段，各级各部门务必压实属地责任，抓好企业员工"
    "返岗健康监测，做好交通卡口体温筛查，确保物资储备充足。\n"
)
TOWN_TRADITIONAL = (
    "嶺南鎮召開疫情防控專題會議\n\n"
    "1月28日晚，嶺南鎮黨委召開疫情防控專題會議，鎮黨委書記林振邦主持。會議強調，要全面排查返鄉"
    "人員，嚴格落實居家隔離措施，加強農貿市場消毒和宣傳引導工作，確保群眾過一個平安祥和的春節。\n"
)
TOWNSHIP = (
    "白沙乡召开春节期间疫情防控部署会\n\n"
    "1月25日，白沙乡召开春节期间疫情防控部署会，乡长赵明远传达了上级会议精神。会上，各村支部书记"
    "汇报了外出返乡人员登记情况。会议强调，要取消各类聚集性活动，村口设卡劝返外来车辆，对发热人员"
    "第一时间上报卫生院。\n"
)
DISTRICT = (
    "江北区召开疫苗接种推进会\n\n"
    "2021年5月10日，江北区召开新冠病毒疫苗接种工作推进会，区委副书记孙海峰出席并讲话。他要求，"
    "各街道要科学设置接种点位，优化预约流程，做好接种后留观，确保群众接种安全有序。\n"
)
WEATHER = "今天天气晴朗，公园里的花开得正好，很多市民带着孩子出门踏青。\n"
SEED = "002_e40f8632191833bd.txt"
SEED_ID = "cri-hubei-provincial-teleconference"


def _manifest(root: Path) -> list[ManifestEntry]:
    text = (root / "raw" / "manifest.yaml").read_text(encoding="utf-8")
    return Manifest.model_validate(parse_yaml(text).data).documents


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def _add(capsys: pytest.CaptureFixture, root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["add", "--root", str(root), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "inputs"
    folder.mkdir()
    return folder


def test_the_test_reports_are_no_near_duplicates_of_each_other_or_the_seeds() -> None:
    seeds = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted((REPO / "raw").glob("*.txt"))]
    mine = [COUNTY, CITY, TOWN_TRADITIONAL, TOWNSHIP, DISTRICT, WEATHER]
    assignments = assign([*seeds, *((f"t{i}", t) for i, t in enumerate(mine))])
    assert all(a.group == a.doc_id for a in assignments[len(seeds) :])


# --- a text file ---------------------------------------------------------------------------


def test_a_text_file_is_copied_byte_for_byte_with_its_manifest_entry(
    repo_copy: Path, inputs: Path, capsys: pytest.CaptureFixture
) -> None:
    source = _write(inputs, "qinghe.txt", COUNTY.replace("\n", "\r\n"))  # CRLF bytes stay CRLF
    before_text = (repo_copy / "raw" / "manifest.yaml").read_text(encoding="utf-8")
    before = _manifest(repo_copy)

    code, out, err = _add(
        capsys,
        repo_copy,
        str(source),
        "--published",
        "2020-03-03",
        "--source-url",
        "https://example.org/qinghe/1",
        "--source-site",
        "青禾发布",
    )

    assert code == 0, out + err
    data = source.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    after = _manifest(repo_copy)
    assert after[: len(before)] == before
    (entry,) = after[len(before) :]
    assert entry.doc_id == f"doc-{sha[:12]}"
    assert entry.file == f"{len(before):03d}_{sha[:16]}.txt"
    assert (repo_copy / "raw" / entry.file).read_bytes() == data
    assert entry.sha256 == sha
    assert entry.title == "青禾县召开疫情防控工作调度会"
    assert entry.source_site == "青禾发布"
    assert entry.source_url == "https://example.org/qinghe/1"
    assert entry.script == "simplified"
    assert entry.published == date(2020, 3, 3)
    assert entry.status == "unannotated"
    # the manifest was appended to: its comments and layout are the same text as before
    assert (repo_copy / "raw" / "manifest.yaml").read_text(encoding="utf-8").startswith(before_text)
    assert f"added {entry.doc_id}  raw/{entry.file}  unannotated" in out
    assert "title from line 1: 青禾县召开疫情防控工作调度会" in out
    assert validate_corpus(repo_copy) == []


def test_the_doc_id_and_file_are_stable_functions_of_the_bytes(
    repo_copy: Path, inputs: Path
) -> None:
    source = _write(inputs, "a.txt", CITY)
    first = add_reports(repo_copy, [source], AddOptions())
    assert first.problems == []
    plan = add_module.plan_additions(REPO, [source], AddOptions())  # the same bytes elsewhere
    assert plan.problems == []
    assert plan.added[0].entry.doc_id == first.added[0].entry.doc_id
    assert plan.added[0].entry.file == first.added[0].entry.file


def test_traditional_script_is_detected_as_normalise_does(repo_copy: Path, inputs: Path) -> None:
    result = add_reports(repo_copy, [_write(inputs, "ling.txt", TOWN_TRADITIONAL)], AddOptions())
    assert result.problems == []
    assert result.added[0].entry.script == "traditional"
    assert _manifest(repo_copy)[-1].script == "traditional"


def test_title_options_and_defaults(repo_copy: Path, inputs: Path) -> None:
    long_line = "关于" + "进一步做好疫情防控工作" * 12
    text = "\n \u3000\n  " + long_line + "  \n\n" + CITY
    result = add_reports(repo_copy, [_write(inputs, "long.txt", text)], AddOptions())
    assert result.problems == []
    item = result.added[0]
    assert item.entry.title == long_line[:100]
    assert f"title from line 3, first 100 of {len(long_line)} characters" in item.notes[0]
    assert first_line_title(" \n\t\n") is None

    given = add_reports(
        repo_copy, [_write(inputs, "t.txt", TOWNSHIP)], AddOptions(title="白沙乡部署春节防控")
    )
    assert given.problems == []
    assert given.added[0].entry.title == "白沙乡部署春节防控"
    assert given.added[0].notes == ()


@pytest.mark.parametrize(
    ("title", "message"),
    [("   ", "the title is blank"), ("第一行\n第二行", "the title is one line")],
)
def test_bad_titles_are_refused(repo_copy: Path, inputs: Path, title: str, message: str) -> None:
    before = tree_snapshot(repo_copy)
    result = add_reports(repo_copy, [_write(inputs, "t.txt", TOWNSHIP)], AddOptions(title=title))
    (problem,) = result.problems
    assert problem.field == "title"
    assert problem.message.startswith(message)
    assert tree_snapshot(repo_copy) == before


def test_a_text_of_blank_lines_only_has_no_title(repo_copy: Path, inputs: Path) -> None:
    result = add_reports(repo_copy, [_write(inputs, "b.txt", "\u3000\u3000\n")], AddOptions())
    assert [p.message for p in result.problems] == ["no line to take a title from: give --title"]


# --- refused inputs ------------------------------------------------------------------------


def _refused(capsys: pytest.CaptureFixture, root: Path, *args: str) -> tuple[list[dict], str]:
    before = tree_snapshot(root)
    code, out, err = _add(capsys, root, *args, "--format", "json")
    assert code == 1, out + err
    assert "nothing was added" in err
    assert tree_snapshot(root) == before, "a refused add must not write anything"
    return json.loads(out), err


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xef\xbb\xbf" + COUNTY.encode(), "file starts with a UTF-8 byte-order mark"),
        (COUNTY.encode("gb18030"), "not valid UTF-8: byte 0xc7 at byte offset 0; the file "),
        (COUNTY.encode("utf-16"), "file is UTF-16 LE, not UTF-8"),
        (CITY.encode()[:-3] + b"\xe5\x85", "not valid UTF-8"),
        (b"", "the text is empty"),
        (b" \n\t\r\n", "the text is empty"),
    ],
    ids=["bom", "gb18030", "utf16", "truncated", "empty", "blank"],
)
def test_a_text_validate_would_refuse_is_refused(
    repo_copy: Path, inputs: Path, capsys: pytest.CaptureFixture, data: bytes, message: str
) -> None:
    path = inputs / "bad.txt"
    path.write_bytes(data)
    problems, _ = _refused(capsys, repo_copy, str(path))
    assert [p["file"] for p in problems] == [str(path)]
    assert problems[0]["message"].startswith(message), problems


def test_gb18030_is_named(repo_copy: Path, inputs: Path) -> None:
    path = inputs / "gbk.txt"
    path.write_bytes(CITY.encode("gb18030"))
    (problem,) = add_reports(repo_copy, [path], AddOptions()).problems
    assert problem.message.endswith("the file looks like GB18030 (GBK): save it as UTF-8")


def test_files_that_are_not_regular_files_are_refused_without_waiting(
    repo_copy: Path, inputs: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    fifo = inputs / "pipe.txt"
    os.mkfifo(fifo)
    plain_folder = inputs / "folder"
    plain_folder.mkdir()
    missing = inputs / "missing.txt"
    problems, _ = _refused(capsys, repo_copy, str(fifo), str(plain_folder), str(missing))
    messages = {p["file"]: p["message"] for p in problems}
    assert messages[str(fifo)].startswith("not a regular file: it is a FIFO")
    assert messages[str(plain_folder)].startswith("not a crawl output folder (no crawl.json)")
    assert messages[str(missing)].startswith("cannot be read")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("pages.json", "not a text file: a JSON Lines file of records ends in .jsonl"),
        ("0.parquet", "not a text file: give the crawl's OUTPUT folder"),
        ("page.txt.gz", "not a text file: decompress it first"),
    ],
)
def test_files_that_are_no_report_text_are_refused_by_name(
    repo_copy: Path, inputs: Path, name: str, message: str
) -> None:
    (problem,) = add_reports(repo_copy, [_write(inputs, name, COUNTY)], AddOptions()).problems
    assert problem.message.startswith(message)


@pytest.mark.parametrize(
    "value",
    ["2020-3-3", "2020/03/03", "２０２０-03-03", "2020-02-30", "20200303", "2020-03-03T10:00"],
)
def test_a_bad_published_option_is_a_usage_error(
    repo_copy: Path, inputs: Path, capsys: pytest.CaptureFixture, value: str
) -> None:
    before = tree_snapshot(repo_copy)
    source = _write(inputs, "a.txt", COUNTY)
    with pytest.raises(SystemExit) as stopped:
        main(["add", "--root", str(repo_copy), str(source), "--published", value])
    assert stopped.value.code == 2
    assert "--published" in capsys.readouterr().err
    assert tree_snapshot(repo_copy) == before


def test_a_publication_date_in_the_future_is_refused(repo_copy: Path, inputs: Path) -> None:
    tomorrow = date.today() + timedelta(days=1)
    result = add_reports(
        repo_copy, [_write(inputs, "a.txt", COUNTY)], AddOptions(published=tomorrow)
    )
    assert [(p.field, p.message) for p in result.problems] == [
        ("published", f"published {tomorrow} is in the future")
    ]


@pytest.mark.parametrize(
    ("doc_id", "message"),
    [
        ("Qinghe", "String should match pattern"),
        ("qinghe_county", "String should match pattern"),
        ("qinghe--county", "String should match pattern"),
        ("-qinghe", "String should match pattern"),
        ("青禾", "String should match pattern"),
        ("a" * 81, "String should have at most 80 characters"),
        (SEED_ID, f"doc_id {SEED_ID!r} is taken by raw/{SEED}"),
    ],
)
def test_bad_and_taken_doc_ids_are_refused(
    repo_copy: Path, inputs: Path, capsys: pytest.CaptureFixture, doc_id: str, message: str
) -> None:
    source = _write(inputs, "a.txt", COUNTY)
    problems, _ = _refused(capsys, repo_copy, str(source), f"--doc-id={doc_id}")
    assert [p["field"] for p in problems] == ["doc_id"]
    assert problems[0]["message"].startswith(message), problems


def test_a_given_doc_id_is_used(repo_copy: Path, inputs: Path) -> None:
    result = add_reports(
        repo_copy, [_write(inputs, "a.txt", COUNTY)], AddOptions(doc_id="qinghe-county-2020")
    )
    assert result.problems == []
    assert _manifest(repo_copy)[-1].doc_id == "qinghe-county-2020"


@pytest.mark.parametrize("url", ["example.org/a", "ftp://example.org/a", "https://a b"])
def test_a_bad_source_url_is_refused(repo_copy: Path, inputs: Path, url: str) -> None:
    result = add_reports(repo_copy, [_write(inputs, "a.txt", COUNTY)], AddOptions(source_url=url))
    assert [p.field for p in result.problems] == ["source_url"]


def test_per_report_options_need_exactly_one_report(
    repo_copy: Path, inputs: Path, capsys: pytest.CaptureFixture
) -> None:
    a, b = _write(inputs, "a.txt", COUNTY), _write(inputs, "b.txt", CITY)
    problems, _ = _refused(capsys, repo_copy, str(a), str(b), "--title", "同一个标题")
    assert problems[0]["file"] == "--title"
    assert "describe(s) one report, but 2 are given" in problems[0]["message"]


def test_an_input_inside_raw_is_refused(repo_copy: Path, capsys: pytest.CaptureFixture) -> None:
    inside = repo_copy / "raw" / "new.txt"
    inside.write_text(COUNTY, encoding="utf-8")
    code, out, _ = _add(capsys, repo_copy, str(inside))
    assert code == 1
    assert "is inside raw/: add copies the report into raw/ itself" in out
    assert [e.file for e in _manifest(repo_copy)] == [e.file for e in _manifest(REPO)]


def test_a_corpus_that_does_not_validate_gets_nothing_added(
    repo_copy: Path, inputs: Path, capsys: pytest.CaptureFixture
) -> None:
    (repo_copy / "raw" / SEED).write_bytes(b"changed")
    problems, err = _refused(capsys, repo_copy, str(_write(inputs, "a.txt", COUNTY)))
    assert "(the corpus does not validate)" in err
    assert any("raw files are immutable" in p["message"] for p in problems)


# --- duplicates ---------------------------------------------------------------------------


def test_an_exact_duplicate_of_a_corpus_report_is_refused_naming_it(
    repo_copy: Path, inputs: Path, capsys: pytest.CaptureFixture
) -> None:
    copy = inputs / "copy.txt"
    copy.write_bytes((REPO / "raw" / SEED).read_bytes())
    problems, _ = _refused(capsys, repo_copy, str(copy), "--allow-near-duplicate")
    assert [p["message"] for p in problems] == [
        f"already in the corpus: the same bytes as {SEED_ID} (raw/{SEED})"
    ]


@pytest.mark.parametrize(
    "change",
    [
        lambda text: "转载自某某网站\n" + text,  # another header line
        lambda text: text.replace("\n", "\r\n"),  # other line endings: other bytes, same text
        lambda text: text + "\n（责任编辑：张某）\n",  # a byline added at the end
    ],
    ids=["header", "crlf", "byline"],
)
def test_a_near_duplicate_of_a_corpus_report_is_refused_naming_it(
    repo_copy: Path, inputs: Path, capsys: pytest.CaptureFixture, change
) -> None:
    seed = (REPO / "raw" / SEED).read_text(encoding="utf-8")
    source = _write(inputs, "repost.txt", change(seed))
    problems, _ = _refused(capsys, repo_copy, str(source))
    (problem,) = problems
    assert problem["message"].startswith(f"near-duplicate of {SEED_ID} (raw/{SEED}): estimated")
    assert f"the split grouping's {NEAR_DUPLICATE}" in problem["message"]


def test_a_traditional_copy_of_an_added_report_is_a_near_duplicate(
    repo_copy: Path, inputs: Path
) -> None:
    from covidmeet_ds.text import to_traditional

    first = add_reports(repo_copy, [_write(inputs, "a.txt", CITY)], AddOptions())
    assert first.problems == []
    doc_id = first.added[0].entry.doc_id
    again = add_reports(repo_copy, [_write(inputs, "b.txt", to_traditional(CITY))], AddOptions())
    (problem,) = again.problems
    assert problem.message.startswith(f"near-duplicate of {doc_id} (raw/")


def test_allow_near_duplicate_adds_it_to_the_group_and_split_of_the_other(
    repo_copy: Path, inputs: Path, capsys: pytest.CaptureFixture
) -> None:
    seed = (REPO / "raw" / SEED).read_text(encoding="utf-8")
    source = _write(inputs, "repost.txt", "转载自某某网站\n" + seed)
    code, out, err = _add(capsys, repo_copy, str(source), "--allow-near-duplicate")
    assert code == 0, out + err
    entry = _manifest(repo_copy)[-1]
    assert f"near-duplicate of {SEED_ID} (raw/{SEED})" in out
    assert f"joins its group {SEED_ID!r}" in out
    splits = split_assignments(repo_copy)
    assert splits[entry.doc_id] == splits[SEED_ID]
    assert validate_corpus(repo_copy) == []


def test_duplicates_within_one_call_are_refused_naming_the_other_input(
    repo_copy: Path, inputs: Path, capsys: pytest.CaptureFixture
) -> None:
    a = _write(inputs, "a.txt", TOWNSHIP)
    b = _write(inputs, "b.txt", TOWNSHIP)
    c = _write(inputs, "c.txt", "白沙乡政府网站\n" + TOWNSHIP)
    problems, _ = _refused(capsys, repo_copy, str(a), str(b), str(c))
    messages = {p["file"]: p["message"] for p in problems}
    assert set(messages) == {str(b), str(c)}
    assert messages[str(b)] == f"the same bytes as {a}, added once"
    assert messages[str(c)].startswith(f"near-duplicate of {a}: estimated similarity")


def test_duplicate_records_are_located_by_their_line(repo_copy: Path, inputs: Path) -> None:
    path = _jsonl(inputs, "p.jsonl", [{"id": "a", "text": CITY}, "", {"id": "b", "text": CITY}])
    (problem,) = add_reports(repo_copy, [path], AddOptions()).problems
    assert (problem.file, problem.line) == (str(path), 3)
    assert problem.message == f"the same bytes as {path}:1 (id 'a'), added once"


# --- JSON Lines --------------------------------------------------------------------------


def _jsonl(folder: Path, name: str, lines: list) -> Path:
    text = "".join(
        (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n"
        for line in lines
    )
    return _write(folder, name, text)


def test_records_of_a_jsonl_file_become_documents(
    repo_copy: Path, inputs: Path, capsys: pytest.CaptureFixture
) -> None:
    path = _jsonl(
        inputs,
        "pages.jsonl",
        [
            {
                "id": "p1",
                "text": CITY,
                "published": "2020-02-15",
                "title": "临川市防控指挥部召开全体会议",
                "source_url": "https://example.org/linchuan/12",
            },
            "",
            {"id": 2, "text": DISTRICT, "doc_id": "jiangbei-vaccination"},
        ],
    )
    before = len(_manifest(repo_copy))
    code, out, err = _add(capsys, repo_copy, str(path), "--source-site", "临川新闻网")
    assert code == 0, out + err
    first, second = _manifest(repo_copy)[before:]
    assert (repo_copy / "raw" / first.file).read_bytes() == CITY.encode("utf-8")
    assert (first.title, first.source_site, first.published) == (
        "临川市防控指挥部召开全体会议",
        "临川新闻网",
        date(2020, 2, 15),
    )
    assert first.source_url == "https://example.org/linchuan/12"
    assert (second.doc_id, second.published, second.source_url, second.source_site) == (
        "jiangbei-vaccination",
        None,
        None,
        "临川新闻网",  # the option fills what a record leaves out
    )
    assert first.file.startswith(f"{before:03d}_") and second.file.startswith(f"{before + 1:03d}_")
    assert f"({path}:1 (id 'p1'))" in out and f"({path}:3 (id '2'))" in out
    assert validate_corpus(repo_copy) == []


def test_text_key_names_the_text_field(repo_copy: Path, inputs: Path) -> None:
    path = _jsonl(inputs, "pages.jsonl", [{"url_id": "x", "body": COUNTY, "date": "2020-03-03"}])
    options = AddOptions(text_key="body", id_key="url_id", published_key="date")
    result = add_reports(repo_copy, [path], options)
    assert result.problems == []
    assert result.added[0].entry.published == date(2020, 3, 3)


@pytest.mark.parametrize(
    ("line", "column", "field", "message"),
    [
        ('{"text": "会议", ', 16, "", "not JSON: Expecting property name"),
        ('["会议"]', 1, "", "not a record: a JSON object is expected"),
        ('{"text": "a", "text": "b"}', 1, "", "not a record: duplicate key 'text'"),
        ('{"text": "a", "n": NaN}', 1, "", "not a record: NaN is not a JSON number"),
        ('{"body": "会议"}', 1, "", "unknown field(s) 'body'; a record has"),
        ('{"id": 1}', 1, "", "no 'text' field (the report's text)"),
        ('{"text": 12}', 1, "text", "'text' must be a string"),
        ('{"text": "  \\n"}', 1, "text", "the text is empty"),
        ('{"text": "\\ufeff会议召开"}', 1, "text", "file starts with a UTF-8 byte-order mark"),
        ('{"text": "会议\\ud800"}', 1, "text", "character 3 is a lone surrogate (U+D800)"),
        ('{"text": "会议", "published": "2020/3/2"}', 1, "published", "'2020/3/2' is not a date"),
        ('{"text": "会议", "published": 20200302}', 1, "published", "20200302 is not a date"),
        ('{"text": "会议", "title": ""}', 1, "title", "the title is blank"),
        ('{"text": "会议", "doc_id": "A_1"}', 1, "doc_id", "String should match pattern"),
        ('{"text": "会议", "source_url": "www.x.org"}', 1, "source_url", "String should match"),
    ],
)
def test_bad_records_are_refused_with_their_line(
    repo_copy: Path,
    inputs: Path,
    capsys: pytest.CaptureFixture,
    line: str,
    column: int,
    field: str,
    message: str,
) -> None:
    good = {"id": "ok", "text": COUNTY}
    path = _jsonl(inputs, "pages.jsonl", [good, "", line])
    problems, _ = _refused(capsys, repo_copy, str(path))
    (problem,) = problems
    assert problem["file"].startswith(f"{path}") and problem["line"] == 3
    assert (problem["column"], problem["field"]) == (column, field)
    assert problem["message"].startswith(message), problem


def test_a_record_contradicting_an_option_is_refused(repo_copy: Path, inputs: Path) -> None:
    path = _jsonl(inputs, "p.jsonl", [{"text": COUNTY, "published": "2020-03-03"}])
    result = add_reports(repo_copy, [path], AddOptions(published=date(2020, 3, 4)))
    (problem,) = result.problems
    assert problem.field == "published"
    assert "the input gives published '2020-03-03' but --published says '2020-03-04'" in (
        problem.message
    )
    same = add_reports(repo_copy, [path], AddOptions(published=date(2020, 3, 3)))
    assert same.problems == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "holds no records"),
        (b"\n\n", "holds no records"),
        (b"\xef\xbb\xbf{}\n", "file starts with a UTF-8 byte-order mark"),
        ('{"text": "会议"}\n'.encode("gb18030"), "not valid UTF-8"),
    ],
)
def test_bad_jsonl_files_are_refused(
    repo_copy: Path, inputs: Path, data: bytes, message: str
) -> None:
    path = inputs / "p.jsonl"
    path.write_bytes(data)
    (problem,) = add_reports(repo_copy, [path], AddOptions()).problems
    assert problem.message.startswith(message)


# --- a crawl's output --------------------------------------------------------------------


def test_pages_a_crawl_kept_become_documents(
    repo_copy: Path, tmp_path: Path, inputs: Path, capsys: pytest.CaptureFixture
) -> None:
    pytest.importorskip("datatrove")
    crawl_input = _jsonl(
        inputs,
        "crawl.jsonl",
        [
            {"id": "a", "text": CITY, "published": "2020-02-15"},
            {"id": "b", "text": WEATHER, "published": "2020-02-15"},
            {"id": "c", "text": TOWNSHIP},
        ],
    )
    output = tmp_path / "crawled"
    code = main(["crawl", str(crawl_input), str(output), "--tasks", "1", "--progress", "never"])
    capsys.readouterr()
    assert code == 0
    rows = [
        r for p in sorted((output / "data").glob("*.parquet")) for r in pq.read_table(p).to_pylist()
    ]
    kept = {row["id"]: row for row in rows}
    assert "b" not in kept and {"a", "c"} <= set(kept)  # the weather page was dropped

    before = len(_manifest(repo_copy))
    code, out, err = _add(capsys, repo_copy, str(output))
    assert code == 0, out + err
    added = _manifest(repo_copy)[before:]
    by_text = {(repo_copy / "raw" / e.file).read_text(encoding="utf-8"): e for e in added}
    assert set(by_text) == {kept[i]["raw_text"] for i in kept}
    assert by_text[CITY].published == date(2020, 2, 15)
    assert by_text[TOWNSHIP].published is None
    assert by_text[CITY].title == CITY.split("\n")[0]
    assert validate_corpus(repo_copy) == []

    again = add_reports(repo_copy, [output], AddOptions())  # every page is in the corpus now
    assert len(again.problems) == len(kept)
    assert all(p.message.startswith("already in the corpus") for p in again.problems)


def test_a_crawl_output_in_the_crawl_schema_built_by_hand(repo_copy: Path, tmp_path: Path) -> None:
    import pyarrow as pa

    output = tmp_path / "out"
    (output / "data").mkdir(parents=True)
    (output / "crawl.json").write_text("{}", encoding="utf-8")
    table = pa.table(
        {
            "id": ["x1", "x2"],
            "published": pa.array([date(2021, 5, 11), None], pa.date32()),
            "raw_text": [DISTRICT, "\ufeff" + COUNTY],
        }
    )
    pq.write_table(table, output / "data" / "00000.parquet")
    (problem,) = add_reports(repo_copy, [output], AddOptions()).problems
    assert (problem.file, problem.line) == (f"{output / 'data' / '00000.parquet'}#1", 1)
    assert problem.message.startswith("file starts with a UTF-8 byte-order mark")

    pq.write_table(table.slice(0, 1), output / "data" / "00000.parquet")
    result = add_reports(repo_copy, [output], AddOptions())
    assert result.problems == []
    assert result.added[0].entry.published == date(2021, 5, 11)

    pq.write_table(pa.table({"id": ["y"], "text": [COUNTY]}), output / "data" / "00001.parquet")
    (problem,) = add_reports(repo_copy, [output], AddOptions()).problems
    assert problem.message == "not a crawl output file: no column(s) published, raw_text"


# --- all or nothing ----------------------------------------------------------------------


def test_one_bad_report_stops_every_report_of_the_call(
    repo_copy: Path, inputs: Path, capsys: pytest.CaptureFixture
) -> None:
    good = _write(inputs, "good.txt", COUNTY)
    bad = inputs / "bad.txt"
    bad.write_bytes(CITY.encode("gb18030"))
    records = _jsonl(inputs, "r.jsonl", [{"text": TOWNSHIP}, {"text": DISTRICT, "x": 1}])
    problems, _ = _refused(capsys, repo_copy, str(good), str(bad), str(records))
    assert {p["file"] for p in problems} == {str(bad), str(records)}


def test_a_problem_found_after_writing_undoes_everything(
    repo_copy: Path, inputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import covidmeet_ds.validate as validate_module

    before = tree_snapshot(repo_copy)
    real = validate_module.validate_corpus
    calls = []

    def second_call_fails(root, paths=()):
        calls.append(root)
        if len(calls) == 1:
            return real(root, paths)
        assert (repo_copy / "raw" / "manifest.yaml").read_text("utf-8") != ""
        return [Problem("raw/manifest.yaml", 1, 1, "", "found after writing")]

    monkeypatch.setattr(validate_module, "validate_corpus", second_call_fails)
    paths = [_write(inputs, "a.txt", COUNTY), _write(inputs, "b.txt", CITY)]
    result = add_reports(repo_copy, paths, AddOptions())
    assert [p.message for p in result.problems] == ["found after writing"]
    assert len(calls) == 2
    assert tree_snapshot(repo_copy) == before


def test_a_write_that_fails_undoes_everything(
    repo_copy: Path, inputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree_snapshot(repo_copy)

    def disk_full(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(add_module, "write_text_atomic", disk_full)
    result = add_reports(repo_copy, [_write(inputs, "a.txt", COUNTY)], AddOptions())
    assert [(p.file, p.message) for p in result.problems] == [
        ("raw/manifest.yaml", "cannot be written: No space left on device")
    ]
    assert tree_snapshot(repo_copy) == before


def test_an_interrupted_add_undoes_everything(
    repo_copy: Path, inputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree_snapshot(repo_copy)
    real = add_module._create_file
    created = []

    def interrupted(path: Path, data: bytes) -> None:
        if created:
            raise KeyboardInterrupt
        real(path, data)
        created.append(path)

    monkeypatch.setattr(add_module, "_create_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        add_reports(
            repo_copy,
            [_write(inputs, "a.txt", COUNTY), _write(inputs, "b.txt", CITY)],
            AddOptions(),
        )
    assert created and not created[0].exists()
    assert tree_snapshot(repo_copy) == before


# --- the manifest's text -----------------------------------------------------------------


def _entry(doc_id: str, **changes) -> ManifestEntry:
    fields = {
        "doc_id": doc_id,
        "file": f"009_{doc_id}.txt",
        "sha256": "0" * 64,
        "title": "标题",
        "source_site": None,
        "source_url": None,
        "script": "simplified",
        "published": date(2020, 3, 3),
        "status": "unannotated",
    }
    return ManifestEntry.model_validate(fields | changes)


@pytest.mark.parametrize(
    "title",
    [
        "null",
        "true",
        "0246",
        "4:06",
        "- 列表",
        "#标题",
        "标题: 冒号",
        "'引号'",
        '"双引号"',
        "2020-03-03",
        "a\u2028b",
        "tab\there",
        "控制\x07字符",
        "\u0085下一行",
        "12e4",
        "0x1F",
        "1_000",
        "yes",
        "NULL",
        ".inf",
        " 前后空格 ",
        "[1, 2]",
        "{a: 1}",
        "&anchor *alias",
        "!tag",
        "%指令",
        "@at",
        "`反引号`",
        "~",
    ],
)
def test_any_title_reads_back_as_written(title: str) -> None:
    text = (REPO / "raw" / "manifest.yaml").read_text(encoding="utf-8")
    entry = _entry("x", title=title, source_site=title)
    result = appended_manifest(text, [entry])
    assert result.startswith(text)
    assert Manifest.model_validate(parse_yaml(result).data).documents[-1] == entry


def test_crlf_manifest_keeps_crlf_and_a_missing_final_newline_is_added() -> None:
    text = (REPO / "raw" / "manifest.yaml").read_text(encoding="utf-8").replace("\n", "\r\n")
    result = appended_manifest(text.removesuffix("\r\n"), [_entry("x")])
    assert "\n" not in result.replace("\r\n", "")
    assert Manifest.model_validate(parse_yaml(result).data).documents[-1] == _entry("x")


def test_an_empty_manifest_becomes_a_block_list() -> None:
    text = "# the corpus\ndocuments: []  # none yet\n"
    result = appended_manifest(text, [_entry("x"), _entry("y")])
    assert result.startswith("# the corpus\ndocuments:  # none yet\n  - doc_id: x\n")
    assert [e.doc_id for e in Manifest.model_validate(parse_yaml(result).data).documents] == [
        "x",
        "y",
    ]


def test_a_manifest_in_flow_style_is_refused_not_rewritten() -> None:
    from covidmeet_ds.corpus import InputError

    entry = _entry("a").model_dump(mode="json")
    text = "documents: [" + json.dumps(entry, ensure_ascii=False) + "]\n"
    with pytest.raises(InputError, match="flow style"):
        appended_manifest(text, [_entry("x")])


def test_other_indentations_are_followed() -> None:
    text = (
        "documents:\n- doc_id: a\n  file: 000_a.txt\n  sha256: " + "a1" * 32 + "\n  title: t\n"
        "  source_site: null\n  source_url: null\n  script: simplified\n  published: null\n"
        "  status: unannotated\n# trailing comment\n"
    )
    result = appended_manifest(text, [_entry("x")])
    assert "\n- doc_id: x\n  file: 009_x.txt\n" in result
    assert [e.doc_id for e in Manifest.model_validate(parse_yaml(result).data).documents] == [
        "a",
        "x",
    ]


def test_an_empty_corpus_gets_its_first_report(tmp_path: Path, inputs: Path) -> None:
    root = tmp_path / "fresh"
    (root / "raw").mkdir(parents=True)
    (root / "raw" / "manifest.yaml").write_text(
        "# yaml-language-server: $schema=../schema/manifest.schema.json\ndocuments: []\n",
        encoding="utf-8",
    )
    result = add_reports(root, [_write(inputs, "a.txt", COUNTY)], AddOptions())
    assert result.problems == []
    assert result.added[0].entry.file.startswith("000_")
    assert validate_corpus(root) == []


# --- the corpus grows: validate and build ------------------------------------------------


def test_build_publishes_the_added_unannotated_report(repo_copy: Path, inputs: Path) -> None:
    result = add_reports(
        repo_copy, [_write(inputs, "a.txt", COUNTY)], AddOptions(published=date(2020, 3, 3))
    )
    assert result.problems == []
    doc_id = result.added[0].entry.doc_id
    out = repo_copy.parent / "hf"
    build(repo_copy, out, progress=False)
    rows = {
        row["doc_id"]: row
        for path in sorted((out / "data" / "documents").glob("*.parquet"))
        for row in pq.read_table(path).to_pylist()
    }
    assert rows[doc_id]["raw_text"] == COUNTY
    assert rows[doc_id]["hand"] is None
    meetings = [
        row
        for path in sorted((out / "data" / "meetings").glob("*.parquet"))
        for row in pq.read_table(path).to_pylist()
    ]
    assert doc_id not in {row["doc_id"] for row in meetings}


# --- drafts ------------------------------------------------------------------------------


def test_draft_writes_a_draft_from_the_rules(
    repo_copy: Path, inputs: Path, capsys: pytest.CaptureFixture
) -> None:
    source = _write(inputs, "a.txt", COUNTY)
    code, out, err = _add(
        capsys,
        repo_copy,
        str(source),
        "--published",
        "2020-03-03",
        "--draft",
        "--annotated-by",
        "测试员",
    )
    assert code == 0, out + err
    entry = _manifest(repo_copy)[-1]
    assert entry.status == "draft"
    path = repo_copy / "annotations" / "draft" / f"{entry.doc_id}.yaml"
    assert f"draft annotations/draft/{entry.doc_id}.yaml" in out
    draft = Annotation.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert (draft.annotator, draft.stage, draft.doc_id) == ("hand", "draft", entry.doc_id)
    assert draft.raw_sha256 == entry.sha256
    assert draft.provenance.origin == "rules" and draft.provenance.annotated_by == "测试员"
    assert draft.provenance.reviewed_by is None
    (meeting,) = draft.meetings
    assert meeting.date.value == "2020-03-02"  # the year from --published
    assert meeting.speakers[0].name == "王立新"
    assert meeting.evidence.checked is False
    assert validate_corpus(repo_copy) == []
    assert not (repo_copy / "annotations" / "hand" / f"{entry.doc_id}.yaml").exists()

    out_dir = repo_copy.parent / "hf"
    build(repo_copy, out_dir, progress=False)
    rows = {
        row["doc_id"]: row
        for p in sorted((out_dir / "data" / "documents").glob("*.parquet"))
        for row in pq.read_table(p).to_pylist()
    }
    assert rows[entry.doc_id]["hand"] is None  # a draft is never published as gold


def test_draft_needs_annotated_by(
    repo_copy: Path, inputs: Path, capsys: pytest.CaptureFixture
) -> None:
    before = tree_snapshot(repo_copy)
    source = str(_write(inputs, "a.txt", COUNTY))
    for extra in (["--draft"], ["--draft", "--annotated-by", "  "], ["--annotated-by", "x"]):
        code, _, err = _add(capsys, repo_copy, source, *extra)
        assert code == 2
        assert "--annotated-by" in err
    assert tree_snapshot(repo_copy) == before


def test_a_draft_that_exists_already_stops_the_add(
    repo_copy: Path, inputs: Path, capsys: pytest.CaptureFixture
) -> None:
    source = _write(inputs, "a.txt", COUNTY)
    doc_id = "doc-" + hashlib.sha256(COUNTY.encode()).hexdigest()[:12]
    stale = repo_copy / "annotations" / "draft" / f"{doc_id}.yaml"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("left over\n", encoding="utf-8")
    problems, err = _refused(capsys, repo_copy, str(source), "--draft", "--annotated-by", "测试员")
    assert "(the corpus does not validate)" in err  # validate reads annotations/draft/ too
    assert {p["file"] for p in problems} == {f"annotations/draft/{doc_id}.yaml"}
    # and add itself never replaces an annotation, whatever validate says of it
    (planned,) = add_module.plan_additions(REPO, [source], AddOptions()).added
    with pytest.raises(add_module.DraftError, match=f"draft/{doc_id}.yaml already exists"):
        add_module.rule_draft_writer(repo_copy, "测试员")(planned)


def test_drafts_of_a_crawl_output(
    repo_copy: Path, tmp_path: Path, inputs: Path, capsys: pytest.CaptureFixture
) -> None:
    pytest.importorskip("datatrove")
    crawl_input = _jsonl(inputs, "c.jsonl", [{"id": "a", "text": CITY, "published": "2020-02-15"}])
    output = tmp_path / "crawled"
    assert (
        main(["crawl", str(crawl_input), str(output), "--tasks", "1", "--progress", "never"]) == 0
    )
    (row,) = pq.read_table(next((output / "data").glob("*.parquet"))).to_pylist()
    capsys.readouterr()
    code, out, err = _add(capsys, repo_copy, str(output), "--draft", "--annotated-by", "测试员")
    assert code == 0, out + err
    entry = _manifest(repo_copy)[-1]
    draft = Annotation.model_validate(
        yaml.safe_load(
            (repo_copy / "annotations" / "draft" / f"{entry.doc_id}.yaml").read_text("utf-8")
        )
    )
    # the same rules on the same text and date: the crawl's meetings, under the corpus's doc id
    assert [m.evidence.quote for m in draft.meetings] == [
        m["evidence"]["quote"] for m in row["annotation"]["meetings"]
    ]
    assert draft.provenance.rules == row["annotation"]["rules"]
    assert validate_corpus(repo_copy) == []


@pytest.mark.parametrize("sha256", ["1" * 64, "12e4" + "0" * 60, "0" * 63 + "1", "1e" + "9" * 62])
def test_a_sha256_of_digits_stays_a_string(sha256: str) -> None:
    text = (REPO / "raw" / "manifest.yaml").read_text(encoding="utf-8")
    entry = _entry("x", sha256=sha256)
    result = appended_manifest(text, [entry])
    assert Manifest.model_validate(parse_yaml(result).data).documents[-1] == entry


def test_the_whole_loop_from_a_text_file_to_published_gold(
    repo_copy: Path, inputs: Path, capsys: pytest.CaptureFixture
) -> None:
    """README "Adding a report": add --draft, correct the YAML, anchor, promote, validate, build."""
    source = _write(inputs, "qinghe.txt", COUNTY)
    code, out, err = _add(
        capsys,
        repo_copy,
        str(source),
        "--published",
        "2020-03-03",
        "--draft",
        "--annotated-by",
        "测试员",
    )
    assert code == 0, out + err
    entry = _manifest(repo_copy)[-1]
    draft_path = repo_copy / "annotations" / "draft" / f"{entry.doc_id}.yaml"
    text = draft_path.read_text(encoding="utf-8")
    # the correction: every value checked, and a quote whose offsets the person got wrong
    # (anchor repairs them)
    text = text.replace("checked: false", "checked: true")
    assert "      start: 71\n      end: 80\n" in text
    text = text.replace("      start: 71\n      end: 80\n", "      start: 0\n      end: 9\n")
    draft_path.write_text(text, encoding="utf-8")
    assert main(["validate", "--root", str(repo_copy)]) == 1
    assert main(["anchor", "--root", str(repo_copy), str(draft_path)]) == 0
    assert main(["validate", "--root", str(repo_copy)]) == 0
    code = main(["promote", "--root", str(repo_copy), entry.doc_id, "--reviewer", "审校员"])
    assert code == 0, capsys.readouterr()
    assert not draft_path.exists()
    assert _manifest(repo_copy)[-1].status == "annotated"
    assert main(["validate", "--root", str(repo_copy)]) == 0
    out_dir = repo_copy.parent / "hf"
    build(repo_copy, out_dir, progress=False)
    rows = {
        row["doc_id"]: row
        for p in sorted((out_dir / "data" / "documents").glob("*.parquet"))
        for row in pq.read_table(p).to_pylist()
    }
    gold = rows[entry.doc_id]["hand"]
    assert gold["raw_sha256"] == entry.sha256
    assert gold["provenance"]["reviewed_by"] == "审校员"
