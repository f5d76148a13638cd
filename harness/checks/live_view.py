"""STUDY-09 — who is studying now: the live view lists a learner exactly while it has an open
playback on a signed-in login.

The space probed (docs/interface.md, "Who is studying now": "every open playback on a login that
is signed in (not ended, not expired)"), one learner, read as the authority right after each
step (a heartbeat just before every look where it must be listed, since a platform may drop a
playback silent for two intervals):

- studying (listed); the playback closed while the login stays signed in (not listed); a new
  playback on the same login (listed again);
- a newer login on another device, which ends the first (the interface's default choice): the
  first login's playback is no longer listed, though nobody closed it; a playback of the new
  login is. Where the platform refuses the newer login instead (409, compliant), that step is
  recorded as refused and left out;
- the login left to expire: the clock moved one announced token lifetime and a minute past the
  last request (expired under a sliding expiry and a fixed one alike), its playback never
  closed: not listed — a view that reads only logouts and closes shows a learner long gone.

Each "not listed" is judged against the platform's own logins view: a first login the platform
still shows signed in after the newer one (STUDY-03's matter), or a login it shows signed in
after its expiry (POST-03's token check), leaves that step unjudged, and the evidence says so.

`study_events_reach_exactly_their_scope_in_real_time` judges the view's scope and logout; this
check judges how a row leaves it. The learner's own clock is the platform's test clock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from harness.api import Refused, attempt
from harness.checks._support import study, study_setup
from harness.failures import CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.study import Enrolled, Study
from harness.supervision import SupervisionClient

SECOND_DEVICE = "device-live-B"


def listed(authority: SupervisionClient, learner_id: str) -> list[str]:
    """The learner's rows in the authority's live view (their playback ids)."""
    return [row.playback_id for row in authority.studying_now() if row.learner_id == learner_id]


def studying(probe: Probe, enrolled: Enrolled) -> Study:
    """A playback of the learner's first lesson, opened and reported on once."""
    session = study(probe, enrolled, 0)
    session.wait(session.interval)
    session.beat(session.position + session.interval)
    return session


def active_logins(authority: SupervisionClient, learner_id: str) -> list[str]:
    """The learner's logins the platform's own logins view shows signed in (`active`)."""
    return [row.login_id for row in authority.logins(learner_id) if row.active]


def token_lifetime(authority: SupervisionClient, enrolled: Enrolled) -> float:
    """Seconds from the active login's start to the expiry its login announced: a sliding
    expiry moves that far past the last request, a fixed one stays there."""
    learner_id = enrolled.learner.learner_id or ""
    active = [row for row in authority.logins(learner_id) if row.active]
    if enrolled.expires_at is None or not active:
        raise CannotProbe("the live view", "no active login with an announced expiry")
    started = max(row.started_at for row in active)  # the newest: the one the token is of
    return max((enrolled.expires_at - started).total_seconds(), 0.0)


@check("STUDY-09")
def live_view_lists_exactly_open_playbacks_of_live_logins(probe: Probe) -> None:
    """The live view lists a learner while it studies, and no longer once its playback is
    closed, its login ended by a newer one, or its login expired.

    Space: the three ways a row leaves the view besides a logout (the close, a newer login on
    another device, expiry with the playback left open), each with the side before it (listed
    right after a heartbeat); a new playback after the close and on the new login (listed
    again: a view that never lists a learner twice is seen)."""
    authority = probe.supervisors.authority
    enrolled = study_setup(probe)
    learner_id = enrolled.learner.learner_id or ""
    steps: list[dict[str, Any]] = []

    def look(moment: str, must: bool) -> None:
        rows = listed(authority, learner_id)
        steps.append({"moment": moment, "must_be_listed": must, "listed_playbacks": rows})

    first = studying(probe, enrolled)
    look("studying", True)
    probe.platform.close_playback(enrolled.token, first.playback_id)
    look("its playback closed, the login still signed in", False)
    again = studying(probe, enrolled)
    look("studying again, a new playback on the same login", True)
    first_login = active_logins(authority, learner_id)
    newer = attempt(lambda: probe.learners.login(enrolled.learner, SECOND_DEVICE))
    if isinstance(newer, Refused):
        steps.append({"moment": "a newer login on another device", "refused": newer.status})
    elif set(first_login) & set(active_logins(authority, learner_id)):
        # the first login is still signed in by the platform's own logins view: STUDY-03 judges
        # that; the live view is judged by the logins as the platform shows them
        steps.append({"moment": "a newer login on another device", "first_still_active": True})
        enrolled.token, enrolled.expires_at = newer.token, newer.expires_at
        again = studying(probe, enrolled)
    else:
        look("a newer login on another device, the old playback never closed", False)
        enrolled.token, enrolled.expires_at = newer.token, newer.expires_at
        again = studying(probe, enrolled)
        look("studying on the newer login", True)
    lifetime = token_lifetime(authority, enrolled)
    probe.clock.advance(lifetime + 60)
    if active_logins(authority, learner_id):
        # still signed in by the platform's own view (POST-03's token check judges expiry)
        steps.append({"moment": "the login left to expire", "still_active": True})
    else:
        look(f"the login expired ({dt.timedelta(seconds=round(lifetime + 60))} on)", False)
    probe.evidence.attach_json(
        "live-view", {"learner_id": learner_id, "last_playback": again.playback_id, "steps": steps}
    )
    wrong = [
        step
        for step in steps
        if "must_be_listed" in step and bool(step["listed_playbacks"]) != step["must_be_listed"]
    ]
    if wrong:
        first_wrong = wrong[0]
        raise CheckFailure(
            f"The live view {'lacks' if first_wrong['must_be_listed'] else 'lists'} the learner"
            f" when {first_wrong['moment']}",
            received=wrong,
            expected="listed exactly while an open playback of a signed-in login exists",
        )
    judged = [step["moment"] for step in steps if "must_be_listed" in step]
    unjudged = [step["moment"] for step in steps if "must_be_listed" not in step]
    probe.evidence.note(
        f"as the interface says at {len(judged)} moments ({'; '.join(judged)})"
        + (f"; not judged: {'; '.join(unjudged)}" if unjudged else "")
    )
