"""From a raw file to the report's body, with a map back to raw offsets.

``normalise(raw)`` turns a noisy web scrape into the text the extractors read:

1. injected pinyin readings are removed (``學(xué)習(xí)`` → ``學習``);
2. the text is converted to Simplified script with OpenCC ``t2s`` (one call per document; the
   conversion keeps one output character per input character, so offsets survive), and
   full-width punctuation, digits and letters are folded to half-width (``text.punctuation``,
   also one for one: rules match ``,`` and ``，`` alike);
3. page furniture is dropped line by line: navigation, related or recommended headlines,
   copyright and disclaimer blocks, comment and share widgets, spam keyword banners, HTML
   fragments, upload metadata and preview lines of document-sharing sites;
4. page-split markers of document previews (``…维护人\\n\\n2、民群众…``) are removed and the
   sentence around them is joined again.

Every character of the result remembers the raw index it came from (``offsets``), so a span found
in the normalised text becomes an exact raw quote (``NormalisedText.evidence``) that passes the
same ``validate`` as hand evidence. Quality flags (``models.QualityFlag``) are detected on the way.

The cues are general (``data/furniture.yaml``), never keyed to a particular report. Removal is
conservative: a long line with sentence punctuation and meeting words is never dropped, because
losing body text costs more than keeping a line of junk.
"""

from __future__ import annotations

import re
import typing
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain
from operator import ne

from ..models import Evidence, QualityFlag
from ..taxonomy import DataFile, load_data
from . import PINYIN_READING, to_simplified
from .patterns import alternation
from .punctuation import fold_width


@dataclass(frozen=True)
class NormalisedText:
    """The body of a report in Simplified script, and where each character came from."""

    raw: str
    text: str
    """The body, Simplified, folded to half-width punctuation: what the rules match."""
    offsets: tuple[int, ...]
    """``offsets[i]`` is the raw index of ``text[i]``."""
    flags: tuple[str, ...] = ()
    """Quality flags detected in the raw file (see ``models.QualityFlag``), in that order."""
    spun: tuple[tuple[str, str], ...] = ()
    """Spun synonyms found in the body as ``(spun form, proper form)``, e.g. ``("党中心",
    "党中央")``, in the order of ``data/furniture.yaml``: the text is not rewritten, so
    extractors that look for the proper form should also accept the spun one."""
    removed: tuple[tuple[int, int, str], ...] = ()
    """Raw ``[start, end)`` spans left out of ``text`` and why: ``pinyin``, ``page_split`` (the
    marker with the line break before it) or the kind of furniture (``navigation``, ``tail``,
    ``copyright``, ``widget``, ``html``, ``spam`` …), sorted. A ``tail`` span may cover several
    lines; other whitespace between kept lines is not listed."""
    unfolded: str = ""
    """``text`` before width folding (same length): strings a rule returns are cut from it, so
    they keep the punctuation the page was written with. Empty means the same as ``text``."""

    def surface(self, start: int, end: int) -> str:
        """``text[start:end]`` with the page's own punctuation widths."""
        return (self.unfolded or self.text)[start:end]

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The raw ``[start, end)`` covering the normalised ``text[start:end]`` (non-empty)."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"empty or out-of-range span {start}:{end}")
        return self.offsets[start], self.offsets[end - 1] + 1

    def evidence(self, start: int, end: int) -> Evidence:
        """Evidence quoting the raw text behind the normalised ``text[start:end]``."""
        raw_start, raw_end = self.raw_span(start, end)
        return Evidence(quote=self.raw[raw_start:raw_end], start=raw_start, end=raw_end)


# --- patterns that need no data --------------------------------------------------------------

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TAG_OR_ENTITY = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>|&(?:[a-z]{2,8}|#\d{2,6});")
"""An HTML tag or entity; ``<中华人民共和国传染病防治法>`` is not one. Comments are found
apart (``_html_spans``): as an alternative here, ``<!--.*?-->`` read the rest of the line from
every ``<!--`` that is not closed, which is quadratic in a line of them."""
_COMMENT_OPEN, _COMMENT_CLOSE = "<!--", "-->"
_SENTENCE_END = re.compile(r"[。!?;…”」』)]\s*$")
_SENTENCE_PUNCT = re.compile(r"[。,;:!?、]")
_PAGE_SPLIT = re.compile(r"(\d{1,3})、\s*")
"""A page of a document preview starts with its number: ``2、民群众生命健康…``."""
_PAGE_LINE = re.compile(
    r"^(?:.{0,100}_第\s*\d{1,4}\s*页|第\s*\d{1,4}\s*页\s*[/／]\s*共\s*\d{1,4}\s*页)$"
)
"""A preview line of a document-sharing site: ``标题_第2页`` or ``第2页 / 共9页``."""
_PAGE_INLINE = re.compile(
    r"(?:(?<!\s)\s+)?(?:_第\s*\d{1,4}\s*页|第\s*\d{1,4}\s*页\s*[/／]\s*共\s*\d{1,4}\s*页)\s*"
)
"""A page marker inside a line, with the whitespace around it. The whitespace before it is
taken only from where a run of whitespace starts: a search no longer reads the whole run again
from each of its characters (which made a long run of spaces quadratic)."""
_LINE = re.compile(r"\S(?:[^\n]*\S)?")
"""A line's content without the whitespace around it (blank lines never match)."""
_TAIL_CANDIDATE = re.compile(r"(?m)^[^\S\n]*+(?=[^\n]*[。<&_])(\S(?:[^\n]*\S)?)[^\S\n]*$")
"""A line of the tail that might be body text, HTML or a spam banner (its content without the
whitespace around it). The leading whitespace is possessive and the content ends at the line's
last non-space at once: giving either back character by character re-read the line each time,
quadratic in a line with a long run of spaces."""
_NAV_SEPARATORS = re.compile(r"[>›»|｜丨>]+")
r"""The separators of a breadcrumb or a menu; the items between them are stripped of whitespace
in Python (``\s*[…]+\s*`` searched from every space of a long run, which was quadratic)."""
_DATE_LIKE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}")
_REDACTION = re.compile(r"[xXｘＸ]+")
"""A candidate placeholder; it counts when it stands alone next to Chinese text (全x, 1月xx日,
xx市), not inside a word or a URL (``xx.com``)."""
_LATIN = re.compile(r"[A-Za-z]")

_SHORT = 40
"""A line this long or shorter can be a heading, a widget or a navigation bar."""
_BODY_MIN = 40
"""A line this long or longer with sentence punctuation and meeting words is body text."""
_TRADITIONAL_SAMPLE = 800
"""How many body characters the Traditional-script test compares."""
_BYLINE_VALUE = 12
"""A byline's value (编辑: 张某) is at most this long."""
_PAGE_MIN = 50
"""A preview page that breaks mid-sentence is at least this long."""

_BOILERPLATE = frozenset(
    {"navigation", "tail", "copyright", "widget", "byline", "preview", "upload", "junk"}
)


# --- cues from data/furniture.yaml -----------------------------------------------------------


def _cased(words: Iterable[str]) -> list[str]:
    """Each cue plus its upper, lower and title case (copyright, Copyright, COPYRIGHT).

    Spelled out instead of ``re.IGNORECASE``, which would make the big alternations slow.
    """
    return [v for w in words for v in {w, w.lower(), w.upper(), w.title()}]


class _Spin(DataFile):
    """A spun form and the contexts in which it shows spinning (anywhere when none)."""

    spun: str
    proper: str
    preceded_by: tuple[str, ...] = ()
    followed_by: tuple[str, ...] = ()
    not_followed_by: tuple[str, ...] = ()

    def found_in(self, text: str) -> bool:
        at = text.find(self.spun)
        while at >= 0:
            if self._shows_spinning(text, at):
                return True
            at = text.find(self.spun, at + 1)
        return False

    def _shows_spinning(self, text: str, at: int) -> bool:
        end = at + len(self.spun)
        if self.not_followed_by and text.startswith(self.not_followed_by, end):
            return False
        if not (self.preceded_by or self.followed_by):
            return True
        if self.followed_by and text.startswith(self.followed_by, end):
            return True
        return bool(self.preceded_by) and text.endswith(self.preceded_by, 0, at)


@dataclass(frozen=True)
class _Cues:
    """One small pattern per cue list: a line is scanned only for the lists its length and
    punctuation make relevant (one big alternation of every list is several times slower)."""

    copyright: re.Pattern[str]
    preview: re.Pattern[str]
    upload: re.Pattern[str]
    widget: re.Pattern[str]
    navigation: re.Pattern[str]
    spam: re.Pattern[str]
    body: re.Pattern[str]
    topic: re.Pattern[str]
    tail_heading: re.Pattern[str]
    tail_headings: tuple[str, ...]
    byline_key: re.Pattern[str]
    """A byline's key before its colon, perhaps after an opening bracket (``(记者``)."""
    byline_link: re.Pattern[str]
    """Between two colons of a byline: a value, then the next key (``张某 责任编辑``)."""
    redaction_exceptions: tuple[str, ...]
    spins: tuple[_Spin, ...]


class _FurnitureFile(DataFile):
    """``data/furniture.yaml``."""

    tail_headings: tuple[str, ...]
    copyright_cues: tuple[str, ...]
    widget_cues: tuple[str, ...]
    navigation_cues: tuple[str, ...]
    upload_keys: tuple[str, ...]
    preview_cues: tuple[str, ...]
    byline_keys: tuple[str, ...]
    spam_words: tuple[str, ...]
    body_cues: tuple[str, ...]
    topic_words: tuple[str, ...]
    redaction_exceptions: tuple[str, ...]
    spun: tuple[_Spin, ...]


def _words(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile(alternation(_cased(words)))


@cache
def _cues() -> _Cues:
    data = load_data("furniture.yaml", _FurnitureFile)
    heading = alternation(data.tail_headings)
    byline = alternation(data.byline_keys)
    return _Cues(
        copyright=_words(data.copyright_cues),
        preview=_words(data.preview_cues),
        upload=re.compile(rf"(?:{alternation(data.upload_keys)})\s*:"),
        widget=_words(data.widget_cues),
        navigation=_words(data.navigation_cues),
        spam=_words(data.spam_words),
        body=_words(data.body_cues),
        topic=_words([*data.body_cues, *data.topic_words]),
        tail_heading=re.compile(
            rf"^[\s>»›\-—=*#【\[]*(?:{heading})[\s:>»›\-—=*#】\]]*+(?:更多[\s>»›]*)?$"
        ),
        tail_headings=data.tail_headings,
        byline_key=re.compile(rf"[\[【(]?(?:{byline})\s*"),
        byline_link=re.compile(rf"(?P<value>[^\d:]+?)[\[【(]?(?:{byline})\s*"),
        redaction_exceptions=data.redaction_exceptions,
        spins=data.spun,
    )


# --- step 1 and 2: pinyin and script ---------------------------------------------------------


def _drop_pinyin(raw: str) -> tuple[str, Sequence[int], list[tuple[int, int, str]]]:
    """``raw`` without pinyin readings, the raw index of each kept character, the readings."""
    has_bracket = "(" in raw or "（" in raw
    readings = [match.span() for match in PINYIN_READING.finditer(raw)] if has_bracket else []
    if not readings:
        return raw, range(len(raw)), []
    starts = [0, *(end for _, end in readings)]
    ends = [*(start for start, _ in readings), len(raw)]
    text = PINYIN_READING.sub("", raw)
    offsets = list(chain.from_iterable(map(range, starts, ends)))
    return text, offsets, [(start, end, "pinyin") for start, end in readings]


def _simplify_char(ch: str) -> str:
    simple = to_simplified(ch)
    return simple if len(simple) == 1 else ch


def _simplify(text: str) -> str:
    """t2s with exactly one output character per input character.

    OpenCC is called once for the whole document; only when a phrase conversion changed the
    length somewhere are the lines that changed converted again character by character.
    """
    converted = to_simplified(text)
    if len(converted) == len(text):
        return converted
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        simple = to_simplified(line)
        if len(simple) != len(line):
            simple = "".join(_simplify_char(ch) for ch in line)
        out.append(simple)
    return "".join(out)


# --- step 3: furniture, line by line ---------------------------------------------------------


def _is_body(line: str, cues: _Cues) -> bool:
    """A paragraph of the report: long, ends sentences, talks about a meeting, not a link list."""
    return (
        len(line) >= _BODY_MIN
        and "。" in line
        and " | " not in line
        and cues.body.search(line) is not None
        and len(_SENTENCE_PUNCT.findall(line)) >= 2
    )


def _is_spam(line: str, cues: _Cues) -> bool:
    """A keyword banner: many short items joined by ``_``, or a run of spam words."""
    if "。" in line:
        return False
    if line.count("_") >= 3:
        items = [item for item in line.split("_") if item.strip()]
        if len(items) >= 4 and sum(len(item) for item in items) / len(items) <= 20:
            return True
    return len(line) >= 8 and len(cues.spam.findall(line)) >= 4


def _is_navigation(line: str, cues: _Cues) -> bool:
    """A breadcrumb or menu (首页 > 新闻 > 正文; 要闻 | 视频 | 原创) or a 'you are here' line."""
    if len(line) <= _SHORT and cues.navigation.search(line):
        return True
    if not _NAV_SEPARATORS.search(line) or _SENTENCE_PUNCT.search(line):
        return False
    items = [item for item in map(str.strip, _NAV_SEPARATORS.split(line)) if item]
    return len(items) >= 3 and all(len(item) <= 12 for item in items)


def _comment_spans(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of every HTML comment, as ``<!--.*?-->`` finds them (a comment does not
    span lines). When a ``<!--`` is not closed on its line, no later one on that line is: the
    search goes on at the next line, so each character is read once."""
    spans: list[tuple[int, int]] = []
    start = text.find(_COMMENT_OPEN)
    while start >= 0:
        line_end = text.find("\n", start)
        line_end = len(text) if line_end < 0 else line_end
        close = text.find(_COMMENT_CLOSE, start + len(_COMMENT_OPEN), line_end)
        if close < 0:
            start = text.find(_COMMENT_OPEN, line_end)
            continue
        spans.append((start, close + len(_COMMENT_CLOSE)))
        start = text.find(_COMMENT_OPEN, spans[-1][1])
    return spans


def _html_spans(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of every HTML tag, comment and entity, left to right, as one pattern
    ``tag|<!--.*?-->|entity`` finds them: a tag or an entity inside a comment is part of it (a
    tag holds no ``<`` and an entity no ``>``, so neither can overlap a comment's edge)."""
    comments = _comment_spans(text) if _COMMENT_OPEN in text else []
    tags = [match.span() for match in _TAG_OR_ENTITY.finditer(text)]
    if not comments:
        return tags
    ends = [end for _, end in comments]
    starts = [start for start, _ in comments]
    outside = [
        (start, end)
        for start, end in tags
        if (i := bisect_right(starts, start) - 1) < 0 or ends[i] <= start
    ]
    return sorted(comments + outside)


def _has_html(text: str) -> bool:
    return _TAG_OR_ENTITY.search(text) is not None or bool(
        _COMMENT_OPEN in text and _comment_spans(text)
    )


def _is_html(line: str) -> bool:
    """Nothing but tags, comments and entities."""
    spans = _html_spans(line)
    if not spans:
        return False
    position = 0
    for start, end in spans:
        if line[position:start].strip():
            return False
        position = end
    return not line[position:].strip()


def _is_byline_value(value: str) -> bool:
    """What follows a byline key's colon: no digit, and at most ``_BYLINE_VALUE`` characters
    from its first to its last non-space (it may be spaces only)."""
    return (
        bool(value) and not any(map(str.isdecimal, value)) and len(value.strip()) <= _BYLINE_VALUE
    )


def _is_byline(line: str, cues: _Cues) -> bool:
    """编辑:张某 责任编辑:李某: each key with its colon and a short value, perhaps in brackets.

    The line is read colon by colon, as the pattern
    ``(?:[[【(]?key\\s*:\\s*[^\\d:]{1,12}\\s*)+[]】)]?`` reads it (neither keys nor values hold
    a colon): that pattern, tried as it is, backtracks over every way of sharing spaces and
    key characters between its quantifiers."""
    if ":" not in line:
        return False
    head, *links, last = line.split(":")
    if cues.byline_key.fullmatch(head) is None:
        return False
    for link in links:
        # the shortest value that leaves a key is the best: a longer one is no shorter stripped
        match = cues.byline_link.fullmatch(link)
        if match is None or not _is_byline_value(match.group("value")):
            return False
    closed = last.endswith(("]", "】", ")")) and _is_byline_value(last[:-1])
    return closed or _is_byline_value(last)


def _is_widget(line: str, cues: _Cues) -> bool:
    """Share, comment, subscribe … prompts: short, and not a headline about the topic."""
    return (
        len(line) <= 30 and cues.widget.search(line) is not None and cues.topic.search(line) is None
    )


def _classify_tail(line: str, cues: _Cues) -> str | None:
    """In the tail everything is furniture except body text; spam and HTML are still told apart
    for the flags."""
    if ("<" in line or "&" in line) and _is_html(line):
        return "html"
    if _is_spam(line, cues):
        return "spam"
    if _is_body(line, cues):
        return None
    return "tail"


def _classify(line: str, cues: _Cues) -> tuple[str | None, bool]:
    """Why a stripped, non-empty line is furniture (None: keep it), and whether a tail opens.

    Checks run from the most specific cue (HTML, spam, preview markers) to the loosest (short
    lines without Chinese), and a line that reads as body text stops the loose ones.
    """
    length = len(line)
    if length > 200 and "。" in line:
        return None, False  # a paragraph: the common case, decided without a scan
    if ("<" in line or "&" in line) and _is_html(line):
        return "html", False
    if _is_spam(line, cues):
        return "spam", False
    if length <= 100 and "页" in line and _PAGE_LINE.match(line):
        return "page_split", False
    if length <= 200 and (":" in line or ":" in line) and len(cues.upload.findall(line)) >= 2:
        return "upload", False
    if length <= 150 and cues.preview.search(line):
        return "preview", False
    if _is_body(line, cues):
        return None, False
    if length <= _SHORT and cues.tail_heading.match(line):
        return "tail", True
    if length <= 200 and cues.copyright.search(line):
        return "copyright", length <= _SHORT and line.endswith(("声明", "须知", "说明"))
    if _is_navigation(line, cues):
        return "navigation", False
    if _is_widget(line, cues):
        return "widget", False
    if length <= _SHORT and _is_byline(line, cues):
        return "byline", False
    if length <= 30 and not _HAN.search(line) and not _DATE_LIKE.search(line):
        return "junk", False
    return None, False


@dataclass
class _Line:
    """A kept line: its content ``[start, end)`` in the converted text and what to cut out."""

    start: int
    end: int
    newline: int | None
    """Index of the newline that ends the line (None on the last line)."""
    cuts: list[tuple[int, int]]
    join: bool = False
    """Join to the previous kept line without a newline (a sentence broken by a page split)."""


@dataclass
class _Found:
    removed: list[tuple[int, int, str]]
    """Spans in converted-text coordinates."""
    kinds: set[str]


def _cut(line: _Line, start: int, end: int, kind: str, found: _Found) -> None:
    line.cuts.append((start, end))
    found.removed.append((start, end, kind))
    found.kinds.add(kind)


def _inline_cuts(text: str, line: _Line, found: _Found, cues: _Cues) -> bool:
    """Cut HTML, page markers and a trailing 'related' heading; True when that opens a tail."""
    content = text[line.start : line.end]
    if "<" in content or "&" in content:
        for start, end in _html_spans(content):
            _cut(line, line.start + start, line.start + end, "html", found)
    if "页" in content:
        for match in _PAGE_INLINE.finditer(content):
            _cut(line, line.start + match.start(), line.start + match.end(), "page_split", found)
    if content.endswith(cues.tail_headings):
        heading = next(h for h in cues.tail_headings if content.endswith(h))
        head = content[: -len(heading)]
        if head and head[-1].isspace() and head.strip():
            _cut(line, line.start + len(head.rstrip()), line.end, "tail", found)
            return True
    return False


def _kept(text: str, start: int, end: int, found: _Found, cues: _Cues) -> tuple[_Line, bool]:
    """A kept line with its inline cuts, and whether it ends with a heading that opens a tail."""
    newline = text.find("\n", end)
    line = _Line(start, end, newline if newline >= 0 else None, [])
    return line, _inline_cuts(text, line, found, cues)


def _drop_tail(text: str, start: int, end: int, found: _Found) -> None:
    """Record the tail text ``[start, end)`` (trimmed of whitespace) as removed."""
    chunk = text[start:end]
    trimmed = chunk.strip()
    if trimmed:
        first = start + len(chunk) - len(chunk.lstrip())
        found.removed.append((first, first + len(trimmed), "tail"))
        found.kinds.add("tail")


def _skip_tail(text: str, position: int, found: _Found, cues: _Cues) -> int:
    """Drop the tail that opens at ``position``; return where body text resumes (or the end).

    Only lines with a full stop, ``<``, ``&`` or ``_`` can be anything but tail furniture, so
    the regex engine skips the others (headline lists are long). A line of body text closes the
    tail: a 'related' block placed above or inside an article does not swallow the article.
    """
    for match in _TAIL_CANDIDATE.finditer(text, position):
        kind = _classify_tail(match.group(1), cues)
        if kind is None:
            _drop_tail(text, position, match.start(1), found)
            return match.start(1)
        found.kinds.add(kind)
    _drop_tail(text, position, len(text), found)
    return len(text)


def _keep_lines(text: str, found: _Found, cues: _Cues) -> list[_Line]:
    """The lines that are not furniture, with their inline cuts."""
    kept: list[_Line] = []
    position = 0
    while (match := _LINE.search(text, position)) is not None:
        start, position = match.span()
        kind, opens_tail = _classify(match.group(), cues)
        if kind is None:
            line, opens_tail = _kept(text, start, position, found, cues)
            kept.append(line)
        else:
            found.removed.append((start, position, kind))
            found.kinds.add(kind)
        if opens_tail:
            position = _skip_tail(text, position, found, cues)
    return kept


# --- step 4: page splits ---------------------------------------------------------------------


def _page_runs(text: str, lines: list[_Line]) -> list[list[int]]:
    """Runs of kept lines numbered 1、 2、 3、 … in order (indices into ``lines``)."""
    runs: list[list[int]] = []
    current: list[int] = []
    last = 0
    for index, line in enumerate(lines):
        match = _PAGE_SPLIT.match(text, line.start, line.end)
        if not match:
            continue
        number = int(match.group(1))
        if current and number == last + 1:
            current.append(index)
        elif number <= 2:
            if len(current) > 1:
                runs.append(current)
            current = [index]
        else:
            continue
        last = number
    if len(current) > 1:
        runs.append(current)
    return runs


def _breaks_sentence(text: str, previous: _Line) -> bool:
    """The page before ends mid-sentence: long, and without closing punctuation."""
    content = text[previous.start : previous.end]
    return len(content) >= _PAGE_MIN and not _SENTENCE_END.search(content)


def _split_pages(text: str, lines: list[_Line], found: _Found) -> None:
    """Drop the numbers of preview pages and join sentences they broke.

    A run counts as page splits when at least three pages are numbered in order and most page
    starts break a sentence; an ordinary numbered list ends its items with punctuation.
    """
    for run in _page_runs(text, lines):
        breaks = [i for i in run[1:] if i > 0 and _breaks_sentence(text, lines[i - 1])]
        if len(run) < 3 or len(breaks) < 2 or 2 * len(breaks) < len(run) - 1:
            continue
        found.kinds.add("page_split")
        for index in run:
            line = lines[index]
            marker = _PAGE_SPLIT.match(text, line.start, line.end)
            if marker is None:
                continue
            begin = line.start
            if index in breaks:
                line.join = True
                begin = lines[index - 1].end
            found.removed.append((begin, marker.end(), "page_split"))
            line.start = marker.end()


# --- assembling the text and the offsets -----------------------------------------------------


def _pieces(lines: list[_Line]) -> list[tuple[int, int]]:
    """``[start, end)`` pieces of the converted text that make up the normalised text."""
    pieces: list[tuple[int, int]] = []
    previous: _Line | None = None
    for line in lines:
        position = line.start
        spans = []
        for cut_start, cut_end in sorted(line.cuts):
            if cut_start > position:
                spans.append((position, min(cut_start, line.end)))
            position = max(position, cut_end)
        if position < line.end:
            spans.append((position, line.end))
        if not spans:
            continue
        if previous is not None and not line.join and previous.newline is not None:
            pieces.append((previous.newline, previous.newline + 1))
        pieces.extend(spans)
        previous = line
    return pieces


def _to_raw(
    spans: list[tuple[int, int, str]], offsets: Sequence[int]
) -> list[tuple[int, int, str]]:
    return [(offsets[s], offsets[e - 1] + 1, kind) for s, e, kind in spans if s < e]


# --- quality flags ---------------------------------------------------------------------------


def _is_traditional(before: str, after: str, pieces: list[tuple[int, int]]) -> bool:
    """The body is Traditional when t2s changed a noticeable share of its characters.

    Simplified text has at most a stray variant character; Traditional text has about a quarter
    of its characters changed. The first few thousand characters of the body are enough.
    """
    if before == after:
        return False
    changed = total = 0
    for start, end in pieces:
        if total >= _TRADITIONAL_SAMPLE:
            break
        a, b = before[start:end], after[start:end]
        total += end - start
        if a != b:
            changed += sum(map(ne, a, b))
    return changed >= 3 and changed >= 0.03 * total


def _is_redacted(body: str, cues: _Cues) -> bool:
    """Two or more ``x`` placeholders next to Chinese characters (全x, 1月xx日, xx市)."""
    count = 0
    for match in _REDACTION.finditer(body):
        start, end = match.start(), match.end()
        before = body[start - 1] if start else ""
        after = body[end] if end < len(body) else ""
        if end - start > 3 or _LATIN.match(before) or _LATIN.match(after):
            continue  # part of a word or a URL, not a placeholder
        if not (_HAN.match(before) or _HAN.match(after)):
            continue
        if body.startswith(cues.redaction_exceptions, start):
            continue
        count += 1
        if count >= 2:
            return True
    return False


def _spun(body: str, cues: _Cues) -> tuple[tuple[str, str], ...]:
    """The (spun, proper) pairs whose spun form shows spinning somewhere in the body."""
    pairs: list[tuple[str, str]] = []
    for spin in cues.spins:
        pair = (spin.spun, spin.proper)
        if pair not in pairs and spin.found_in(body):
            pairs.append(pair)
    return tuple(pairs)


_FLAG_ORDER: tuple[str, ...] = typing.get_args(QualityFlag)


def _flags(kinds: set[str], traditional: bool, redacted: bool, spun: bool) -> tuple[str, ...]:
    present = {
        "traditional": traditional,
        "pinyin_injected": "pinyin" in kinds,
        "redacted": redacted,
        "spun": spun,
        "boilerplate": bool(kinds & _BOILERPLATE),
        "html": "html" in kinds,
        "spam": "spam" in kinds,
        "page_split": "page_split" in kinds,
    }
    return tuple(flag for flag in _FLAG_ORDER if present[flag])


# --- public ----------------------------------------------------------------------------------


def normalise(raw: str) -> NormalisedText:
    """The report's body in Simplified script, without pinyin, furniture or page markers."""
    cues = _cues()
    unpinyined, offsets, pinyin = _drop_pinyin(raw)
    simplified = _simplify(unpinyined)
    text = fold_width(simplified)
    found = _Found(removed=[], kinds={"pinyin"} if pinyin else set())
    if ("<" in raw or "&" in raw) and _has_html(raw):
        found.kinds.add("html")
    lines = _keep_lines(text, found, cues)
    _split_pages(text, lines, found)
    pieces = _pieces(lines)
    body = "".join(text[start:end] for start, end in pieces)
    unfolded = "".join(simplified[start:end] for start, end in pieces)
    body_offsets = tuple(chain.from_iterable(offsets[start:end] for start, end in pieces))
    spun = _spun(body, cues)
    flags = _flags(
        found.kinds,
        traditional=_is_traditional(unpinyined, simplified, pieces),
        redacted=_is_redacted(body, cues),
        spun=bool(spun),
    )
    removed = sorted(pinyin + _to_raw(found.removed, offsets))
    return NormalisedText(
        raw=raw,
        text=body,
        offsets=body_offsets,
        flags=flags,
        spun=spun,
        removed=tuple(removed),
        unfolded=unfolded if unfolded != body else "",
    )


__all__ = ["NormalisedText", "normalise"]
