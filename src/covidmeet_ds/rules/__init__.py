"""Rule extractors: one module per field, each a pure function from a ``ReportContext`` (the
report read once: normalised text, publication date, meetings, people) and the meeting span it
is asked about to models of the data contract.

``registry.RULES`` lists the field rules in the order ``annotate`` and the crawl run them; a rule's
version is a hash of its code and cue files, and every rule annotation records them. Cue words and
gazetteers live in ``covidmeet_ds/data/*.yaml``, each loaded through a model that refuses unknown
keys; no rule may name a particular report, sentence, place or official.
"""
