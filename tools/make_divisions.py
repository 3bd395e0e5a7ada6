"""Generate ``src/covidmeet_ds/data/divisions.tsv``: China's divisions at county level and above.

Source: the npm package ``administrative-division-cn`` 0.2.1 (MIT, Qingrong Ke), whose
``dataOf202011`` is the Ministry of Civil Affairs' list 2020年11月中华人民共和国县以上行政区划代码
(6-digit codes, GB/T 2260 scheme). The list names only real units: it has no 市辖区/县/省直辖县级
行政区划 placeholder rows, and it has the provincial rows of Taiwan, Hong Kong and Macau (with no
units below them).

Not run in CI (it needs node and the npm package); run it by hand after changing it:

    npm install --no-save --prefix /tmp/gazetteer administrative-division-cn@0.2.1
    python tools/make_divisions.py /tmp/gazetteer/node_modules/administrative-division-cn \\
        > src/covidmeet_ds/data/divisions.tsv

The output is sorted by code and byte-for-byte the same for the same package version.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = "administrative-division-cn"
VERSION = "0.2.1"
DATA_EXPORT = "dataOf202011"
PREFECTURES_EXPORT = "prefecturesOf202011"
CODE = re.compile(r"^[1-9]\d{5}$")
MUNICIPALITY_PROVINCES = frozenset({"11", "12", "31", "50"})

# Suffix → kind, tried longest first; the level comes from the code, the suffix only names the kind.
KINDS = {
    "provincial": {
        "特别行政区": "special_administrative_region",
        "自治区": "autonomous_region",
        "省": "province",
        "市": "municipality",
    },
    "prefectural": {
        "自治州": "autonomous_prefecture",
        "地区": "prefecture",
        "盟": "league",
        "市": "prefecture_city",
    },
    "county": {
        "自治县": "autonomous_county",
        "自治旗": "autonomous_banner",
        "神农架林区": "forestry_district",  # the only 林区 unit; 碑林区 and 万柏林区 are districts
        "特区": "special_district",
        "县": "county",
        "旗": "banner",
        "区": "district",
        "市": "county_city",
    },
}


def read_package(package_dir: Path) -> tuple[list[dict[str, str]], list[str]]:
    """The rows and the names of the prefectural units the package exports, read through node."""
    script = (
        f"const m = require({json.dumps(str(package_dir.resolve()))});"
        f"process.stdout.write(JSON.stringify([m.{DATA_EXPORT}, m.{PREFECTURES_EXPORT}]));"
    )
    output = subprocess.run(
        ["node", "-e", script], check=True, capture_output=True, text=True
    ).stdout
    rows, prefectures = json.loads(output)
    return rows, prefectures


def installed_version(package_dir: Path) -> str:
    return json.loads((package_dir / "package.json").read_text(encoding="utf-8"))["version"]


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "provincial"
    if code.endswith("00"):
        return "prefectural"
    return "county"


def kind_of(name: str, level: str, code: str) -> str:
    for suffix, kind in sorted(KINDS[level].items(), key=lambda item: -len(item[0])):
        if name.endswith(suffix):
            if kind == "municipality" and code[:2] not in MUNICIPALITY_PROVINCES:
                raise ValueError(f"{code} {name}: a provincial 市 that is not a municipality")
            return kind
    raise ValueError(f"{code} {name}: no known suffix for a {level} unit")


def parent_of(code: str, level: str, codes: set[str]) -> str:
    """The unit directly above: the prefecture when it exists, else the province (the
    municipalities' districts and counties, and the units directly under a province)."""
    if level == "provincial":
        return ""
    province = code[:2] + "0000"
    prefecture = code[:4] + "00"
    if level == "county" and prefecture in codes:
        return prefecture
    if province not in codes:
        raise ValueError(f"{code}: its province {province} is missing")
    return province


def divisions(rows: list[dict[str, str]], prefectures: list[str]) -> list[tuple[str, ...]]:
    codes = {row["code"] for row in rows}
    if len(codes) != len(rows):
        raise ValueError("duplicate codes in the source")
    table = []
    for row in sorted(rows, key=lambda row: row["code"]):
        code, name = row["code"], row["name"].strip()
        if not CODE.match(code) or not name:
            raise ValueError(f"bad row {row!r}")
        level = level_of(code)
        table.append((code, name, level, kind_of(name, level, code), parent_of(code, level, codes)))
    by_code = sorted(row[1] for row in table if row[2] == "prefectural")
    if by_code != sorted(prefectures):
        raise ValueError("the prefectural codes and the package's list of prefectures disagree")
    return table


def render(table: list[tuple[str, ...]], version: str) -> str:
    header = [
        "# China's administrative divisions at county level and above (generated; do not edit).",
        "# Source: 民政部 2020年11月中华人民共和国县以上行政区划代码 (Ministry of Civil Affairs),",
        f"#   as exported ({DATA_EXPORT}) by the npm package {PACKAGE} {version},",
        "#   licence MIT (c) 2021 Qingrong Ke; the codes themselves are public government data.",
        "# Generator: tools/make_divisions.py (see its docstring for the exact command).",
        "# Columns: code, name (official full name), level, kind, parent code (empty: provincial).",
        "code\tname\tlevel\tkind\tparent",
    ]
    return "\n".join(header + ["\t".join(row) for row in table]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package_dir", type=Path, help=f"node_modules/{PACKAGE}")
    args = parser.parse_args()
    version = installed_version(args.package_dir)
    if version != VERSION:
        raise SystemExit(f"{PACKAGE} {version} is installed; this generator reads {VERSION}")
    rows, prefectures = read_package(args.package_dir)
    sys.stdout.write(render(divisions(rows, prefectures), version))


if __name__ == "__main__":
    main()
