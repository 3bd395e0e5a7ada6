"""covidmeet_ds: annotated Chinese reports of COVID-19 prevention-and-control meetings."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("covidmeet_ds")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"
