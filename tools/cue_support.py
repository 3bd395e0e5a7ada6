"""How many independent sources back each cue word of the rules.

A cue word earns its place in reports from more than one source. This lists, for every plain
word of the rules' cue files (``src/covidmeet_ds/data/*.yaml``; patterns and gazetteers are left
out), the sources whose reports contain it: each site of the corpus manifest (``source_site``,
or the document when the site is unknown) and each labelled report set given (a ``.jsonl`` of
reports from one outlet, e.g. ``../shared/devset/xwlb-dev.jsonl``). Texts are compared in
Simplified script with punctuation folded, as the rules read them.

    python tools/cue_support.py [--root .] [--reports FILE.jsonl ...] [--show 1]

prints, per cue file, how many words have 0, 1 and 2+ sources, and the words backed by at most
``--show`` sources. Written sets of our own (``evalsets/``) are not sources: they would vouch for
the cues their authors had in mind.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path

import yaml

from covidmeet_ds.text import to_simplified
from covidmeet_ds.text.punctuation import fold_width

CUE_FILES = ("meetings", "reports", "levels", "dates", "speakers", "requirements", "furniture")
_PATTERN_CHARS = re.compile(r"[()\[\]?*+|\\{}^$.]")


def plain_words(data: object) -> set[str]:
    """Every string of a cue file that is a word, not a pattern (two characters or more)."""
    if isinstance(data, str):
        word = fold_width(data.strip())
        return {word} if len(word) >= 2 and not _PATTERN_CHARS.search(word) else set()
    if isinstance(data, dict):
        return set().union(*(plain_words(v) for v in data.values()), set())
    if isinstance(data, list):
        return set().union(*(plain_words(v) for v in data), set())
    return set()


def corpus_sources(root: Path) -> dict[str, list[str]]:
    manifest = yaml.safe_load((root / "raw" / "manifest.yaml").read_text(encoding="utf-8"))
    sources: dict[str, list[str]] = defaultdict(list)
    for entry in manifest["documents"]:
        text = (root / "raw" / entry["file"]).read_text(encoding="utf-8")
        sources[entry.get("source_site") or entry["doc_id"]].append(text)
    return sources


def report_sources(files: list[Path]) -> dict[str, list[str]]:
    sources: dict[str, list[str]] = defaultdict(list)
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                sources[path.stem].append(json.loads(line)["text"])
    return sources


def support(words: set[str], sources: dict[str, list[str]]) -> dict[str, set[str]]:
    """Word → the sources with a report containing it."""
    folded = {
        name: [fold_width(to_simplified(t)) for t in texts] for name, texts in sources.items()
    }
    return {
        word: {name for name, texts in folded.items() if any(word in t for t in texts)}
        for word in words
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument("--reports", type=Path, nargs="*", default=[])
    parser.add_argument("--show", type=int, default=-1, help="list words with at most N sources")
    args = parser.parse_args()
    sources = corpus_sources(args.root) | report_sources(args.reports)
    print(f"{len(sources)} sources: {', '.join(sorted(sources))}")
    for name in CUE_FILES:
        path = args.root / "src" / "covidmeet_ds" / "data" / f"{name}.yaml"
        words = plain_words(yaml.safe_load(path.read_text(encoding="utf-8")))
        found = support(words, sources)
        counts = [sum(1 for s in found.values() if len(s) == n) for n in (0, 1)]
        many = sum(1 for s in found.values() if len(s) >= 2)
        print(
            f"{name}.yaml: {len(words)} words; 0 sources {counts[0]}, 1 source {counts[1]}, "
            f"2+ sources {many}"
        )
        for word in sorted(w for w, s in found.items() if len(s) <= args.show):
            print(f"    {word}: {', '.join(sorted(found[word])) or '-'}")


if __name__ == "__main__":
    main()
