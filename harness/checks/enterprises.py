"""ENT-01 — an enterprise enrols its employees for in-post training and follows them.

The space probed (docs/interface.md, `POST /enterprise/employees`): the enterprise account of the
profile; a registered learner with a trail in every supervision view and no employer; the
enrolment's inputs — the right name, a wrong name (one character changed), an ID number nobody
registered — and the views the enterprise follows its employee through (every learner-filtered
supervision list and both photos). Expected: before enrolment the enterprise sees nothing of the
learner; a wrong name or an unknown person is refused and changes nothing; the right name is
accepted, names the learner, and from then on the enterprise sees exactly what the authority sees.
Then the employer enrols its employee again (the same answer), and a second enterprise account of
the profile (the embedded set has ENT-002) tries to enrol the employee: refused (the interface:
409, employed by another enterprise), seeing no more of the learner than before (what it sees
of a learner it does not employ is STUDY-08's to judge), the employer still seeing
everything. A profile with one enterprise account leaves that part untried (said in the note).
"""

from __future__ import annotations

from harness.api import Refused, attempt
from harness.checks._support import a_course
from harness.checks.supervision_scope import view_of
from harness.failures import CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.cheats import short_answer
from harness.scenarios.trail import Trail, learner_with_trail
from harness.supervision import SupervisionClient


def other_name(name: str) -> str:
    """The name with its last character changed: a near miss, not a stranger's name."""
    return name[:-1] + ("甲" if name[-1] != "甲" else "乙")


@check("ENT-01")
def enterprise_enrols_employees_and_follows_their_training(probe: Probe) -> None:
    """An enterprise enrols a registered learner by ID number and matching name (a wrong name or
    an unregistered person is refused) and then sees the learner's training as the authority."""
    enterprises = probe.supervisors.of_kind("enterprise")
    if not enterprises:
        raise CannotProbe("enterprise enrolment", "the profile has no enterprise account")
    enterprise = enterprises[0]
    trail = learner_with_trail(probe, a_course(probe.platform))
    learner = trail.enrolled.learner
    authority_view = view_of(probe.supervisors.authority, trail)
    # What the enterprise sees before enrolling is STUDY-08's to judge; here only what changes.
    before = view_of(enterprise, trail)
    stranger = probe.learners.person()
    refusals = {
        "wrong name": attempt(
            lambda: enterprise.enrol_employee(learner.id_number, other_name(learner.name))
        ),
        "unregistered person": attempt(
            lambda: enterprise.enrol_employee(stranger.id_number, stranger.name)
        ),
    }
    after_refusals = view_of(enterprise, trail)
    enrolled = attempt(lambda: enterprise.enrol_employee(learner.id_number, learner.name))
    followed = view_of(enterprise, trail)
    probe.evidence.attach_json(
        "enterprise-enrolment",
        {
            "refusals": {
                case: f"{o.status} {o.detail}" if isinstance(o, Refused) else "accepted"
                for case, o in refusals.items()
            },
            "enrolment": f"{enrolled.status} {enrolled.detail}"
            if isinstance(enrolled, Refused)
            else enrolled.model_dump(mode="json"),
            "views_differing_from_authority": [
                name for name in followed if followed[name] != authority_view[name]
            ],
        },
    )
    accepted = [case for case, outcome in refusals.items() if not isinstance(outcome, Refused)]
    if accepted or after_refusals != before:
        raise CheckFailure(
            f"Enterprise enrolment accepted a {', '.join(accepted) or 'refused request'}",
            received={"accepted": accepted, "enterprise_sees_learner": after_refusals != before},
            expected="a wrong name and an unregistered person refused (4xx), nothing visible",
        )
    if isinstance(enrolled, Refused):
        raise CheckFailure(
            "An enterprise cannot enrol a registered learner as its employee",
            received=f"{enrolled.status} {enrolled.detail}",
            expected="2xx naming the learner",
        )
    if enrolled.learner_id != trail.learner_id or enrolled.enterprise_id != enterprise.scope:
        raise CheckFailure(
            "The enrolment answer names another learner or enterprise",
            received=enrolled.model_dump(mode="json"),
            expected={"learner_id": trail.learner_id, "enterprise_id": enterprise.scope},
        )
    differing = [name for name in followed if followed[name] != authority_view[name]]
    if differing:
        raise CheckFailure(
            "After enrolment the enterprise does not see its employee's training",
            received={name: followed[name] for name in differing},
            expected="every supervision view of the employee as the authority sees it",
        )
    probe.evidence.note(
        "wrong name and unregistered person refused; employee followed in full; "
        + _another_enterprise_cannot_take_the_employee(probe, enterprises, trail, authority_view)
    )


def _another_enterprise_cannot_take_the_employee(
    probe: Probe, enterprises: list[SupervisionClient], trail: Trail, authority_view: dict
) -> str:
    """The employer enrols its employee again (the interface: the same answer); a second
    enterprise of the profile tries to enrol the same learner: refused (409, "employed by another
    enterprise"), it sees no more of the learner than before, and the employer still sees
    everything."""
    employer, learner = enterprises[0], trail.enrolled.learner
    again = attempt(lambda: employer.enrol_employee(learner.id_number, learner.name))
    problems = []
    if isinstance(again, Refused) or again.enterprise_id != employer.scope:
        problems.append(
            f"enrolling its own employee again: {short_answer(again)}, not the same answer"
        )
    if len(enterprises) < 2:
        if problems:
            raise CheckFailure("An enterprise's own employee enrolled again", received=problems)
        return "a second enterprise not tried: the profile has one enterprise account"
    other = enterprises[1]
    # What the other enterprise sees of a learner it does not employ is STUDY-08's to judge;
    # here only what the attempt changes.
    other_before = view_of(other, trail)
    taken = attempt(lambda: other.enrol_employee(learner.id_number, learner.name))
    if not isinstance(taken, Refused):
        problems.append(f"another enterprise enrolled the employee: {short_answer(taken)}")
    other_after = view_of(other, trail)
    seen = [name for name in other_after if other_after[name] != other_before[name]]
    if seen:
        problems.append(f"after the attempt the other enterprise sees more of them in {seen}")
    employer_view = view_of(employer, trail)
    lost = [name for name in employer_view if employer_view[name] != authority_view[name]]
    if lost:
        problems.append(f"the employer no longer sees its employee in {lost}")
    probe.evidence.attach_json(
        "another-enterprise",
        {
            "enrolled_again": short_answer(again),
            "other_enterprise": short_answer(taken),
            "seen": seen,
        },
    )
    if problems:
        raise CheckFailure(
            "An enterprise took another enterprise's employee",
            received=problems,
            expected="the employer's second enrolment answered the same; another enterprise "
            "refused (409), seeing no more than before; the employer still seeing everything",
        )
    return f"another enterprise refused ({short_answer(taken)}), seeing no more than before"
