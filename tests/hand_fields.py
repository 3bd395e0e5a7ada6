"""What a hand annotation written by a test says besides its labels (see the guidelines §1)."""

HAND_FIELDS = {
    "stage": "gold",
    "provenance": {
        "origin": "scratch",
        "rules": [],
        "annotated_by": "a test",
        "reviewed_by": "a test",
        "reviewed_on": "2026-11-30",
    },
    "report_kind": {"kind": "meeting_report"},
}
