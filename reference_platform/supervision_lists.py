"""What five supervision lists hold (STUDY-08, POST-01): each list's rows narrowed by the one
scope rule (`scope.restrict`), in the list's order, and how a stored row is shown to an account.

The list views and the export's dataset files read these same functions, so a file can never
show more, less or other than the account's view of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
    return SupEnrolment(
        enrolment_id=enrolment.id,
        learner_id=enrolment.learner_id,
        course_id=enrolment.course_id,
        voucher_code=enrolment.voucher_code,
        enrolled_at=enrolment.enrolled_at,
    )


def captures(account: Account, defects: ActiveDefects) -> Select[Any]:
    query = select(CaptureChallenge)
    query = restrict(query, account, CaptureChallenge.learner_id, CaptureChallenge.course_id)
    return query.order_by(CaptureChallenge.issued_at, CaptureChallenge.id)


def capture_row(row: CaptureChallenge, account: Account, defects: ActiveDefects) -> SupCapture:
    return SupCapture(
        challenge_id=row.id,
        learner_id=row.learner_id,
        course_id=row.course_id,
        lesson_id=row.lesson_id,
        playback_id=row.playback_id,
        position_s=row.position_s,
        issued_at=row.issued_at,
        deadline=row.deadline,
        answered_at=row.answered_at,
        passed=row.passed,
        reason=row.reason,
        image_sha256=row.image_sha256,
    )


def quiz_answers(account: Account, defects: ActiveDefects) -> Select[Any]:
    query = restrict(select(QuizAnswer), account, QuizAnswer.learner_id, QuizAnswer.course_id)
    return query.order_by(QuizAnswer.answered_at, QuizAnswer.id)


def quiz_answer_row(row: QuizAnswer, account: Account, defects: ActiveDefects) -> SupQuizAnswer:
    return SupQuizAnswer(
        learner_id=row.learner_id,
        course_id=row.course_id,
        lesson_id=row.lesson_id,
        hour=row.hour_index,
        question_id=row.question_id,
        option=row.option,
        correct=row.correct,
        answered_at=row.answered_at,
    )


def certificates(account: Account, defects: ActiveDefects) -> Select[Any]:
    query = restrict(select(Certificate), account, Certificate.learner_id, Certificate.course_id)
    return query.order_by(Certificate.issued_on, Certificate.number)


def certificate_row(row: Certificate, account: Account, defects: ActiveDefects) -> SupCertificate:
    return SupCertificate.model_validate(row, from_attributes=True)


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
