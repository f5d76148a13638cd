"""The installed sxcert version, as the package metadata says (pyproject.toml's `version`)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def sxcert_version() -> str:
    """The version a report names, so a verdict can be traced to the checks that made it."""
    try:
        return version("sxcert")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"
