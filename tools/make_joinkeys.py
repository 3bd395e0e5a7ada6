"""Generate ``src/covidmeet_ds/data/joinkeys.tsv``: join keys of China's provincial-level units.

For each provincial unit of the gazetteer (``data/divisions.tsv``): its ISO 3166-2 code, from
``pycountry`` (which ships the Debian ``iso-codes`` data), matched through iso-codes' own Chinese
(zh_CN) translation of the subdivision names; and the RegionCode OxCGRT uses for it.

OxCGRT codes: OxCGRT's final dataset (repository OxCGRT/covid-policy-dataset, file
``data/timeseries_indices/OxCGRT_timeseries_StringencyIndex_v1.csv``, commit
1e625a306b2d1dbc5393b9a139340481b671304b, June 2023, CC BY 4.0) has STATE_TOTAL rows for 31
provincial units of mainland China, with RegionCode ``CHN_`` followed by the unit's ISO 3166-2
suffix (CHN_AH Anhui … CHN_ZJ Zhejiang), and the whole country as CountryCode ``CHN``
(NAT_TOTAL). Hong Kong, Macau and Taiwan are not China regions there (OxCGRT codes them as
separate jurisdictions): their OxCGRT column is empty. ``OXCGRT_CHINA_REGIONS`` below lists the 31
suffixes read from that file; the generator checks each is an ISO suffix of a unit it matched.

Not run in CI (pycountry is a development dependency only); run it by hand after changing it:

    python tools/make_joinkeys.py > src/covidmeet_ds/data/joinkeys.tsv

The output is sorted by code and byte-for-byte the same for the same pycountry version.
"""

from __future__ import annotations

import gettext
import importlib.metadata
import sys

import pycountry

from covidmeet_ds.places import gazetteer

OXCGRT_SOURCE = (
    "OxCGRT/covid-policy-dataset data/timeseries_indices/OxCGRT_timeseries_StringencyIndex_v1.csv"
    " @ 1e625a306b2d1dbc5393b9a139340481b671304b"
)
OXCGRT_CHINA_REGIONS = frozenset(
    {"AH", "BJ", "CQ", "FJ", "GD", "GS", "GX", "GZ", "HA", "HB", "HE", "HI", "HL", "HN", "JL"}
    | {"JS", "JX", "LN", "NM", "NX", "QH", "SC", "SD", "SH", "SN", "SX", "TJ", "XJ", "XZ", "YN"}
    | {"ZJ"}
)
"""ISO 3166-2 suffixes of the units OxCGRT codes as ``CHN_<suffix>`` (31, read from its file)."""

UNTRANSLATED = {"Ningxia Huizu Zizhiqu": "宁夏回族自治区"}
"""iso-codes names whose zh_CN translation is missing, with the official name they romanise."""


def iso_codes_by_name() -> dict[str, str]:
    """ISO 3166-2 code of each Chinese subdivision, by its official Chinese name."""
    chinese = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["zh_CN"])
    by_name: dict[str, str] = {}
    for subdivision in pycountry.subdivisions.get(country_code="CN"):
        name = chinese.gettext(subdivision.name)
        if name == subdivision.name:
            if subdivision.name not in UNTRANSLATED:
                raise ValueError(f"{subdivision.code} {subdivision.name} has no Chinese name")
            name = UNTRANSLATED[subdivision.name]
        if name in by_name:
            raise ValueError(f"{name} names both {by_name[name]} and {subdivision.code}")
        by_name[name] = subdivision.code
    return by_name


def rows() -> list[tuple[str, str, str, str]]:
    """(division code, name, ISO 3166-2 code, OxCGRT RegionCode or '') of each provincial unit."""
    by_name = iso_codes_by_name()
    provincial = gazetteer().provincial()
    unmatched = [d.name for d in provincial if d.name not in by_name]
    extra = sorted(set(by_name) - {d.name for d in provincial})
    if unmatched or extra:
        raise ValueError(f"gazetteer and ISO 3166-2 disagree: {unmatched} vs {extra}")
    table = []
    for division in sorted(provincial, key=lambda d: d.code):
        iso = by_name[division.name]
        suffix = iso.removeprefix("CN-")
        oxcgrt = f"CHN_{suffix}" if suffix in OXCGRT_CHINA_REGIONS else ""
        table.append((division.code, division.name, iso, oxcgrt))
    matched = {iso.removeprefix("CN-") for _, _, iso, _ in table}
    if not matched >= OXCGRT_CHINA_REGIONS:
        raise ValueError(f"OxCGRT suffixes with no unit: {sorted(OXCGRT_CHINA_REGIONS - matched)}")
    return table


def render(table: list[tuple[str, str, str, str]], version: str) -> str:
    header = [
        "# Join keys of China's provincial-level units (generated; do not edit).",
        f"# iso_3166_2: pycountry {version} (Debian iso-codes data), matched by iso-codes' zh_CN",
        "#   names to the gazetteer's official names (divisions.tsv).",
        f"# oxcgrt_region: RegionCode in OxCGRT's final dataset ({OXCGRT_SOURCE}),",
        "#   CC BY 4.0; empty where OxCGRT has no China region (it codes HK, MO, TW apart).",
        "#   The whole country is CountryCode CHN there.",
        "# Generator: tools/make_joinkeys.py.",
        "code\tname\tiso_3166_2\toxcgrt_region",
    ]
    return "\n".join(header + ["\t".join(row) for row in table]) + "\n"


def main() -> None:
    sys.stdout.write(render(rows(), importlib.metadata.version("pycountry")))


if __name__ == "__main__":
    main()
