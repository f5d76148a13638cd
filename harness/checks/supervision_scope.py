"""STUDY-08 — every supervision account sees exactly its own scope, and none can change data.

The space probed (docs/interface.md, "Account kinds and what each sees"):
- account kinds: every kind of the interface (`authority`, `auditor`, `enterprise`,
  `institution`); each must be present in the profile, else the probe cannot be made;
- objects: one learner inside the scoped accounts' scope (employed by the profile's enterprise,
  enrolled in a course of the profile's institution) and one outside it (no employer, enrolled in
  another institution's course), each with a trail in every supervision view;
- views: every learner-filtered list (learners, enrolments, logins, liveness events, lesson
  progress, also narrowed to the trail's course, course progress, playbacks, captures, quiz
  answers, self-check findings), heartbeats of each learner's playback, the unfiltered lists
  ("what does this account see"), both photo objects and the capture image. Since stop 44 the
  quiz answers (the trail answers a question of its lesson: before, no check compared a scoped
  account's quiz-answer list with its scope, and a list left unnarrowed passed, the dataset
  export leaking along with it, judged against that same list); the four lists the interface
  also narrows by ID number (learners, enrolments, logins, liveness events), looked up by the
  learner's full number; the progress narrowed by course as well; and the self-check's
  findings, each trail's learner flagged by answering four questions back to back
  (`fast_quiz_answers`) — POST-03's authorisation matrix sends the ID-number and learner filters
  for an out-of-scope learner too; this check judges them on STUDY-08, the in-scope side too;
- expected answer: a platform-wide account and a scoped account for its in-scope learner see
  exactly what the authority sees; a scoped account sees nothing of the out-of-scope learner
  (empty lists, 404 photos); `/supervision/me` names the profile's kind and scope.
Writes: every write method on every supervision path of the interface's OpenAPI document, and
enterprise enrolment by every non-enterprise account, must be refused, and the authority's view
of the learner must be unchanged afterwards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from harness.api import Refused, attempt
from harness.checks._support import also_enrolled, offered_courses
from harness.failures import CannotProbe, CheckFailure
from harness.interface_paths import supervision_write_probes
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.study import Enrolled
from harness.scenarios.trail import Trail, learner_with_trail, lesson_questions, trail_of
from harness.spec.courses import CourseOut
from harness.spec.supervision import SUPERVISOR_KINDS
from harness.supervision import SupervisionClient

View = Callable[[SupervisionClient, Trail], list[Any]]

# Every supervision list, narrowed to the trail's learner (heartbeats: to its playback).
LEARNER_VIEWS: dict[str, View] = {
    "learners": lambda c, t: c.learners(learner_id=t.learner_id),
    "enrolments": lambda c, t: c.enrolments(t.learner_id),
    "logins": lambda c, t: c.logins(t.learner_id),
    "liveness-events": lambda c, t: c.liveness_events(t.learner_id),
    "progress": lambda c, t: c.progress(t.learner_id),
    "progress of the course": lambda c, t: c.progress(
        t.learner_id, course_id=t.enrolled.course.course_id
    ),
    "course-progress": lambda c, t: c.course_progress(t.learner_id),
    "playbacks": lambda c, t: c.playbacks(t.learner_id),
    "captures": lambda c, t: c.captures(t.learner_id),
    "quiz-answers": lambda c, t: c.quiz_answers(t.learner_id),
    "heartbeats": lambda c, t: c.heartbeats(t.playback_id),
    # the lists the interface also narrows by the (full) ID number: a look-up by ID number
    "learners by ID number": lambda c, t: c.learners(id_number=t.enrolled.learner.id_number),
    "enrolments by ID number": lambda c, t: c.enrolments(id_number=t.enrolled.learner.id_number),
    "logins by ID number": lambda c, t: c.logins(id_number=t.enrolled.learner.id_number),
    "liveness-events by ID number": lambda c, t: c.liveness_events(
        id_number=t.enrolled.learner.id_number
    ),
    # learner-bound: "any supervision account reads the findings of the learners in its scope,
    # and every account reads the same finding" (docs/interface.md, Self-check)
    "self-check findings": lambda c, t: c.self_check_findings(t.learner_id),
}
# The same lists unfiltered: "what does this account see" (heartbeats need a playback id).
WHOLE_VIEWS: dict[str, Callable[[SupervisionClient], list[Any]]] = {
    "learners": lambda c: c.learners(),
    "enrolments": lambda c: c.enrolments(),
    "logins": lambda c: c.logins(),
    "liveness-events": lambda c: c.liveness_events(),
    "progress": lambda c: c.progress(),
    "course-progress": lambda c: c.course_progress(),
    "playbacks": lambda c: c.playbacks(),
    "captures": lambda c: c.captures(),
    "quiz-answers": lambda c: c.quiz_answers(),
    "self-check findings": lambda c: c.self_check_findings(),
}
# Course-bound views narrowed to the trail's own course: they never show another course's rows.
NARROWED_TO_THE_TRAILS_COURSE = frozenset({"progress of the course"})
# Quiz answers a trail's learner gives back to back, no time to read: the self-check's
# `fast_quiz_answers` must flag 3 answers each < 2 s after the previous one (docs/interface.md).
UNREAD_ANSWERS = 4
PHOTO_KINDS = ("face", "id-card")
# Views the trail always fills for the authority: every list.
FILLED_VIEWS = frozenset(LEARNER_VIEWS)
# The course-bound lists (rows with a `course_id`): an institution sees only its own courses'.
COURSE_BOUND_VIEWS = (
    "enrolments",
    "progress",
    "progress of the course",
    "course-progress",
    "playbacks",
    "captures",
    "quiz-answers",
    "enrolments by ID number",
)


def rows(items: list[Any]) -> list[Any]:
    """Rows as sorted JSON data, so two views compare as sets of rows. ID numbers are left out:
    scoped accounts see them masked (judged by `id_numbers_are_masked_for_scoped_accounts`)."""
    data = [row.model_dump(mode="json", exclude={"id_number"}) for row in items]
    return sorted(data, key=lambda row: sorted((k, str(v)) for k, v in row.items()))


def view_of(client: SupervisionClient, trail: Trail) -> dict[str, Any]:
    """Everything `client` sees of the trail's learner: every list and both photos."""
    seen: dict[str, Any] = {name: rows(view(client, trail)) for name, view in LEARNER_VIEWS.items()}
    for kind in PHOTO_KINDS:
        photo = client.photo(trail.learner_id, kind)
        seen[f"{kind}-photo"] = None if photo is None else hashlib.sha256(photo).hexdigest()
    image = client.capture_image(trail.challenge_id)
    seen["capture-image"] = None if image is None else hashlib.sha256(image).hexdigest()
    return seen


def answer_without_reading(probe: Probe, trail: Trail) -> None:
    """UNREAD_ANSWERS more of the trail lesson's questions answered back to back, so that the
    learner has a self-check finding (`fast_quiz_answers`) for the findings list to scope."""
    enrolled = trail.enrolled
    questions = [q for q in lesson_questions(probe, enrolled) if q.question_id != trail.question_id]
    for question in questions[:UNREAD_ANSWERS]:
        attempt(
            lambda q=question: probe.platform.answer_question(
                enrolled.token, q.question_id, q.options[0].key
            )
        )


def accounts_by_kind(probe: Probe) -> dict[str, SupervisionClient]:
    """The profile's first account of every kind; a missing kind cannot be probed."""
    found = {kind: probe.supervisors.of_kind(kind) for kind in SUPERVISOR_KINDS}
    missing = [kind for kind, clients in found.items() if not clients]
    if missing:
        raise CannotProbe(
            "every supervision account kind",
            f"the profile has no {', '.join(missing)} account ([[target.accounts]])",
        )
    return {kind: clients[0] for kind, clients in found.items()}


def courses_inside_and_outside(probe: Probe, institution: str) -> tuple[CourseOut, CourseOut]:
    """A course the institution runs and one it does not (by the course list's institution_id)."""
    courses = [c for c in offered_courses(probe.platform) if c.occupation_code and c.level]
    courses.sort(key=lambda c: c.approval is None)
    inside = [c for c in courses if c.institution_id == institution]
    outside = [c for c in courses if c.institution_id not in (None, institution)]
    outside = outside or [c for c in courses if c.institution_id != institution]
    if not inside or not outside:
        raise CannotProbe(
            "an institution's scope",
            f"the course list offers no course run by {institution!r} and one run by another",
        )
    return inside[0], outside[0]


def employ(enterprise: SupervisionClient, enrolled: Enrolled) -> None:
    """Make the learner an employee of the enterprise account (ENT-01's endpoint)."""
    learner = enrolled.learner
    outcome = attempt(lambda: enterprise.enrol_employee(learner.id_number, learner.name))
    if isinstance(outcome, Refused):
        raise CannotProbe(
            "an enterprise's scope",
            f"enrolling an employee was refused: {outcome.status} {outcome.detail}",
        )


def check_identity(account: SupervisionClient) -> None:
    me = account.whoami()
    if (me.kind, me.scope) != (account.kind, account.scope):
        raise CheckFailure(
            f"/supervision/me of {account.username!r} does not match the profile",
            received={"kind": me.kind, "scope": me.scope},
            expected={"kind": account.kind, "scope": account.scope},
        )


@check("STUDY-08")
def every_account_kind_sees_exactly_its_scope(probe: Probe) -> None:
    """Each account kind sees exactly its scope on every supervision view: all of an in-scope
    learner (as the authority sees it), nothing of an out-of-scope one."""
    accounts = accounts_by_kind(probe)
    enterprise, institution = accounts["enterprise"], accounts["institution"]
    inside_course, outside_course = courses_inside_and_outside(probe, institution.scope or "")
    inside = learner_with_trail(probe, inside_course)
    outside = learner_with_trail(probe, outside_course)
    employ(enterprise, inside.enrolled)
    for trail in (inside, outside):
        answer_without_reading(probe, trail)
    authority = probe.supervisors.authority
    truth = {"inside": view_of(authority, inside), "outside": view_of(authority, outside)}
    empty = [
        name for name in FILLED_VIEWS if not truth["inside"][name] or not truth["outside"][name]
    ]
    if empty:
        raise CannotProbe("every supervision view", f"the authority sees no {', '.join(empty)}")
    nothing = {name: [] for name in LEARNER_VIEWS} | {f"{k}-photo": None for k in PHOTO_KINDS}
    nothing["capture-image"] = None
    wrong: list[dict[str, Any]] = []
    matrix: list[dict[str, Any]] = []
    for kind, account in accounts.items():
        check_identity(account)
        scoped = kind in ("enterprise", "institution")
        for side, trail in (("inside", inside), ("outside", outside)):
            expected = nothing if scoped and side == "outside" else truth[side]
            seen = view_of(account, trail)
            for name in expected:
                ok = seen[name] == expected[name]
                matrix.append({"account": kind, "learner": side, "view": name, "ok": ok})
                if not ok:
                    wrong.append(
                        {"account": kind, "learner": side, "view": name, "seen": seen[name]}
                    )
        if scoped:
            for name, whole in WHOLE_VIEWS.items():
                leaked = [r for r in whole(account) if r.learner_id == outside.learner_id]
                matrix.append({"account": kind, "learner": "outside", "view": name + " (all)"})
                if leaked:
                    wrong.append({"account": kind, "view": name + " (all)", "seen": rows(leaked)})
    probe.evidence.attach_json("scope-matrix", {"cells": matrix, "wrong": wrong})
    if wrong:
        first = wrong[0]
        raise CheckFailure(
            f"The {first['account']} account's {first['view']} view is not its scope",
            received=wrong[:5],
            expected="in scope: what the authority sees; out of scope: nothing (404 photos)",
        )
    probe.evidence.note(f"{len(matrix)} cells (account × learner × view) as the scope rule says")


@check("STUDY-08")
def institution_sees_only_its_own_courses_of_a_shared_learner(probe: Probe) -> None:
    """Of a learner enrolled both in a course the institution runs and in another institution's
    course, the institution sees the learner and its sign-ins, but of the course-bound records
    only those of its own course.

    Space: one learner with a trail (playback, heartbeats, a passed capture) in each of the two
    courses, the outside one made last (a view keeping the first course it meets, or the newest,
    both show); every learner-filtered list, both playbacks' heartbeats, both capture images and
    both photos; judged against the authority's view: not course-bound (learners, logins,
    liveness events, photos) equal, course-bound (enrolments, lesson and course progress,
    playbacks, captures, quiz answers) equal to the authority's rows of the inside course, the
    outside playback's heartbeats an empty list and its capture image 404 (the interface)."""
    accounts = accounts_by_kind(probe)
    institution = accounts["institution"]
    inside_course, outside_course = courses_inside_and_outside(probe, institution.scope or "")
    inside = learner_with_trail(probe, inside_course)
    outside = trail_of(probe, also_enrolled(probe, inside.enrolled, outside_course))
    authority = probe.supervisors.authority
    truth = {"inside": view_of(authority, inside), "outside": view_of(authority, outside)}
    seen = {"inside": view_of(institution, inside), "outside": view_of(institution, outside)}
    expected: dict[str, dict[str, Any]] = {"inside": {}, "outside": {}}
    for side in expected:
        for name, rows_seen in truth[side].items():
            if name in COURSE_BOUND_VIEWS:
                expected[side][name] = [
                    r for r in rows_seen if r.get("course_id") == inside_course.course_id
                ]
            elif name in ("heartbeats", "capture-image") and side == "outside":
                expected[side][name] = [] if name == "heartbeats" else None
            else:
                expected[side][name] = rows_seen
    wrong = [
        {"trail": side, "view": name, "seen": seen[side][name], "expected": want}
        for side, views in expected.items()
        for name, want in views.items()
        if seen[side][name] != want
    ]
    outside_rows = [
        name
        for name in COURSE_BOUND_VIEWS
        if name not in NARROWED_TO_THE_TRAILS_COURSE
        and len(truth["inside"][name]) == len(expected["inside"][name])
    ]
    probe.evidence.attach_json(
        "shared-learner",
        {
            "inside_course": inside_course.course_id,
            "outside_course": outside_course.course_id,
            "authority": truth,
            "institution": seen,
            "wrong": wrong,
        },
    )
    if outside_rows:
        raise CannotProbe(
            "a learner of two institutions",
            f"the authority's {', '.join(outside_rows)} show nothing of the outside course",
        )
    if wrong:
        raise CheckFailure(
            f"The institution's {wrong[0]['view']} view shows another institution's course",
            received=wrong[:5],
            expected=(
                f"of course-bound records only those of {inside_course.course_id}; the learner, "
                "its sign-ins and photos as the authority sees them"
            ),
        )
    probe.evidence.note(
        f"{sum(len(v) for v in expected.values())} views of a learner of two institutions: "
        "only the institution's own course of the course-bound records"
    )


@check("STUDY-08")
def supervision_accounts_cannot_change_data(probe: Probe) -> None:
    """No supervision account changes data: every write method on every supervision path of the
    interface's OpenAPI document is refused for every account, enterprise enrolment is refused to
    every non-enterprise account, and the authority's view of the learner is unchanged."""
    accounts = accounts_by_kind(probe)
    course = courses_inside_and_outside(probe, accounts["institution"].scope or "")[0]
    trail = learner_with_trail(probe, course)
    employ(accounts["enterprise"], trail.enrolled)
    authority = probe.supervisors.authority
    before = view_of(authority, trail)
    learner = trail.enrolled.learner
    probes = supervision_write_probes({"learner_id": trail.learner_id})
    if not probes:
        raise CannotProbe("supervision writes", "the interface document has no supervision path")
    accepted: list[str] = []
    tried = 0
    for kind, account in accounts.items():
        for method, path in probes:
            tried += 1
            outcome = attempt(lambda m=method, p=path, a=account: a.send(m, p, json={}))
            if not isinstance(outcome, Refused):
                accepted.append(f"{kind}: {method} {path}")
        if kind != "enterprise":
            tried += 1
            outcome = attempt(lambda a=account: a.enrol_employee(learner.id_number, learner.name))
            if not isinstance(outcome, Refused):
                accepted.append(f"{kind}: enrol employee {learner.id_number}")
    after = view_of(authority, trail)
    changed = [name for name in before if before[name] != after[name]]
    still_employed = accounts["enterprise"].learners(learner_id=trail.learner_id)
    probe.evidence.attach_json(
        "write-attempts",
        {"tried": tried, "accepted": accepted, "changed_views": changed},
    )
    if accepted or changed or not still_employed:
        raise CheckFailure(
            "A supervision account changed data",
            received={
                "accepted": accepted[:8],
                "changed_views": changed,
                "enterprise_still_sees_its_employee": bool(still_employed),
            },
            expected="every write refused (4xx) and the supervision view unchanged",
        )
    probe.evidence.note(f"{tried} write attempts by {len(accounts)} accounts, all refused")
