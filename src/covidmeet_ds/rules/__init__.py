"""Rule extractors: one module per field, each a pure function from a normalised report (and
the meeting segment it is asked about) to models of the data contract.

Every extractor module exposes ``VERSION`` (e.g. ``"dates_v1"``); the rule annotation records the
package version. Cue words and gazetteers live in ``covidmeet_ds/data/*.yaml``, not in code, and
no rule may name a particular report, sentence or official.
"""
