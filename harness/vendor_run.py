"""What `sxcert certify` does around a run for certifiers and vendors' CI: validate --baseline,
--sign-key, --rerun-failed and --dossier before any server starts, and after the run apply the
baseline (exit code and summary, never the verdict) and write the dossier.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from harness.baseline import Baseline, BaselineError, BaselineOutcome, apply_baseline, load_baseline
from harness.certify import RunOutcome
from harness.dossier.build import DossierError, RunRecord, build_dossier
from harness.report.write import write_reports
from harness.rerun import RerunError, RerunSelection, failed_checks, rerun_target
from harness.signing import SigningKeyError, load_private_key


class VendorOptionError(Exception):
    """An option of the run cannot be used; exit 2 with this message."""


@dataclass(frozen=True)
class RunExtras:
    baseline_file: Path | None = None
    baseline: Baseline | None = None
    dossier: Path | None = None
    sign_key: Path | None = None


def prepare_extras(baseline: Path | None, dossier: Path | None, sign_key: Path | None) -> RunExtras:
    """Everything a run's extras need, checked before the run (a typo must not cost a run)."""
    if sign_key is not None and dossier is None:
        raise VendorOptionError("--sign-key signs a dossier: give --dossier FILE.zip too")
    if dossier is not None and (dossier.suffix.lower() != ".zip" or dossier.is_dir()):
        raise VendorOptionError(f"--dossier {dossier}: give the path of a .zip file to write")
    try:
        if sign_key is not None:
            load_private_key(sign_key)
        loaded = load_baseline(baseline) if baseline is not None else None
    except (SigningKeyError, BaselineError) as exc:
        raise VendorOptionError(str(exc)) from None
    return RunExtras(baseline, loaded, dossier, sign_key)


def rerun_selection(
    report: Path, profile_given: bool, defects: tuple[str, ...]
) -> tuple[RerunSelection, tuple[str, ...]]:
    """The checks to re-run and the reference defects to run them under (see rerun_target)."""
    try:
        selection = failed_checks(report)
        return selection, rerun_target(selection, profile_given, defects)
    except RerunError as exc:
        raise VendorOptionError(f"--rerun-failed: {exc}") from None


def finish_run(outcome: RunOutcome, extras: RunExtras, out: Path, console: Console) -> int:
    """Apply the baseline and write the dossier; answer the exit code of the run."""
    code = outcome.code
    if extras.baseline is not None and extras.baseline_file is not None:
        applied = apply_baseline(extras.baseline, outcome.report, extras.baseline_file)
        outcome.report.baseline = applied.model_dump()
        write_reports(
            outcome.report, out, outcome.lang
        )  # report.json records it; the verdict is unchanged
        print_baseline(applied, console)
        code = applied.exit_code if outcome.report.verdict == "REJECT" else 0
    if extras.dossier is not None:
        record = RunRecord(out, outcome.report, outcome.profile, extras.baseline_file)
        try:
            build_dossier(record, extras.dossier, extras.sign_key)
        except (DossierError, SigningKeyError) as exc:
            raise VendorOptionError(str(exc)) from None
        signed = " (signed)" if extras.sign_key is not None else " (unsigned)"
        console.print(f"Dossier: {extras.dossier}{signed}", highlight=False)
    return code


def print_baseline(applied: BaselineOutcome, console: Console) -> None:
    """The baseline's part of the summary: what it expected, and what it did not."""
    console.print(f"Baseline {applied.file}:", highlight=False)
    for label, items in (
        ("expected failures", applied.expected_failures),
        ("UNEXPECTED failures", applied.unexpected_failures),
        ("EXPIRED entries (count as failures)", applied.expired),
        ("unexpected passes (remove these entries)", applied.unexpected_passes),
        ("entries not judged in this run", applied.not_judged),
    ):
        if items:
            console.print(f"  {label}: {', '.join(items)}", highlight=False, soft_wrap=True)
    verdict = "passes" if applied.exit_code == 0 else "fails"
    console.print(
        f"  CI {verdict} against the baseline (the verdict is unchanged; a baseline run is never "
        "a certification)",
        highlight=False,
    )
