"""What five supervision lists hold (STUDY-08, POST-01): each list's rows narrowed by the one
scope rule (`scope.restrict`), in the list's order, and how a stored row is shown to an account.

The list views and the export's dataset files read these same functions, so a file can never
show more, less or other than the account's view of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Select, select

from harness.spec.base import Out
from harness.spec.certificates import SupCertificate
from harness.spec.quizzes import SupQuizAnswer
from harness.spec.supervision import SupCapture, SupEnrolment, SupLearner
from reference_platform.defects import ActiveDefects
from reference_platform.masking import id_number_for
from reference_platform.models import CaptureChallenge, Certificate, Enrolment, Learner, QuizAnswer
from reference_platform.models import Supervisor as Account
from reference_platform.scope import restrict

M = TypeVar("M", bound=Out)


def learners(account: Account, defects: ActiveDefects) -> Select[Any]:
    query = select(Learner)
    if not (account.kind == "enterprise" and defects.active("enterprise_sees_every_learner")):
        query = restrict(query, account, Learner.id)
    return query.order_by(Learner.registered_at, Learner.id)


def learner_row(learner: Learner, account: Account, defects: ActiveDefects) -> SupLearner:
    return SupLearner(
        learner_id=learner.id,
        name=learner.name,
        id_number=id_number_for(
            account.kind, learner.id_number, defects.active("unmasked_id_numbers")
        ),
        registered_at=learner.registered_at,
        face_photo_sha256=learner.face_photo_sha256,
        id_card_photo_sha256=learner.id_card_photo_sha256,
    )


def enrolments(account: Account, defects: ActiveDefects) -> Select[Any]:
    query = restrict(select(Enrolment), account, Enrolment.learner_id, Enrolment.course_id)
    return query.order_by(Enrolment.enrolled_at, Enrolment.id)


def enrolment_row(enrolment: Enrolment, account: Account, defects: ActiveDefects) -> SupEnrolment:
    return _shown(SupEnrolment, enrolment, enrolment_id="id")


def captures(account: Account, defects: ActiveDefects) -> Select[Any]:
    query = select(CaptureChallenge)
    query = restrict(query, account, CaptureChallenge.learner_id, CaptureChallenge.course_id)
    return query.order_by(CaptureChallenge.issued_at, CaptureChallenge.id)


def capture_row(row: CaptureChallenge, account: Account, defects: ActiveDefects) -> SupCapture:
    return _shown(SupCapture, row, challenge_id="id")


def quiz_answers(account: Account, defects: ActiveDefects) -> Select[Any]:
    query = select(QuizAnswer)
    if not defects.active("quiz_answers_unscoped"):  # the defect: the list forgets the scope
        query = restrict(query, account, QuizAnswer.learner_id, QuizAnswer.course_id)
    return query.order_by(QuizAnswer.answered_at, QuizAnswer.id)


def quiz_answer_row(row: QuizAnswer, account: Account, defects: ActiveDefects) -> SupQuizAnswer:
    return _shown(SupQuizAnswer, row, hour="hour_index")


def certificates(account: Account, defects: ActiveDefects) -> Select[Any]:
    # the defect: narrowed to the institution's learners, not to its courses
    course_bound = not defects.active("institution_sees_shared_learners_other_certificates")
    course = Certificate.course_id if course_bound else None
    query = restrict(select(Certificate), account, Certificate.learner_id, course)
    return query.order_by(Certificate.issued_on, Certificate.number)


def certificate_row(row: Certificate, account: Account, defects: ActiveDefects) -> SupCertificate:
    return _shown(SupCertificate, row)


def _shown(model: type[M], row: Any, **stored_as: str) -> M:
    """The list row of `model` from a stored row: each field from the attribute of its name, or
    of the name `stored_as` gives it."""
    return model.model_validate(
        {field: getattr(row, stored_as.get(field, field)) for field in model.model_fields}
    )


Query = Callable[[Account, ActiveDefects], Select[Any]]
RowOf = Callable[[Any, Account, ActiveDefects], Out]
# The export's dataset name → the list's query and row (harness.spec.export.DATASET_VIEWS).
LISTS: dict[str, tuple[Query, RowOf]] = {
    "learners": (learners, learner_row),
    "enrolments": (enrolments, enrolment_row),
    "captures": (captures, capture_row),
    "quiz-answers": (quiz_answers, quiz_answer_row),
    "certificates": (certificates, certificate_row),
}
