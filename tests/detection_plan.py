"""The detection matrix's plan: which certify runs prove that every defect is caught.

One full certify per defect proves the most and scales worst (about 45 s each: an hour at the
~100 defects the slices will bring). The plan instead proves the same two facts in two cheaper
kinds of run:

- **solo runs** — one per defect, narrowed with `--only` to the requirements it breaks: the defect
  on its own makes exactly its named checks fail, and every other check of those requirements pass.
  A solo run costs only its requirements' checks (a few seconds).
- **group runs** — a handful of full certify runs, each with several defects switched on at once.
  The defects of one group name pairwise disjoint checks, so every failure is attributed to the
  one defect that names its check: the group's named checks must fail, the other checks of the
  requirements its defects break may pass or fail (as in a solo run), and every other check of the
  catalogue must pass. The number of groups is the largest number of defects that name one check
  (today 10). Until stop 48 a group's defects also broke pairwise disjoint requirements, which
  proved nothing more (a broken requirement's unnamed checks were free either way) and cost two
  more full runs (12: as many as the defects of the most-broken requirement, POST-03).

Together: every defect is caught by its own checks (solo), and no defect makes a check outside its
group's union fail (group). What this leaves unproven — a defect that also breaks a check of
another requirement whose defect sits in the same group — is what the exhaustive mode
(`SXCERT_MATRIX=exact`: one full certify per defect) proves, for a nightly run or before a release.
Pairs known to interfere are kept apart by `KEEP_APART`, so a group never hides one behind another.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

# Clauses whose checks move the test clock far on: POST-05's retention probe (years), the subsidy
# checks (two quarters a run). They are judged on fresh platforms only, so that a platform serving
# many runs (the matrix's switchable one, the second-run test's long-running one) stays in step
# with its province. VOUCH-03 judges the hand-over of the subsidy cohort's learners too, and
# STUDY-08 (since stop 44) the scope of its certificates, POST-02 (since stop 46) its
# certificates of every level.
CLOCK_MOVING = frozenset(
    {"POST-02", "POST-05", "STUDY-08", "SUB-01", "SUB-02", "SUB-05", "VOUCH-03"}
)


class DefectLike(Protocol):
    name: str
    breaks: tuple[str, ...]
    checks: tuple[str, ...]


# STUDY-04's defects that refuse a new playback (while another is open, or was used lately) and
# those that credit two players at once: under the first, the second player of the second never
# plays.
REFUSE_A_SECOND_PLAYBACK = (
    "refuses_playback_while_any_is_open",
    "refuses_playback_after_its_login_ended",
)
CREDIT_TWO_PLAYERS = (
    "credits_two_windows",
    "same_window_id_not_superseded",
    "credits_windows_of_other_courses",
    "credits_heartbeats_of_another_window",
)
# Pairs of defects that must never share a group run, each with the reason.
KEEP_APART: frozenset[frozenset[str]] = frozenset(
    {
        # the second certifies the learner whose hours are credited but whose quiz failed, the
        # very learner SUB-01 needs uncertified to catch the first (seen at stop 26)
        frozenset({"claim_includes_uncertified", "certificate_for_failing_learner"}),
        # an expired capture counted as passed leaves the honest learner who missed one capture
        # no failed capture, so the self-check that reads every failure as another face has
        # nothing to flag (a group run of stop 33)
        frozenset({"expired_capture_counts_as_passed", "self_check_flags_one_missed_capture"}),
        # a drag credited as watched moves the furthest point there, so resuming at the last
        # reported position is resuming at the furthest point (a group run of stop 47)
        frozenset({"resume_at_last_reported_position", "trusts_client_position"}),
        # an impostor's login admitted leaves no failed liveness check to stream (stop 47)
        frozenset({"failed_liveness_not_streamed", "ignores_face_mismatch"}),
        frozenset({"failed_liveness_not_streamed", "liveness_only_on_first_login"}),
        # a capture passed that should have failed leaves fewer than 2 failures of two kinds
        # (stop 47: the self-check is then rightly expected to flag nothing)
        frozenset(
            {"self_check_counts_capture_failures_per_kind", "expired_capture_counts_as_passed"}
        ),
        frozenset({"self_check_counts_capture_failures_per_kind", "accepts_any_capture_face"}),
        # a new playback refused while another is open, or was used in the last two heartbeat
        # intervals, leaves the second window nothing to play, so nothing to double (stop 48,
        # when groups first held two defects of one requirement: two group runs showed it)
        # a verdict cached by the image's hash finds no hash where images are not kept, so a
        # replayed image is judged afresh (stop 48)
        frozenset({"capture_verdicts_cached_by_image", "capture_image_not_kept"}),
        *(
            frozenset({refusing, doubling})
            for refusing in REFUSE_A_SECOND_PLAYBACK
            for doubling in CREDIT_TWO_PLAYERS
        ),
        # a claim that catches up earlier quarters' unclaimed certificates lists every
        # certificate up to the quarter's end, so the last day it misses is caught up in the
        # same claim (stop 48)
        frozenset({"claim_quarter_misses_its_last_day", "claims_held_back_certificates_later"}),
        frozenset(
            {"self_check_counts_capture_failures_per_kind", "capture_verdicts_cached_by_image"}
        ),
    }
)


@dataclass(frozen=True)
class GroupRun:
    """One full certify with several defects on; `checks` is what must fail, nothing else."""

    number: int
    defects: tuple[str, ...]
    requirements: frozenset[str]
    checks: frozenset[str]

    @property
    def label(self) -> str:
        return f"group-{self.number}"


def _compatible(group: list[DefectLike], defect: DefectLike) -> bool:
    taken_checks = {c for member in group for c in member.checks}
    apart = any(frozenset({defect.name, member.name}) in KEEP_APART for member in group)
    return not apart and taken_checks.isdisjoint(defect.checks)


def plan_groups(defects: Mapping[str, DefectLike] | Iterable[DefectLike]) -> list[GroupRun]:
    """Pack defects into as few group runs as their shared checks allow.

    Deterministic: defects are placed widest first (most requirements, then most checks, then by
    name), each into the smallest compatible group, so the groups stay balanced and small (a
    small group is the least likely to hide one defect behind another).
    """
    items = list(defects.values()) if isinstance(defects, Mapping) else list(defects)
    ordered = sorted(items, key=lambda d: (-len(d.breaks), -len(d.checks), d.name))
    groups: list[list[DefectLike]] = []
    for defect in ordered:
        fitting = [g for g in groups if _compatible(g, defect)]
        if fitting:
            min(fitting, key=len).append(defect)
        else:
            groups.append([defect])
    return [
        GroupRun(
            number=i + 1,
            defects=tuple(sorted(d.name for d in group)),
            requirements=frozenset(r for d in group for r in d.breaks),
            checks=frozenset(c for d in group for c in d.checks),
        )
        for i, group in enumerate(groups)
    ]


# ---- compliant alternatives --------------------------------------------------------------------
# A false REJECT is a test failure like a missed defect: the clean reference platform, under each
# compliant alternative (reference_platform/alternatives.py) and under every compatible set of
# them at once, must be ADMIT with every check passing. An alternative may upset any check that
# leans on how the reference happens to behave, so the run under all of them at once judges every
# covered clause (browser probes included); each solo run judges the clauses its alternative names
# (`Alternative.clauses`), on the running reference switched at runtime (no restart).


@dataclass(frozen=True)
class AlternativeRun:
    """One certify run of the clean reference with `alternatives` chosen: ADMIT, all pass."""

    label: str
    alternatives: tuple[str, ...]


def plan_alternative_runs(
    names: Iterable[str], incompatible: frozenset[frozenset[str]] = frozenset()
) -> list[AlternativeRun]:
    """One run per alternative, then the compatible ones together: as few sets as the
    `incompatible` pairs allow (greedy, in name order), each with at least two members (a set
    of one is a solo run already)."""
    ordered = sorted(names)
    runs = [AlternativeRun(name, (name,)) for name in ordered]
    together: list[list[str]] = []
    for name in ordered:
        fitting = [s for s in together if all(frozenset({name, o}) not in incompatible for o in s)]
        if fitting:
            fitting[0].append(name)
        else:
            together.append([name])
    sets = [tuple(s) for s in together if len(s) > 1]
    runs += [
        AlternativeRun("together" if len(sets) == 1 else f"together-{i + 1}", s)
        for i, s in enumerate(sets)
    ]
    return runs
