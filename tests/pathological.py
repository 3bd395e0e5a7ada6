"""Pathological pages for ``benchmarks/bench_pathological.py`` and ``tests/test_pathological.py``.

A shape is one unit (a run of spaces, a byline line, a bracket …) repeated to any length, put
where the rules would look at it: alone on the page, inside a line of an ordinary report, or
inside the sentence that reports a meeting held. Time spent on a shape should grow linearly with
its length; a regular expression that backtracks makes it grow with the square.

The report text around the units is written for these tests (invented place and people).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

TITLE = "某市召开疫情防控工作会议\n"
HELD = "3月5日上午,某市委书记张某主持召开全市疫情防控工作会议,研究部署下一步工作。"
BODY = (
    "会议指出,各级各部门要切实做好疫情防控工作。会议要求,一要加强核酸检测;"
    "二要做好隔离管控;三要保障物资供应。\n"
)
REPORT = TITLE + HELD + "\n" + BODY
"""An ordinary short report (invented): the context most shapes are placed in."""


@dataclass(frozen=True)
class Shape:
    name: str
    unit: str
    """What is repeated."""
    place: str = "alone"
    """``alone`` (the page is the repeated unit), ``line`` (a line of the report: the report,
    the run, the report), ``held`` (inside the held sentence, before 召开), ``after_held``
    (right after the held sentence, on its line), ``purpose`` (a clause of the held sentence
    after the meeting's name, where its purpose is read) or ``other_purpose`` (the same after a
    name that does not name the epidemic, so that the purpose is what decides)."""
    around: tuple[str, str] = ("", "")
    """What stands right before and after the run (a run of spaces between 第1 and 页)."""

    def text(self, size: int) -> str:
        """The page, about ``size`` characters long. ``{n}`` in the unit counts the units."""
        before, after = _FRAMES[self.place]
        before, after = before + self.around[0], self.around[1] + after
        length = max(1, size - len(before) - len(after))
        return before + _run(self.unit, length) + after


_FRAMES = {
    "alone": ("", ""),
    "line": (REPORT + "某市", "防控\n" + REPORT),
    "held": (TITLE + "3月5日上午,某市委书记张某", "主持召开全市疫情防控工作会议。\n" + BODY),
    "after_held": (TITLE + HELD, "\n" + BODY),
    "purpose": (TITLE + HELD[:-1] + ",", "。\n" + BODY),
    "other_purpose": (TITLE + "3月5日上午,某市政府召开常务会议,", "。\n" + BODY),
}


def _run(unit: str, length: int) -> str:
    if "{n}" not in unit:
        return (unit * -(-length // len(unit)))[:length]
    units, total, n = [], 0, 0
    while total < length:
        n += 1
        units.append(unit.replace("{n}", str(n)))
        total += len(units[-1])
    return "".join(units)[:length]


def _shapes() -> list[Shape]:
    runs = {
        "spaces": " ",
        "ideographic spaces": "\u3000",
        "tabs": "\t",
        "mixed blanks": " \t\u3000",
        "spaces and 。": " 。",
    }
    units = {
        **runs,
        "编辑: lines": "编辑:\n",
        "编辑: on one line": "编辑:",
        "责任编辑: lines": "责任编辑：张某\n",
        "来源: lines": "来源:某市日报\n",
        "bracketed bylines": "(记者 张某 ",
        "Han without punctuation": "某市疫情防控工作领导小组办公室",
        "(": "(",
        "（": "（",
        ")": ")",
        "digits": "1",
        "第一、": "第一、",
        "1、": "1、",
        "(一)": "(一)",
        "2020年": "2020年",
        "月": "月",
        "日": "日",
        "3月5日": "3月5日",
        "会议": "会议",
        "召开": "召开",
        "召开会议": "召开会议",
        "会议召开": "会议召开,",
        "主持召开": "主持召开",
        "会议指出,": "会议指出,",
        "强调:": "张某强调:",
        "“": "“",
        "“会议”": "“会议”",
        '"': '"',
        "。": "。",
        ",": ",",
        "、": "、",
        "<": "<",
        "<a ": "<a ",
        "<!--": "<!--",
        "&amp;": "&amp;",
        "_": "_",
        "xx": "xx",
        "第1页": "第1页",
        "首页 > lines": "首页 > 新闻 > 正文\n",
        " > ": " > ",
        "related lines": "相关推荐\n某市新闻标题\n",
        "short lines": "某\n",
        "blank lines": "\n",
        "市委": "市委",
        "在某地": "在某市",
        "省市县": "省市县区乡镇村",
        "(扩大)": "(扩大)",
        "report sentence": "会议强调,要加强组织领导,压实各方责任,确保各项措施落实到位。",
    }
    counted = {
        "numbered meetings": "某市召开第{n}次疫情防控会议。",
        "numbered meetings, one line": "会议{n}召开,",
        "numbered held-after": "随后,某区召开第{n}次会议,",
        "numbered speakers": "副市长张{n}强调,",
        "numbered requirements": "{n}、要加强防控。",
        "numbered recalled meetings": "此前,某区召开第{n}次疫情防控会议,",
    }
    units.update(counted)
    units.update({"会议对": "会议对", "会议就作": "会议就作", "贯彻落实": "贯彻落实"})
    shapes = [Shape(name, unit) for name, unit in units.items()]
    for place in ("line", "held", "after_held", "purpose", "other_purpose"):
        shapes += [Shape(f"{name} [{place}]", unit, place) for name, unit in units.items()]
    triggers = {
        "第1|页": ("第1", "页"),
        "。": ("。", "。"),
        ">": (">", ">"),
        "<a": ("<a", "<a"),
        "召开|会议": ("召开", "会议"),
        "会议|召开": ("会议", "召开"),
        "编辑:": ("编辑:", "编辑:"),
        "(": ("(", "("),
        "(|)": ("(", ")"),
        "“": ("“", "“"),
        "_": ("_", "_"),
        "相关推荐": ("相关推荐", "相关推荐"),
        "1、": ("1、", "1、"),
        "强调|:": ("强调", ":"),
        "2020年|3月": ("2020年", "3月"),
    }
    for blank_name, blank in runs.items():
        for trigger, around in triggers.items():
            for place in ("alone", "line"):
                name = f"{blank_name} in {trigger} [{place}]"
                shapes.append(Shape(name, blank, place, around))
    shapes.append(Shape("研究贯彻落实…情况", "贯彻落实", "other_purpose", ("研究", "情况")))
    byline = "(编辑: \t\t 责任编辑责任编辑:\t\t(张(责任编辑】】 任编辑\t张11编辑张\n"
    shapes.append(Shape("byline-like lines", byline))
    shapes.append(Shape("byline-like lines [after_held]", byline, "after_held"))
    for blank_name, blank in runs.items():
        heading = ("\n相关推荐\n", "某")
        shapes.append(Shape(f"{blank_name} after a related heading", blank, "line", heading))
    shapes.append(Shape("report lines", REPORT))
    shapes.append(Shape("report without newlines", REPORT.replace("\n", "")))
    return shapes


SHAPES: tuple[Shape, ...] = tuple(_shapes())


def pipeline() -> dict[str, Callable[[str], object]]:
    """The stages a page goes through: normalise, segment, the crawl filter, the annotation
    and the validator's evidence checks (each given the page; later stages reuse earlier ones
    through the context, as the crawl does)."""
    from covidmeet_ds.annotate import annotate_context
    from covidmeet_ds.rules.context import ReportContext
    from covidmeet_ds.rules.registry import drop_reason
    from covidmeet_ds.text.normalise import normalise
    from covidmeet_ds.validate import evidence_problem, iter_evidence

    state: dict[str, object] = {}

    def normalised(raw: str) -> object:
        state["doc"] = normalise(raw)
        return state["doc"]

    def segmented(raw: str) -> object:
        state["ctx"] = ReportContext.of(state["doc"], date(2020, 3, 6))
        return state["ctx"]

    def filtered(raw: str) -> object:
        return drop_reason(state["ctx"])

    def annotated(raw: str) -> object:
        state["annotation"] = annotate_context(state["ctx"], doc_id="pathological")
        return state["annotation"]

    def checked(raw: str) -> object:
        problems = [
            evidence_problem(raw, "page", evidence)
            for _, evidence in iter_evidence(state["annotation"])
        ]
        if any(problems):
            raise AssertionError(f"rule evidence does not anchor: {problems}")
        return problems

    return {
        "normalise": normalised,
        "segment": segmented,
        "filter": filtered,
        "annotate": annotated,
        "evidence": checked,
    }


def timed_pipeline(raw: str) -> dict[str, float]:
    """Seconds spent in each stage of ``pipeline`` on ``raw``."""
    times: dict[str, float] = {}
    for stage, run in pipeline().items():
        start = time.perf_counter()
        run(raw)
        times[stage] = time.perf_counter() - start
    return times
