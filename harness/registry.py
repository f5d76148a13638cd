"""The `@check` decorator: registers a check function and ties it to requirement IDs.

Following schemathesis, a check is a plain module-level function named for the property it
verifies; the decorator records which requirements it covers and its kind and marks it for pytest
(`requirement` marker). Adding a check is one decorated function. Allure's labels and links are
added by the plugin at collection (harness/plugin.py): allure's own decorators are no-ops unless
allure-pytest is already configured when the check module is imported, which it never is here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import pytest

from harness.catalogue import load_catalogue

Kind = Literal["api", "browser", "load", "attest", "fuzz"]
F = TypeVar("F", bound=Callable[..., object])


@dataclass(frozen=True)
class CheckInfo:
    name: str
    requirements: tuple[str, ...]
    kind: Kind
    module: str
    summary: str
    path: Path


CHECKS: dict[str, CheckInfo] = {}


def check(*requirements: str, kind: Kind = "api") -> Callable[[F], F]:
    """Register `func` as the check of `requirements` (catalogue IDs, validated now)."""
    catalogue = load_catalogue()
    known = set(catalogue.ids())
    unknown = [r for r in requirements if r not in known]
    if not requirements or unknown:
        raise ValueError(f"check needs catalogue requirement IDs; unknown: {unknown}")

    def decorate(func: F) -> F:
        module = importlib.import_module(func.__module__)
        info = CheckInfo(
            name=func.__name__,
            requirements=tuple(requirements),
            kind=kind,
            module=func.__module__,
            summary=(func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else "",
            path=Path(module.__file__ or ""),
        )
        if info.name in CHECKS and CHECKS[info.name].module != info.module:
            raise ValueError(f"check name {info.name} is used twice")
        CHECKS[info.name] = info
        func.__sxcert_check__ = info  # type: ignore[attr-defined]
        return pytest.mark.requirement(*requirements, kind=kind)(func)

    return decorate


def check_modules() -> list[Path]:
    """Import every module of harness.checks (filling CHECKS) and answer their file paths."""
    import harness.checks as package

    paths: list[Path] = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"harness.checks.{info.name}")
        paths.append(Path(module.__file__ or ""))
    return sorted(paths)


def all_checks() -> dict[str, CheckInfo]:
    check_modules()
    return dict(CHECKS)


def checks_by_requirement() -> dict[str, list[str]]:
    covered: dict[str, list[str]] = {}
    for info in all_checks().values():
        for requirement in info.requirements:
            covered.setdefault(requirement, []).append(info.name)
    return covered
