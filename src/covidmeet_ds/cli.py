"""The ``covidmeet-ds`` command line: parse arguments, call the library, format output."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path

from . import __version__
from .anchor import anchor_files
from .problems import render
from .schemas import schema_texts, stale_schemas, write_schemas
from .validate import remaining_drafts, validate_corpus

PROGRESS = {"auto": None, "always": True, "never": False}
"""``--progress`` → tqdm's choice: None shows bars only on a terminal."""


def _cmd_validate(args: argparse.Namespace) -> int:
    problems = validate_corpus(args.root, [Path(p) for p in args.paths])
    output = render(problems, args.format)
    if output:
        print(output)
    if args.format == "text":
        summary = f"{len(problems)} problem(s)" if problems else "all annotations valid"
        print(summary, file=sys.stderr)
    drafts = remaining_drafts(args.root)
    if drafts:  # work in progress, not a problem: the exit status does not depend on it
        print(
            f"{len(drafts)} draft(s) remain to be reviewed and promoted (annotations/draft/): "
            + ", ".join(drafts),
            file=sys.stderr,
        )
    return 1 if problems else 0


def _cmd_anchor(args: argparse.Namespace) -> int:
    changed, problems = anchor_files(args.root, [Path(p) for p in args.paths])
    for line in changed:
        print(line, file=sys.stderr if args.format == "json" else sys.stdout)
    if problems or args.format == "json":
        print(render(problems, args.format))
    if problems:
        print(f"{len(problems)} problem(s); files with problems were not changed", file=sys.stderr)
    return 1 if problems else 0


def _cmd_promote(args: argparse.Namespace) -> int:
    from .promote import promote

    plans, problems = promote(args.root, args.doc_ids, args.reviewer, args.date or date.today())
    if problems:
        print(render(problems, args.format))
        print(f"{len(problems)} problem(s); nothing was promoted or written", file=sys.stderr)
        return 1
    for plan in plans:
        how = (
            "layout and comments kept"
            if plan.clean_because is None
            else (f"written as clean YAML: {plan.clean_because}; the draft's comments are not kept")
        )
        print(f"promoted {plan.doc_id}: {plan.gold_path.name} in annotations/hand/ ({how})")
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from .corpus import InputError

    try:
        return _schema(args)
    except InputError as error:
        # which generated file: the guidelines, or a schema in schema/
        print(f"schema stopped: {error.message}", file=sys.stderr)
        return 1


def _schema(args: argparse.Namespace) -> int:
    if args.write:
        for relative in write_schemas(args.root):
            print(f"wrote {relative}")
        return 0
    if args.check:
        stale = stale_schemas(args.root)
        for relative in stale:
            print(f"{relative} is stale: run `covidmeet-ds schema --write`", file=sys.stderr)
        return 1 if stale else 0
    sys.stdout.write(next(iter(schema_texts().values())))
    return 0


def _cmd_annotate(args: argparse.Namespace) -> int:
    from .annotate import annotate_corpus, annotate_text, doc_id_for
    from .corpus import InputError, decode_utf8
    from .reader import read_regular_file

    if args.text:
        status = 0
        for name in args.text:
            path = Path(name)
            try:
                raw = decode_utf8(read_regular_file(path))
            except InputError as error:
                print(f"{path}:{error.line}:{error.column}: {error.message}", file=sys.stderr)
                status = 1
                continue
            annotation = annotate_text(
                raw, doc_id=doc_id_for(path.stem, raw), published=args.published
            )
            print(annotation.model_dump_json())
        return status
    if args.published:
        print("--published applies to --text files only", file=sys.stderr)
        return 2
    changed, problems = annotate_corpus(args.root, args.doc_ids)
    for relative in changed:
        print(f"wrote {relative}")
    if problems:
        print(render(problems, args.format))
        print(f"{len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


@lru_cache(maxsize=1)
def _report_context(text: str, published: date | None):
    """One context per report, shared by the annotator and the filter below."""
    from .rules.context import ReportContext

    return ReportContext.from_raw(text, published)


def _rules_annotate(text: str, published: date | None):
    from .annotate import annotate_context

    return annotate_context(_report_context(text, published), doc_id="report")


def _rules_keep(text: str, published: date | None) -> str | None:
    from .rules.registry import drop_reason
    from .rules.reports import prefilter

    return prefilter(text) or drop_reason(_report_context(text, published))


def _score_sets(args: argparse.Namespace) -> tuple[dict, list] | None:
    """Score the rules (and peers) on the report sets: the default ones in the repository and
    every ``--devset``; None when a set cannot be read (the problems are printed)."""
    from . import evalset

    directories = [args.root / d for d in evalset.DEFAULT_SET_DIRS if (args.root / d).is_dir()]
    directories += args.devset
    try:
        sets = list(evalset.iter_sets(directories))
    except evalset.EvalSetError as error:
        print(render(error.problems, args.format))
        print("evaluation stopped: a report set cannot be read", file=sys.stderr)
        return None
    peers: dict = {}
    if sets and not args.no_peers:
        from .peers import PeerUnavailable, report_peers

        try:
            peers = report_peers()
        except PeerUnavailable as error:
            print(f"report-set peers skipped: {error}", file=sys.stderr)
    fingerprint = evalset.rules_fingerprint()
    entries: dict = {}
    failures: list = []
    for report_set in sets:
        results = {"rules": evalset.score_rules(report_set, _rules_annotate, _rules_keep)}
        for name, (guess, fields) in peers.items():
            results[name] = evalset.score_baseline(report_set, guess, fields)
        entries[report_set.name] = evalset.set_report(
            report_set.name, results, "rules", fingerprint
        )
        failures.append((report_set.name, results["rules"].failures))
    return entries, failures


def _print_failures(failures: list) -> None:
    from .evalset import render_failures

    for name, items in failures:
        print(f"**Failures of the rules on `{name}`** ({len(items)})\n")
        print(render_failures(items) + "\n")


def _evaluate_predictions(args: argparse.Namespace) -> int:
    """``evaluate --predictions FILE``: score a system's JSON Lines against one split's gold;
    prints the tables and writes nothing (``reports/evaluation.json`` is the rules' report)."""
    from .errors import CorpusInvalid, NothingToScore, PredictionsInvalid
    from .predictions import evaluate_predictions

    try:
        evaluation = evaluate_predictions(args.predictions, args.root, args.split or "test")
    except CorpusInvalid as error:
        print(render(error.problems, args.format))
        print("evaluation stopped: the corpus does not validate", file=sys.stderr)
        return 1
    except PredictionsInvalid as error:
        print(render(error.problems, args.format))
        print(
            f"evaluation stopped: {len(error.problems)} problem(s) in the predictions; "
            "nothing was scored",
            file=sys.stderr,
        )
        return 1
    except NothingToScore as error:
        print(f"evaluation stopped: {error}", file=sys.stderr)
        return 1
    print(evaluation.markdown())
    return 0


def _predictions_conflict(args: argparse.Namespace) -> str | None:
    """Why the options cannot go together, or None."""
    if args.predictions is None:
        return "--split applies to --predictions only" if args.split is not None else None
    if args.devset or args.failures:
        return "--devset and --failures score the rules: they do not go with --predictions"
    return None


def _cmd_evaluate(args: argparse.Namespace) -> int:
    conflict = _predictions_conflict(args)
    if conflict is not None:
        print(f"covidmeet-ds evaluate: {conflict}", file=sys.stderr)
        return 2
    if args.predictions is not None:
        return _evaluate_predictions(args)
    return _evaluate_rules(args)


def _evaluate_rules(args: argparse.Namespace) -> int:
    from .corpus import InputError, Layout
    from .evalset import merge_sets, rules_fingerprint
    from .evaluate import (
        EvaluationReport,
        filter_scores,
        render_markdown,
        score,
        write_report,
    )
    from .problems import input_problem
    from .reader import iter_documents, read_json_model

    problems = validate_corpus(args.root)
    if problems:
        print(render(problems, args.format))
        print("evaluation stopped: the corpus does not validate", file=sys.stderr)
        return 1
    report = args.root / "reports" / "evaluation.json"
    previous = {}
    if os.path.lexists(report):
        try:
            sets = read_json_model(Layout(args.root), report, EvaluationReport).sets
        except InputError as error:
            problem = input_problem(Layout(args.root).relative(report), error)
            print(render([problem], args.format))
            print("evaluation stopped: the previous report cannot be read", file=sys.stderr)
            return 1
        previous = {name: entry.model_dump() for name, entry in sets.items()}
    scored_sets = _score_sets(args)
    if scored_sets is None:
        return 1
    fresh_sets, failures = scored_sets
    documents = list(iter_documents(args.root))
    hand = {d.entry.doc_id: d.hand for d in documents if d.hand is not None}
    rule = {d.entry.doc_id: d.rule for d in documents if d.rule is not None}
    results = {"rules": score(hand, rule)}
    if not args.no_peers:
        from .peers import PeerUnavailable, run_peers

        raws = {d.entry.doc_id: d.raw_text for d in documents}
        published = {d.entry.doc_id: d.entry.published for d in documents}
        try:
            for name, predictions in run_peers(hand, raws, published).items():
                results[name] = score(hand, predictions)
        except PeerUnavailable as error:
            print(f"peers skipped: {error}", file=sys.stderr)

    print(render_markdown(results))
    print(
        filter_scores(
            (d.hand, d.raw_text, d.entry.published) for d in documents if d.hand is not None
        ).markdown()
    )
    for entry in fresh_sets.values():
        print(entry["markdown"])
    if args.failures:
        _print_failures(failures)
    sets, stale = merge_sets(previous, fresh_sets, rules_fingerprint())
    for name in stale:
        print(
            f"report set {name!r} left out of {report}: scored with other rules "
            "(run evaluate --devset with its directory)",
            file=sys.stderr,
        )
    write_report(report, results, sets)
    print(f"wrote {report}", file=sys.stderr)
    return 0


def _cmd_agreement(args: argparse.Namespace) -> int:
    from .agreement import all_differences, compare, render_markdown, render_text, report_json
    from .agreement import write_report as write_agreement
    from .corpus import Layout
    from .validate import validate_annotation_folders

    folders = [args.dir_a, args.dir_b]
    (a, b), problems = validate_annotation_folders(args.root, folders)
    if problems:
        print(render(problems, "json" if args.format == "json" else "text"))
        print(
            f"agreement stopped: {len(problems)} problem(s) in the annotations or the corpus",
            file=sys.stderr,
        )
        return 1
    layout = Layout(args.root)
    report = compare(layout.relative(args.dir_a), a, layout.relative(args.dir_b), b)
    if not report.documents:
        print("agreement stopped: the two folders annotate no document in common", file=sys.stderr)
        return 1
    rendered = {"text": render_text, "markdown": render_markdown, "json": report_json}
    sys.stdout.write(rendered[args.format](report))
    if args.differences:
        found = all_differences(a, b)
        print(f"\n{len(found)} difference(s)")
        for difference in found:
            print(difference)
    for name, ids in (("A", report.only_in_a), ("B", report.only_in_b)):
        if ids:
            print(f"only in {name}, not compared: {', '.join(ids)}", file=sys.stderr)
    if args.write is not None:
        write_agreement(args.write, report)
        print(f"wrote {args.write}", file=sys.stderr)
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import BuildError, build, summary  # imports datasets/pyarrow: only when building
    from .build.staging import StagingError

    out = args.out if args.out is not None else args.root / "dist" / "hf"
    progress = PROGRESS[args.progress]
    try:
        result = build(args.root, out, progress=progress)
    except BuildError as error:
        output = render(error.problems, args.format)
        if output:
            print(output)
        print(f"build stopped: {error}", file=sys.stderr)
        return 1
    except StagingError as error:
        print(f"build stopped: {error}", file=sys.stderr)
        return 1
    print(summary(result))
    return 0


def _cmd_labelstudio_export(args: argparse.Namespace) -> int:
    from .labelstudio.commands import export_tasks

    outcome = export_tasks(args.root, args.doc_ids, args.to, force=args.force)
    if outcome.problems:
        print(render(outcome.problems, args.format))
        print(f"{len(outcome.problems)} problem(s); nothing was written", file=sys.stderr)
        return 1
    for value in outcome.unplaced:  # not an error: the person labels it if it is there
        print(f"not pre-annotated: {value}", file=sys.stderr)
    tasks, config = outcome.written
    print(f"wrote {tasks} (tasks) and {config} (labelling config)")
    return 0


def _cmd_labelstudio_import(args: argparse.Namespace) -> int:
    from .labelstudio.importer import import_export

    outcome = import_export(args.root, args.export, force=args.force, annotator=args.annotator)
    if outcome.problems:
        print(render(outcome.problems, args.format))
        print(f"{len(outcome.problems)} problem(s); nothing was written", file=sys.stderr)
        return 1
    for doc_id in outcome.skipped:
        print(f"skipped {doc_id}: no submitted annotation in the export", file=sys.stderr)
    for name in outcome.written:
        print(f"wrote {name}")
    if not outcome.written:
        print("nothing to import: no task has a submitted annotation", file=sys.stderr)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .build.staging import StagingError
    from .export import ExportError, ExportUnavailable, export, summary

    try:
        result = export(args.root, args.to, args.format)
    except ExportError as error:
        print(render(error.problems, "text"))
        print(f"export stopped: {error}", file=sys.stderr)
        return 1
    except (ExportUnavailable, StagingError) as error:
        print(f"export stopped: {error}", file=sys.stderr)
        return 1
    print(summary(result))
    return 0


def _cmd_add(args: argparse.Namespace) -> int:
    from .add import AddOptions, add_reports, rule_draft_writer

    options = AddOptions(
        title=args.title,
        source_url=args.source_url,
        doc_id=args.doc_id,
        published=args.published,
        source_site=args.source_site,
        text_key=args.text_key,
        id_key=args.id_key,
        published_key=args.published_key,
        allow_near_duplicate=args.allow_near_duplicate,
    )
    if args.draft and not (args.annotated_by or "").strip():
        print(
            "covidmeet-ds add: --draft needs --annotated-by NAME (who will correct the draft)",
            file=sys.stderr,
        )
        return 2
    if args.annotated_by is not None and not args.draft:
        print("covidmeet-ds add: --annotated-by goes with --draft", file=sys.stderr)
        return 2
    draft = rule_draft_writer(args.root, args.annotated_by.strip()) if args.draft else None
    result = add_reports(args.root, args.files, options, draft)
    if result.problems:
        print(render(result.problems, args.format))
        why = " (the corpus does not validate)" if result.corpus_invalid else ""
        print(
            f"add stopped: {len(result.problems)} problem(s){why}; nothing was added",
            file=sys.stderr,
        )
        return 1
    for item in result.added:
        entry = item.entry
        print(f"added {entry.doc_id}  raw/{entry.file}  {entry.status}  ({item.where})")
        for note in item.notes:
            print(f"    {note}")
        if item.draft is not None:
            print(
                f"    draft {item.draft}: correct it, mark each evidence checked: true, then "
                f"`covidmeet-ds promote {entry.doc_id} --reviewer NAME`"
            )
    print(f"{len(result.added)} report(s) added to raw/manifest.yaml", file=sys.stderr)
    return 0


def _iso_day_option(text: str) -> date:
    from pydantic import TypeAdapter, ValidationError

    from .models import IsoDay

    try:
        return TypeAdapter(IsoDay).validate_python(text)
    except ValidationError as error:
        raise argparse.ArgumentTypeError(error.errors()[0]["msg"]) from None


def _cmd_view(args: argparse.Namespace) -> int:
    from .build.staging import StagingError
    from .view import ViewError, write_view

    try:
        result = write_view(args.root, args.doc_ids, args.out)
    except ViewError as error:
        print(render(error.problems, args.format))
        print(f"view stopped: {error}", file=sys.stderr)
        return 1
    except StagingError as error:
        print(f"view stopped: {error}", file=sys.stderr)
        return 1
    pages = len(result.files) - 2  # index.html and view.json
    print(f"{pages} page(s) written to {result.out}/ (open {result.out / 'index.html'})")
    return 0


def _sbatch_arg(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.removeprefix("--"), value


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _cmd_crawl(args: argparse.Namespace) -> int:
    try:
        from .scale import ClusterOptions, CrawlError, CrawlSettings, crawl, render_summary
    except ImportError as error:  # datatrove is the optional "scale" extra
        print(
            f"covidmeet-ds crawl needs datatrove ({error}): pip install 'covidmeet_ds[scale]'",
            file=sys.stderr,
        )
        return 2
    cpus = os.cpu_count() or 1
    tasks = args.tasks or cpus
    settings = CrawlSettings(
        input=args.input,
        output=args.output,
        text_key=args.text_key,
        id_key=args.id_key or "id",
        published_key=args.published_key or "published",
        required_keys=tuple(key for key in (args.id_key, args.published_key) if key is not None),
        tasks=tasks,
        workers=args.workers or min(tasks, cpus),
        executor=args.executor,
        audit_dropped=args.audit_dropped,
        cluster=ClusterOptions(
            cpus_per_task=args.cpus_per_task,
            mem_per_cpu_gb=args.mem_per_cpu_gb,
            partition=args.partition,
            time=args.time,
            env_command=args.env_command,
            sbatch_args=dict(args.sbatch_arg),
            ray_address=args.ray_address,
        ),
    )
    progress = PROGRESS[args.progress]
    try:
        summary = crawl(settings, progress=progress)
    except CrawlError as error:
        print(f"crawl stopped: {error}", file=sys.stderr)
        return 1
    print(render_summary(summary))
    return 0 if summary.succeeded else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="covidmeet-ds",
        description="Validate, anchor and publish the covidmeet_ds annotated dataset.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def root_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--root", type=Path, default=Path("."), help="corpus root (default: current directory)"
        )

    def format_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--format",
            choices=("text", "github", "json"),
            default="text",
            help="problem output: text (file:line:col: field: message), github, json",
        )

    def progress_option(sub: argparse.ArgumentParser, what: str) -> None:
        sub.add_argument(
            "--progress",
            choices=tuple(PROGRESS),
            default="auto",
            help=f"{what}; auto: only on a terminal (default: auto)",
        )

    validate = commands.add_parser(
        "validate", help="check the manifest and every annotation against schema and raw text"
    )
    root_option(validate)
    format_option(validate)
    validate.add_argument("paths", nargs="*", help="annotation files to check (default: all)")
    validate.set_defaults(run=_cmd_validate)

    anchor = commands.add_parser("anchor", help="fill in or repair evidence offsets from quotes")
    root_option(anchor)
    format_option(anchor)
    anchor.add_argument("paths", nargs="*", help="annotation files to anchor (default: all)")
    anchor.set_defaults(run=_cmd_anchor)

    promote = commands.add_parser(
        "promote",
        help="make reviewed drafts gold: every evidence checked: true, then annotations/hand/",
    )
    root_option(promote)
    format_option(promote)
    promote.add_argument("doc_ids", nargs="+", metavar="DOC_ID", help="drafts to promote")
    promote.add_argument(
        "--reviewer", required=True, metavar="NAME", help="who checked every value (provenance)"
    )
    promote.add_argument(
        "--date",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the review date to record (default: today)",
    )
    promote.set_defaults(run=_cmd_promote)

    schema = commands.add_parser(
        "schema", help="print the annotation JSON Schema, or write/check generated files"
    )
    root_option(schema)
    mode = schema.add_mutually_exclusive_group()
    mode.add_argument(
        "--write",
        action="store_true",
        help="write schema/*.schema.json and the guidelines' taxonomy table",
    )
    mode.add_argument("--check", action="store_true", help="exit 1 when a generated file is stale")
    schema.set_defaults(run=_cmd_schema)

    annotate = commands.add_parser(
        "annotate", help="pre-annotate with the rules: annotations/rule/, or --text files"
    )
    root_option(annotate)
    format_option(annotate)
    annotate.add_argument("doc_ids", nargs="*", help="documents to annotate (default: all)")
    annotate.add_argument(
        "--text",
        nargs="+",
        metavar="FILE",
        help="annotate these UTF-8 text files instead and print JSON Lines; writes nothing",
    )
    annotate.add_argument(
        "--published",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="publication date of the --text files (the year inference uses it)",
    )
    annotate.set_defaults(run=_cmd_annotate)

    evaluate = commands.add_parser(
        "evaluate",
        help="score rule annotations (and peer baselines), or your --predictions, against the gold",
    )
    root_option(evaluate)
    format_option(evaluate)
    evaluate.add_argument(
        "--predictions",
        type=Path,
        metavar="FILE",
        help="score these predictions instead: JSON Lines, one annotation per line (the format "
        "`annotate --text` prints); prints the tables and writes nothing",
    )
    evaluate.add_argument(
        "--split",
        choices=("train", "validation", "test", "all"),
        default=None,
        help="with --predictions: the documents whose gold is scored, by the build's split "
        "(default: test)",
    )
    evaluate.add_argument(
        "--no-peers", action="store_true", help="score the rules only (peers are dev extras)"
    )
    evaluate.add_argument(
        "--devset",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="also score the rules and the filter on the labelled report sets in DIR "
        "(<name>.jsonl + <name>-gold.yaml; repeatable; evalsets/written is always scored)",
    )
    evaluate.add_argument(
        "--failures",
        action="store_true",
        help="print every failure of the rules on the report sets (item, field, gold, predicted)",
    )
    evaluate.set_defaults(run=_cmd_evaluate)

    agreement = commands.add_parser(
        "agreement",
        help="compare two folders of hand annotations of the same reports, field by field",
        description="Read every <doc_id>.yaml of DIR_A and DIR_B (folders inside the corpus "
        "root; *.md files are notes), check each against the schema, the manifest and the raw "
        "text, and print how far the two annotations of each document both folders hold agree: "
        "meeting count and detection F1, date, level (with Cohen's kappa), jurisdiction, speaker "
        "F1, requirement span F1, category (with Cohen's kappa) and ordinal, each with its n.",
    )
    agreement.add_argument("dir_a", type=Path, metavar="DIR_A", help="first annotation folder")
    agreement.add_argument("dir_b", type=Path, metavar="DIR_B", help="second annotation folder")
    root_option(agreement)
    agreement.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="output: text, markdown tables or the JSON report (default: text)",
    )
    agreement.add_argument(
        "--differences",
        action="store_true",
        help="also list every value on which the two annotations differ",
    )
    agreement.add_argument(
        "--write",
        type=Path,
        metavar="FILE",
        help="also write the JSON report (figures only) to FILE, e.g. reports/agreement.json",
    )
    agreement.set_defaults(run=_cmd_agreement)

    build = commands.add_parser(
        "build", help="publish Parquet splits, dataset card and Croissant metadata"
    )
    root_option(build)
    format_option(build)
    build.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder, replaced as a whole (default: ROOT/dist/hf)",
    )
    progress_option(build, "progress bars")
    build.set_defaults(run=_cmd_build)

    export = commands.add_parser(
        "export",
        help="write analysis-ready tables (names, not codes) as CSV or one DuckDB file",
        description="Validate the corpus and write the tables meetings, speakers, requirements, "
        "documents, taxonomy and places to DIR: class labels as names, dates ISO, lists joined "
        "by '; ', with a README.md codebook. DIR is replaced whole, and only when an earlier "
        "export wrote it.",
    )
    root_option(export)
    export.add_argument(
        "--to", type=Path, required=True, metavar="DIR", help="output folder, replaced as a whole"
    )
    export.add_argument(
        "--format",
        choices=("csv", "duckdb"),
        default="csv",
        help="csv: one UTF-8 CSV file per table; duckdb: one covidmeet_ds.duckdb file (needs the "
        "'export' extra) (default: csv)",
    )
    export.set_defaults(run=_cmd_export)

    add = commands.add_parser(
        "add",
        help="add reports to raw/ and the manifest (text files, JSON Lines, a crawl's output)",
        description="Copy each report byte for byte into raw/ and append its manifest entry "
        "(doc id, sha256, title, script, ...). A report already in the corpus, byte for byte or "
        "as a near-duplicate by the split grouping, is refused, naming it. All or nothing.",
    )
    root_option(add)
    format_option(add)
    add.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="a UTF-8 text file (one report), a .jsonl file of records, or a crawl OUTPUT folder",
    )
    add.add_argument("--title", help="the report's headline (default: its first non-blank line)")
    add.add_argument("--source-url", metavar="URL", help="the page's URL (http or https)")
    add.add_argument(
        "--doc-id", help="the document's id (default: doc-<first 12 hex of its sha256>)"
    )
    add.add_argument(
        "--published",
        type=_iso_day_option,
        metavar="YYYY-MM-DD",
        help="publication date shown by the page (for every report that does not give one)",
    )
    add.add_argument(
        "--source-site",
        metavar="SITE",
        help="the site the page comes from, as it names itself (for every report without one)",
    )
    add.add_argument(
        "--text-key", default="text", help="JSON Lines: field holding the text (default: text)"
    )
    add.add_argument(
        "--id-key",
        default="id",
        help="JSON Lines: field naming the record in messages (default: id)",
    )
    add.add_argument(
        "--published-key",
        default="published",
        help="JSON Lines: field holding the publication date (default: published)",
    )
    add.add_argument(
        "--allow-near-duplicate",
        action="store_true",
        help="add a near-duplicate of a corpus report anyway (it joins that report's group and "
        "split); exact duplicates are always refused",
    )
    add.add_argument(
        "--draft",
        action="store_true",
        help="also write annotations/draft/<doc_id>.yaml, pre-filled from the rules, for a "
        "person to correct (manifest status: draft)",
    )
    add.add_argument(
        "--annotated-by",
        metavar="NAME",
        help="with --draft: who will correct the draft (its provenance.annotated_by)",
    )
    add.set_defaults(run=_cmd_add)
    view = commands.add_parser(
        "view",
        help="write static HTML review pages: evidence highlighted, hand against rules",
        description="Validate the documents' annotations and write one HTML page per document "
        "to DIR: the raw text with every evidence highlighted by field, the annotation beside "
        "it, and what the rules missed, added or got different from the hand annotation. DIR is "
        "replaced whole, and only when an earlier view wrote it.",
    )
    root_option(view)
    format_option(view)
    view.add_argument("doc_ids", nargs="*", metavar="DOC_ID", help="documents (default: all)")
    view.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="output folder, replaced as a whole"
    )
    view.set_defaults(run=_cmd_view)
    labelstudio = commands.add_parser(
        "labelstudio",
        help="Label Studio round trip: export pre-annotated tasks, import corrected annotations",
    )
    studio = labelstudio.add_subparsers(dest="studio_command", required=True, metavar="ACTION")
    studio_export = studio.add_parser(
        "export",
        help="write the labelling config and tasks pre-annotated by the rules",
        description="Write FILE (tasks: the raw text of each report with the rules' output as "
        "predictions, for Label Studio's import) and FILE's name with .config.xml (the labelling "
        "config for the project's settings).",
    )
    root_option(studio_export)
    format_option(studio_export)
    studio_export.add_argument(
        "doc_ids",
        nargs="*",
        metavar="DOC_ID",
        help="documents to export (default: every document without a gold annotation)",
    )
    studio_export.add_argument(
        "--to", type=Path, required=True, metavar="FILE", help="the tasks file (JSON)"
    )
    studio_export.add_argument(
        "--force", action="store_true", help="replace FILE and its config if they exist"
    )
    studio_export.set_defaults(run=_cmd_labelstudio_export)
    studio_import = studio.add_parser(
        "import",
        help="turn a Label Studio JSON export into gold annotations (validated)",
        description="Read a Label Studio JSON export of tasks made by `labelstudio export` and "
        "write each submitted annotation to annotations/hand/<doc_id>.yaml (gold, provenance "
        "from the rules, the annotator and the submission date), all or nothing.",
    )
    root_option(studio_import)
    format_option(studio_import)
    studio_import.add_argument("export", type=Path, metavar="FILE", help="the JSON export")
    studio_import.add_argument(
        "--force", action="store_true", help="replace existing gold annotations or drafts"
    )
    studio_import.add_argument(
        "--annotator",
        metavar="NAME",
        help="who annotated, when the export gives only Label Studio user ids",
    )
    studio_import.set_defaults(run=_cmd_labelstudio_import)

    crawl = commands.add_parser(
        "crawl",
        help="find meeting reports in a crawl and pre-annotate them (datatrove: local/Slurm/Ray)",
        description="Read a crawl (JSON Lines or Parquet: a file or a folder of files), keep the "
        "reports of COVID-19 prevention meetings held by Chinese party or government bodies, "
        "annotate them with the rules and write OUTPUT/data/*.parquet. A rerun with the same "
        "settings resumes: finished tasks are skipped. Needs the 'scale' extra.",
    )
    crawl.add_argument(
        "input",
        type=Path,
        metavar="INPUT",
        help="a .jsonl[.gz] or .parquet file, or a folder of them",
    )
    crawl.add_argument(
        "output", type=Path, metavar="OUTPUT", help="output folder (new, or a crawl to resume)"
    )
    crawl.add_argument(
        "--text-key", default="text", help="field holding the page text (default: text)"
    )
    crawl.add_argument(
        "--id-key",
        help="field holding the page id (default: id, and FILE/INDEX for records without one; "
        "a field named here must be in some record)",
    )
    crawl.add_argument(
        "--published-key",
        help="field holding the publication date, for the year inference (default: published; "
        "a field named here must be in some record)",
    )
    crawl.add_argument(
        "--executor",
        choices=("local", "slurm", "ray"),
        default="local",
        help="where tasks run (default: local)",
    )
    crawl.add_argument(
        "--tasks",
        type=_at_least_one,
        default=None,
        help="how many shards the input is split into (default: CPU count)",
    )
    crawl.add_argument(
        "--workers",
        type=_at_least_one,
        default=None,
        help="how many tasks run at once (default: min(tasks, CPU count))",
    )
    crawl.add_argument(
        "--audit-dropped",
        action="store_true",
        help="write dropped pages with their reason to OUTPUT/dropped/",
    )
    progress_option(crawl, "a progress bar of finished tasks")
    cluster = crawl.add_argument_group("Slurm and Ray")
    cluster.add_argument(
        "--cpus-per-task", type=_at_least_one, default=1, help="CPUs per task (default: 1)"
    )
    cluster.add_argument(
        "--mem-per-cpu-gb",
        type=_positive_number,
        default=2,
        help="memory per CPU in GB (default: 2)",
    )
    cluster.add_argument("--partition", help="Slurm partition (required with --executor slurm)")
    cluster.add_argument(
        "--time", default="04:00:00", help="Slurm time limit per task (default: 04:00:00)"
    )
    cluster.add_argument(
        "--env-command",
        help="shell line that sets up the environment in each Slurm job "
        "(default: activate the virtual environment this command runs from)",
    )
    cluster.add_argument(
        "--sbatch-arg",
        type=_sbatch_arg,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra #SBATCH directive, e.g. account=myproject (repeatable)",
    )
    cluster.add_argument(
        "--ray-address",
        help="Ray cluster to join (default: $RAY_ADDRESS, else a local Ray started for this run)",
    )
    crawl.set_defaults(run=_cmd_crawl)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
