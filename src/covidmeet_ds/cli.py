"""The ``covidmeet-ds`` command line: parse arguments, call the library, format output."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from . import __version__
from .anchor import anchor_files
from .schemas import schema_texts, stale_schemas, write_schemas
from .validate import render, validate_corpus


def _cmd_validate(args: argparse.Namespace) -> int:
    problems = validate_corpus(args.root, [Path(p) for p in args.paths])
    output = render(problems, args.format)
    if output:
        print(output)
    if args.format == "text":
        summary = f"{len(problems)} problem(s)" if problems else "all annotations valid"
        print(summary, file=sys.stderr)
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


def _cmd_schema(args: argparse.Namespace) -> int:
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
    from .corpus import InputError, read_text

    if args.text:
        status = 0
        for name in args.text:
            path = Path(name)
            try:
                raw = read_text(path)[0]
            except (OSError, InputError) as error:
                print(f"{path}: {getattr(error, 'message', error)}", file=sys.stderr)
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


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .build import load_documents
    from .evaluate import render_markdown, score, write_report

    problems = validate_corpus(args.root)
    if problems:
        print(render(problems, args.format))
        print("evaluation stopped: the corpus does not validate", file=sys.stderr)
        return 1
    documents = load_documents(args.root, progress=False)
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
    report = args.root / "reports" / "evaluation.json"
    write_report(report, results)
    print(f"wrote {report}", file=sys.stderr)
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import BuildError, build, summary  # imports datasets/pyarrow: only when building
    from .build.staging import StagingError

    out = args.out if args.out is not None else args.root / "dist" / "hf"
    progress = {"auto": None, "always": True, "never": False}[args.progress]
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
        "evaluate", help="score rule annotations (and peer baselines) against the gold"
    )
    root_option(evaluate)
    format_option(evaluate)
    evaluate.add_argument(
        "--no-peers", action="store_true", help="score the rules only (peers are dev extras)"
    )
    evaluate.set_defaults(run=_cmd_evaluate)

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
    build.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="progress bars: auto shows them only on a terminal (default: auto)",
    )
    build.set_defaults(run=_cmd_build)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
