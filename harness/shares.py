"""How a run's clauses are shared out between embedded reference instances.

A certification run is serial: one request at a time, so the harness, the platform and the
province take turns on one core and the second core of a 2-core machine idles. Two embedded
reference instances (each with its own province, database and test clock) let two shares of the
checks run side by side; `second_instance.py` runs the other share and folds its results in.

What must stay together, and why:
* clauses that share a check (one check judges both: it runs once, in one share);
* clauses whose checks share state built once per run (`AFFINITY`: the subsidy cohort, studied
  once for VOUCH-03 and the SUB clauses, would be built twice);
* the load check stays in the run's own share, which waits for the other share before it starts:
  a load run measures latency, and must not share the machine with the other share's checks.

The shares are balanced by each check's measured cost (`CHECK_SECONDS`), longest first onto the
lighter share. The costs are only a balance: a wrong one makes a run slower, never its verdict
different, since every check runs exactly once either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from harness.registry import CheckInfo

# Clauses whose checks draw on state one run builds once (harness/checks/_subsidy_support.py:
# the cohort the first of them asks for; STUDY-08's certificate scope and POST-02's certificates
# of every level read its passers).
AFFINITY: tuple[frozenset[str], ...] = (
    frozenset({"VOUCH-03", "SUB-01", "SUB-02", "SUB-05", "STUDY-08", "POST-02"}),
)

# Seconds of one API run against the clean embedded reference (medians of three shared runs on a
# quiet 2-core machine, stop 38), for the checks that take about a second or more; the others
# cost DEFAULT_SECONDS by kind (the fifty-odd short API checks take 0.1–0.9 s, 0.33 s on average).
CHECK_SECONDS: dict[str, float] = {
    "offline_voucher_follows_the_pass_at_every_level": 28.7,  # builds the subsidy cohort
    "completion_needs_the_level_minimum_of_credited_hours": 10.2,
    "self_check_flags_every_cheat_and_no_honest_learner": 8.3,
    "archive_push_survives_a_platform_restart": 4.7,
    "export_datasets_match_their_views": 4.3,
    "certificate_only_for_a_pass_once_and_verifiable": 4.1,
    "course_passes_at_sixty_percent_accuracy_and_not_below": 4.1,
    "offline_voucher_for_every_completer_and_nobody_else": 3.8,
    "authorisation_matrix_holds_on_every_endpoint": 3.3,
    "capture_moments_are_unpredictable": 3.0,
    # waits (idle, not CPU) for the withdrawal and the offer again: the platform's look-up
    "revoked_approval_withdraws_the_course": 4.5,
    "restored_backup_serves_the_same_data_and_keeps_working": 3.0,
    "every_lesson_hour_has_a_capture_with_time_and_image": 2.3,
    "study_events_reach_exactly_their_scope_in_real_time": 2.0,
    "failed_sign_ins_are_throttled": 1.8,
    "ended_login_study_earns_nothing_for_the_next_login": 1.4,
    "archive_holds_what_supervision_shows": 1.2,
    "cheating_learner_never_earns_more_than_clock_time": 1.2,
    "cheating_learner_never_out_earns_the_clock_with_windows": 1.1,
    "hour_without_passed_capture_is_not_credited": 1.0,
    "records_are_kept_three_years_after_training": 1.0,
    "every_account_kind_sees_exactly_its_scope": 1.0,
    # reads the subsidy cohort (its cost is VOUCH-03's above): its own lists and an enrolment
    "certificates_reach_exactly_their_scope": 0.8,
    # reads the subsidy cohort too: verifications, four logins and three PDFs read back
    "certificates_of_every_level_are_distinct_and_verifiable": 1.5,
}
DEFAULT_SECONDS: dict[str, float] = {"api": 0.35, "fuzz": 20, "browser": 6, "load": 40}
# A share smaller than this is judged by the run's own instance: starting a second reference,
# province and harness costs a few seconds of CPU, which a short share would not win back.
MIN_SHARE_SECONDS = 15.0


@dataclass(frozen=True)
class Share:
    """The clauses one instance judges; `seconds` is the cost the plan expects of it."""

    clauses: frozenset[str]
    seconds: float


def check_seconds(info: CheckInfo) -> float:
    return CHECK_SECONDS.get(info.name, DEFAULT_SECONDS.get(info.kind, 1.0))


def plan_shares(
    clauses: Iterable[str],
    checks: Mapping[str, CheckInfo],
    instances: int,
    skip_kinds: Iterable[str] = (),
) -> list[Share]:
    """Share `clauses` (the run's judged selection) out among at most `instances` instances.

    The first share is the run's own: it holds every clause kept to it and is never empty while
    anything is selected; a share left empty or under MIN_SHARE_SECONDS is folded into it, so a
    small selection runs on one instance. Deterministic: one selection, one plan."""
    skipped = frozenset(skip_kinds)
    running = [c for c in checks.values() if c.kind not in skipped]
    groups = _groups(sorted(set(clauses)), running)
    # A load check runs once both shares are done, so it weighs on neither.
    cost = {
        group: sum(
            check_seconds(c) for c in running if c.kind != "load" and set(c.requirements) & group
        )
        for group in groups
    }
    # Kept to the run's own share: a load check's clauses, and clauses no running check judges
    # (an ATTEST clause, one whose checks are all skipped): nothing to share out.
    home = {
        g
        for g in groups
        if not cost[g] or any(c.kind == "load" and set(c.requirements) & g for c in running)
    }
    members: list[set[str]] = [set().union(*home)] + [set() for _ in range(max(1, instances) - 1)]
    seconds = [sum(cost[g] for g in home)] + [0.0] * (len(members) - 1)
    for group in sorted(set(groups) - home, key=lambda g: (-cost[g], sorted(g))):
        lightest = min(range(len(members)), key=lambda i: (seconds[i], i))
        members[lightest] |= group
        seconds[lightest] += cost[group]
    shares = [Share(frozenset(members[0]), round(seconds[0], 1))]
    for share_members, share_seconds in zip(members[1:], seconds[1:], strict=True):
        if share_seconds >= MIN_SHARE_SECONDS:
            shares.append(Share(frozenset(share_members), round(share_seconds, 1)))
        else:
            own = shares[0]
            shares[0] = Share(own.clauses | share_members, round(own.seconds + share_seconds, 1))
    return [share for share in shares if share.clauses]


def _groups(selected: list[str], checks: list[CheckInfo]) -> list[frozenset[str]]:
    """The selected clauses in groups that must be judged by one instance (union-find over the
    checks they share and over AFFINITY)."""
    parent = {c: c for c in selected}

    def root(clause: str) -> str:
        while parent[clause] != clause:
            parent[clause] = parent[parent[clause]]
            clause = parent[clause]
        return clause

    def join(members: Iterable[str]) -> None:
        present = [m for m in members if m in parent]
        for other in present[1:]:
            parent[root(other)] = root(present[0])

    for info in checks:
        join(info.requirements)
    for group in AFFINITY:
        join(sorted(group))
    found: dict[str, set[str]] = {}
    for clause in selected:
        found.setdefault(root(clause), set()).add(clause)
    return [frozenset(members) for members in found.values()]
