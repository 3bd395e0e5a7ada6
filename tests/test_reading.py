"""Reading YAML and text strictly: plain scalars, nesting, characters, encodings and positions.

Each class is tried on several members and on every reader: PyYAML, libyaml (when present) and
the item-by-item reader of the manifest, which must agree with each other.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
import yaml

from covidmeet_ds import corpus
from covidmeet_ds.corpus import (
    MAX_NESTING,
    InputError,
    TextPositions,
    decode_utf8,
    iter_yaml_items,
    parse_yaml,
)

LOADERS = [corpus._Loader] + ([corpus._FastLoader] if corpus._FastLoader else [])


def read_with(loader: type, text: str) -> Any:
    """What one loader makes of ``text``: its data, or (message, line, column) of its refusal.
    A syntax error libyaml raises is reported by PyYAML (as :func:`parse_yaml` does)."""
    positions = TextPositions(text)
    try:
        corpus._check_printable(text, positions)
        return corpus._parse_yaml(text, loader, positions).data
    except InputError as error:
        return (error.message, error.line, error.column)
    except yaml.YAMLError:
        assert loader is not corpus._Loader, "PyYAML's errors are InputErrors"
        return read_with(corpus._Loader, text)


def read_every_way(text: str) -> Any:
    """What every loader makes of ``text``, asserting they agree."""
    results = [read_with(loader, text) for loader in LOADERS]
    assert all(result == results[0] for result in results), results
    return results[0]


def stream_items(text: str) -> list[Any] | None:
    """The items :func:`iter_yaml_items` reads, or None when it refuses the text."""
    try:
        return list(iter_yaml_items(text, "documents"))
    except InputError:
        return None


@pytest.mark.parametrize(
    ("plain", "value"),
    [
        ("0", 0),
        ("-12", -12),
        ("1492", 1492),
        ("1.5", 1.5),
        ("-0.25", -0.25),
        ("1e3", 1000.0),
        ("true", True),
        ("False", False),
        ("TRUE", True),
        ("null", None),
        ("~", None),
        ("", None),
    ],
)
def test_plain_numbers_booleans_and_nulls_are_read(plain: str, value: Any) -> None:
    data = read_every_way(f"a: {plain}\n")
    assert data == {"a": value} and type(data["a"]) is type(value)


@pytest.mark.parametrize(
    "plain",
    [
        "0246",  # YAML 1.1: octal 166
        "02724",
        "0o17",
        "0xF6",  # hexadecimal
        "0b101",  # binary
        "4:06",  # YAML 1.1: base 60, 246
        "1:2:3",
        "2_4_6",  # digit separators
        "+12",
        "-0",
        "01.5",
        ".5",
        "1.",
        ".inf",
        "-.inf",
        ".nan",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "Yes",
        "NO",
        "On",
        "１４９２",  # full-width digits
        "١٢",  # Arabic-Indic digits
        "2020-11-03",  # YAML 1.1 timestamp
        "2020-11-03T08:00:00",
        "<<",  # YAML 1.1 merge key
        "=",  # YAML 1.1 value key
    ],
)
def test_yaml_1_1_implicit_types_stay_strings(plain: str) -> None:
    assert read_every_way(f"a: {plain}\n") == {"a": plain}
    assert stream_items(f"documents:\n  - a: {plain}\n") == [{"a": plain}]


@pytest.mark.parametrize(
    ("tagged", "value"),
    [
        ("!!int 12", 12),
        ("!!int '-7'", -7),
        ("!!float 2", 2.0),
        ("!!float 1.5e3", 1500.0),
        ("!!bool false", False),
        ("!!null null", None),
        ("!!str 0246", "0246"),
        ("!!str yes", "yes"),
    ],
)
def test_explicit_core_tags_are_read_strictly(tagged: str, value: Any) -> None:
    assert read_every_way(f"a: {tagged}\n") == {"a": value}


@pytest.mark.parametrize(
    ("tagged", "message"),
    [
        ("!!int 0x1F", "!!int '0x1F': an integer is written in decimal digits"),
        ("!!int 0246", "!!int '0246': an integer is written in decimal digits"),
        ("!!int 4:06", "!!int '4:06': an integer is written in decimal digits"),
        ("!!int 1_0", "!!int '1_0': an integer is written in decimal digits"),
        ("!!int 1.0", "!!int '1.0': an integer is written in decimal digits"),
        ("!!float 1_0", "!!float '1_0': a number is written in decimal digits"),
        ("!!float .inf", "!!float '.inf': a number is written in decimal digits"),
        ("!!bool yes", "!!bool 'yes': a boolean is written true or false"),
        ("!!bool on", "!!bool 'on': a boolean is written true or false"),
        ("!!bool 1", "!!bool '1': a boolean is written true or false"),
        ("!!null foo", "!!null 'foo': null is written null or ~"),
        ("!!int [1]", "YAML tag !!int cannot mark a list"),
        ("!!str {b: 1}", "YAML tag !!str cannot mark a mapping"),
        ("!!map x", "YAML tag !!map cannot mark a single value"),
        ("!!seq {b: 1}", "YAML tag !!seq cannot mark a mapping"),
        ("!!timestamp 2020-01-01", "YAML tag 'tag:yaml.org,2002:timestamp' is not allowed"),
        ("!!binary aGk=", "YAML tag 'tag:yaml.org,2002:binary' is not allowed"),
    ],
)
def test_explicit_tags_do_not_bring_yaml_1_1_back(tagged: str, message: str) -> None:
    found = read_every_way(f"x: 1\na: {tagged}\n")
    assert isinstance(found, tuple) and found[0].startswith(message), found
    assert found[1:] == (2, 4)


@pytest.mark.parametrize("digits", [4301, 10_000])
def test_huge_numbers_are_refused_not_a_traceback(digits: int) -> None:
    found = read_every_way(f"a: {'7' * digits}\n")
    assert found == (f"number {'7' * 20}… ({digits} characters) is too large", 1, 4)
    assert read_every_way("a: 1e999\n") == ("number 1e999 is too large", 1, 4)


def test_the_stream_reader_agrees_with_the_whole_file() -> None:
    item = "{doc_id: a, n: 0246, m: 12, ok: true, when: 2020-11-03, f: 1.5, e: ~, w: yes}"
    text = f"documents:\n  - {item}\n  - {{x: 4:06}}\n"
    whole = read_every_way(text)
    assert stream_items(text) == whole["documents"]
    assert whole["documents"][0]["n"] == "0246" and whole["documents"][1]["x"] == "4:06"


def nested_flow(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("value", "column"),
    [
        (nested_flow(MAX_NESTING - 1), None),  # the value is at level 2: 100 levels in all
        (nested_flow(MAX_NESTING), 4 + MAX_NESTING - 1),
        (nested_flow(10_000), 4 + MAX_NESTING - 1),
        ("[" * 10_000, 4 + MAX_NESTING - 1),  # never closed
        # the key a of the 99th mapping is on level 101
        ("{a: " * 5_000 + "1" + "}" * 5_000, 4 + 4 * (MAX_NESTING - 2) + 1),
        # [ on even levels, { on odd ones: the 50th {
        ("[{a: " * 3_000 + "1" + "}]" * 3_000, 5 + 5 * (MAX_NESTING // 2 - 1)),
    ],
)
def test_deep_nesting_is_refused_where_it_goes_too_deep(value: str, column: int | None) -> None:
    found = read_every_way(f"a: {value}\n")
    if column is None:
        assert isinstance(found, dict)
    else:
        assert found == ("nesting too deep: more than 100 levels of lists and mappings", 1, column)
    try:
        parsed: Any = parse_yaml(f"a: {value}\n").data
    except InputError as error:
        parsed = (error.message, error.line, error.column)
    assert parsed == found


def test_deep_block_nesting_and_deep_keys_are_refused() -> None:
    block = "".join(" " * (2 * i) + f"k{i}:\n" for i in range(150))
    assert read_every_way(block)[1:] == (MAX_NESTING, 2 * (MAX_NESTING - 1) + 1)
    items = "".join(" " * (2 * i) + "- \n" for i in range(150))
    assert read_every_way(items)[1:] == (MAX_NESTING + 1, 2 * MAX_NESTING + 1)
    key = "? " + nested_flow(2_000) + "\n: 1\n"
    assert read_every_way(key)[0].startswith("nesting too deep")


@pytest.mark.parametrize("depth", [MAX_NESTING, 5_000])
def test_deep_nesting_in_the_manifest_stream_is_refused(depth: int) -> None:
    """The stream reader refuses (libyaml may stop it first: then parse_yaml locates it)."""
    text = "documents:\n  - " + nested_flow(depth) + "\n"
    with pytest.raises((InputError, yaml.YAMLError)):
        list(iter_yaml_items(text, "documents"))
    with pytest.raises(InputError, match="nesting too deep") as caught:
        parse_yaml(text)
    # the item is on level 3, its first [ at column 5
    assert (caught.value.line, caught.value.column) == (2, 5 + (MAX_NESTING + 1 - 3))


@pytest.mark.parametrize(
    ("character", "kind"),
    [
        ("\x00", "control character"),
        ("\x01", "control character"),
        ("\x08", "control character"),
        ("\x0b", "control character"),
        ("\x0c", "control character"),
        ("\x1b", "control character"),
        ("\x7f", "control character"),
        ("\x80", "control character"),
        ("\x9f", "control character"),
        ("\ufffe", "noncharacter"),
        ("\uffff", "noncharacter"),
        ("\ud800", "lone surrogate"),
    ],
)
def test_characters_yaml_refuses_are_located(character: str, kind: str) -> None:
    text = 'a: 1\nb: "x\u2028y"\r\nc: 湖北' + character + "\n"
    with pytest.raises(InputError) as caught:
        parse_yaml(text)
    error = caught.value
    assert error.message == f"{kind} U+{ord(character):04X} is not allowed in YAML: delete it"
    assert (error.line, error.column) == (3, 6)
    with pytest.raises(InputError, match="is not allowed in YAML"):
        list(iter_yaml_items("documents:\n  - " + character + "\n", "documents"))


LINE_BREAKS_YAML_COUNTS = ["\u2028", "\u2029", "\x85", "\r"]


@pytest.mark.parametrize("breaks", [*LINE_BREAKS_YAML_COUNTS, "\r\n", "\U0001f600\u2028\U0001f600"])
def test_positions_count_only_newlines(breaks: str) -> None:
    """Editors and GitHub count ``\\n`` only; YAML's marks also count U+2028, U+2029, U+0085 and a
    lone CR. Before each problem the text holds those characters (and, once, non-BMP ones)."""
    head = f'note: "one{breaks}two{breaks}three"\n'
    after = head.count("\n") + 1
    duplicate = f"duplicate key 'a' (first at line {after})"
    assert read_every_way(head + "a: 1\na: 2\n") == (duplicate, after + 1, 1)
    assert read_every_way(head + "b: [1, 2\n")[1:] == (after + 1, 1)
    assert read_every_way(head + "b: *x\n")[1:] == (after, 4)
    assert read_every_way(head + "b: !!int yes\n")[1:] == (after, 4)
    doc = parse_yaml(head + "b:\n  - c: 1\n    d: 2\n")
    assert doc.locate(("b", 0, "d")) == (after + 2, 5)
    assert doc.locate(("b", 0, "missing")) == (after + 1, 5)  # the deepest part present


def test_positions_on_the_first_line_ignore_a_byte_order_mark() -> None:
    assert read_with(corpus._Loader, "\ufeffa: !!bool yes\n")[1:] == (1, 4)


def test_positions_class_counts_newlines_only() -> None:
    text = "ab\u2028c\r\nd\x85e\rf\ng"
    positions = TextPositions(text)
    assert positions.position(0) == (1, 1)
    assert positions.position(text.index("d")) == (2, 1)
    assert positions.position(text.index("f")) == (2, 5)
    assert positions.position(text.index("g")) == (3, 1)


# --- decoding ------------------------------------------------------------------------------------

YAML_TEXT = "doc_id: qingshi-county-meeting\nname: 青石县疫情防控工作会议\nnote: 一二三\n"


def refusal(data: bytes) -> tuple[str, int, int]:
    with pytest.raises(InputError) as caught:
        decode_utf8(data)
    return caught.value.message, caught.value.line, caught.value.column


@pytest.mark.parametrize(
    ("codec", "name", "how"),
    [
        ("utf-16", "UTF-16 LE", "it starts with the UTF-16 LE byte-order mark"),
        ("utf-16-le", "UTF-16 LE", "zero bytes sit between its ASCII characters"),
        ("utf-16-be", "UTF-16 BE", "zero bytes sit between its ASCII characters"),
        ("utf-32", "UTF-32 LE", "it starts with the UTF-32 LE byte-order mark"),
        ("utf-32-le", "UTF-32 LE", "one byte of every four is zero"),
        ("utf-32-be", "UTF-32 BE", "one byte of every four is zero"),
    ],
)
def test_utf16_and_utf32_are_named(codec: str, name: str, how: str) -> None:
    expected = (f"file is {name}, not UTF-8 ({how}): save it as UTF-8", 1, 1)
    assert refusal(YAML_TEXT.encode(codec)) == expected


def test_utf16_with_a_big_endian_mark_and_chinese_only_text() -> None:
    big_endian = b"\xfe\xff" + YAML_TEXT.encode("utf-16-be")
    assert refusal(big_endian)[0].startswith("file is UTF-16 BE, not UTF-8 (it starts with")
    chinese = "青石县召开会议。\n一是要做好排查。\n".encode("utf-16-le")
    assert refusal(chinese)[0].startswith("file is UTF-16 LE, not UTF-8")


def test_utf8_holding_nul_characters_is_not_called_utf16() -> None:
    for text in ["ab\x00cd\n", "note: 青石\x00县\n", "a\x00\x00b\n"]:
        assert decode_utf8(text.encode()) == text  # the YAML reader refuses the NUL


@pytest.mark.parametrize(
    ("codec", "text", "name"),
    [
        ("gb18030", "青石县召开疫情防控工作会议，要做好人员排查。\n", "GB18030 (GBK)"),
        ("gbk", "县长李青山主持会议并讲话。\n", "GB18030 (GBK)"),
        ("gb2312", "会议要求，要做好返乡人员排查。\n", "GB18030 (GBK)"),
        ("big5", "青石縣召開疫情防控工作會議，要做好人員排查。\n", "Big5"),
    ],
)
def test_chinese_legacy_encodings_are_named(codec: str, text: str, name: str) -> None:
    message, line, _ = refusal(("doc_id: a\n" + text).encode(codec))
    assert message.endswith(f"; the file looks like {name}: save it as UTF-8"), message
    assert message.startswith("not valid UTF-8: byte 0x")
    assert line == 2


def test_utf8_with_one_foreign_name_is_not_called_gb18030() -> None:
    data = "note: 青石县召开会议\nname: ".encode() + "李青山".encode("gb18030") + b"\n"
    message, line, column = refusal(data)
    assert message == "not valid UTF-8: byte 0xc0 at byte offset 34"
    assert (line, column) == (2, 7)


def test_decoding_errors_count_newlines_only() -> None:
    data = "a: \u2028\u2029\x85\r\nb: x\ry".encode() + b"\xff\n"
    assert refusal(data)[1:] == (2, 7)


def test_a_utf8_byte_order_mark_is_still_refused_as_such() -> None:
    assert refusal(b"\xef\xbb\xbfa: 1\n")[0].startswith("file starts with a UTF-8 byte-order mark")


def test_normalisation_forms_are_kept_by_reading() -> None:
    decomposed = unicodedata.normalize("NFD", "Qīngshí")
    assert parse_yaml(f"a: {decomposed}\n").data == {"a": decomposed}
