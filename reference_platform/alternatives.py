"""The compliant alternatives: the mirror of `defects.py`, choices a compliant platform may make.

A certification harness fails in two directions: it admits a platform that breaks the policy
(what the defects prove it does not), or it rejects one that keeps it. Wherever the policy, the
catalogue's readings or docs/interface.md leave a choice open, the reference platform makes one
choice by default and can make the other one when an alternative is switched on by name
(`SXCERT_REF_ALTERNATIVES`, `sxcert certify --reference-alternative NAME`). The detection matrix
certifies the clean reference under each alternative, and under all compatible ones at once, and
demands ADMIT with every check passing: a harness that leans on how the reference happens to
behave fails that test, as a missed defect fails the defect runs.

An alternative is read in the platform's rule or service code as a plain
`alternatives.chosen("name")` (never in a router), whose answer is passed on to the rule as a
plain value. Where it is read is found in the source by the same scan as the defects'
(`read_sites("chosen")`), so that `sxcert alternatives` always points at the code as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reference_platform.defects import read_sites


@dataclass(frozen=True)
class Alternative:
    name: str
    clauses: tuple[str, ...]  # the requirement IDs whose reading leaves this choice open
    description: str
    # Clauses the choice does not keep, by the interface's own rule: a platform that refuses
    # requests at capacity is compliant for every clause but the load run's error bound
    # (docs/interface.md counts each 503 as a load error). Not judged under the choice.
    not_for: tuple[str, ...] = ()

    @property
    def sites(self) -> tuple[str, ...]:
        """Every `path:line` that reads this alternative, the primary (first) one first."""
        return read_sites("chosen").get(self.name, ())

    @property
    def where(self) -> str:
        return self.sites[0] if self.sites else ""


_ALTERNATIVE_LIST = (
    Alternative(
        "refuses_second_login",
        ("STUDY-03",),
        'A login while another login of the learner is live is refused (409 "Another login'
        ' is active") instead of ending the older one; the learner logs out first, or waits'
        " for the older login to expire.",
    ),
    Alternative(
        "fixed_token_expiry",
        ("STUDY-03", "COURSE-05"),
        "A learner's token expires 12 h after its login (fixed), not 12 h after the last"
        " accepted request (sliding); a client signs in again, with a new liveness check, and"
        " re-opens its lesson.",
    ),
    Alternative(
        "refuses_second_playback",
        ("STUDY-04",),
        "Opening a playback while another playback of the account is in use (a heartbeat, or"
        ' its opening, within the last two heartbeat intervals) is refused (409 "Another'
        ' playback is active") instead of ending the other one; a playback left idle longer is'
        " ended as superseded.",
    ),
    Alternative(
        "overdue_capture_stops_credit",
        ("STUDY-01", "STUDY-02"),
        "A capture challenge left unanswered past its deadline stops all credit of its lesson"
        " until a capture of that lesson hour passes; the replacement challenge comes with the"
        " next heartbeat after the overdue one, not with the overdue one itself.",
    ),
    Alternative(
        "capture_needs_open_playback",
        ("STUDY-01",),
        "A capture challenge is answered only while its playback is open: once the playback was"
        ' closed or superseded the answer is refused (409 "Playback ended") and the challenge'
        " lapses at its deadline, to be replaced like any missed one, instead of being accepted"
        " until its deadline.",
    ),
    Alternative(
        "applies_for_approval_lazily",
        ("COURSE-01",),
        "The courses are not sent to the province's registry at start-up but on the first"
        " request that lists or enrols in courses (which waits for the answers).",
    ),
    Alternative(
        "voucher_refusals_forbidden",
        ("VOUCH-01", "VOUCH-02"),
        "A voucher the province does not know, or one for another occupation or level, is"
        " refused with 403 instead of 422 (the interface allows either).",
    ),
    Alternative(
        "retries_refused_chains_slowly",
        ("ARCH-01", "ARCH-02"),
        "A learner's archive chain the province refused is tried again 120 s after the refusal,"
        " not 2 s (the interface sets no time for retrying a refused chain; the other learners'"
        " records go on being sent meanwhile).",
    ),
    Alternative(
        "sheds_load_now_and_then",
        ("ID-01", "ID-02", "STUDY-01", "STUDY-06", "EXAM-01"),
        "One request in twenty is answered 503 with Retry-After (at capacity: nothing done)"
        " before anything is done, whatever the load, as the interface allows any request at"
        " any time; the client sends it again after the delay. The clauses named are a sample"
        " whose checks send every kind of learner request; every clause is judged under it in"
        " the run of all alternatives together, but LOAD-01, whose error bound counts each"
        " such answer (LOAD-02, nothing lost or counted twice, is judged under it).",
        not_for=("LOAD-01",),
    ),
)

ALTERNATIVES: dict[str, Alternative] = {alt.name: alt for alt in _ALTERNATIVE_LIST}

# Alternatives read while the platform starts: switching them needs a restart, so the runtime
# switch refuses them and the detection matrix certifies them with a fresh start.
READ_AT_START = frozenset({"applies_for_approval_lazily"})

# Pairs that must not be switched on together (none today: every alternative answers a
# different open choice). The detection matrix runs all the others at once.
INCOMPATIBLE: frozenset[frozenset[str]] = frozenset()


def unknown_alternatives_message(unknown: Iterable[str]) -> str:
    return (
        f"Unknown alternative(s): {', '.join(unknown)}. "
        f"Known alternatives: {', '.join(sorted(ALTERNATIVES))}"
    )


def _known(names: Iterable[str]) -> frozenset[str]:
    wanted = frozenset(names)
    unknown = sorted(wanted - ALTERNATIVES.keys())
    if unknown:
        raise ValueError(unknown_alternatives_message(unknown))
    clashing = [sorted(pair) for pair in INCOMPATIBLE if pair <= wanted]
    if clashing:
        raise ValueError(f"Alternatives that exclude each other: {clashing}")
    return wanted


class ChosenAlternatives:
    """The alternatives switched on for one app; asking about a misspelt name is a bug."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._names = _known(names)
        self._at_start = self._names & READ_AT_START

    def switch(self, names: Iterable[str]) -> None:
        """Switch to exactly `names` while running (the matrix's certification-only hook); one
        assignment, so a request sees the old set or the new one, never a mix. Those read at
        start-up cannot change this way."""
        wanted = _known(names)
        needs_restart = sorted((wanted ^ self._at_start) & READ_AT_START)
        if needs_restart:
            raise ValueError(f"Read at start-up, switch by restarting: {', '.join(needs_restart)}")
        self._names = wanted

    def chosen(self, name: str) -> bool:
        if name not in ALTERNATIVES:
            raise KeyError(f"No alternative named {name!r}")
        return name in self._names

    @property
    def names(self) -> frozenset[str]:
        return self._names
