"""``python -m covidmeet_ds``: the ``covidmeet-ds`` command line, with the same exit codes."""

import sys

from .cli import main

sys.exit(main())
