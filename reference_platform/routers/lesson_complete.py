"""The `honours_lesson_complete_call` defect (STUDY-05): a client-side "lesson finished" call.

Naive players report completion and naive platforms believe them. This router is mounted only
when that defect is switched on; a compliant platform has no such route (404), because only
heartbeats judged by the server may move a learner's progress.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from harness.spec.study import LessonProgress as LessonProgressOut
from reference_platform.completion import lesson_credited
from reference_platform.dependencies import CurrentLogin, Db, Defects
from reference_platform.errors import responses
from reference_platform.models import Lesson
from reference_platform.study import NOT_ENROLLED, enrolment_in, lesson_progress

router = APIRouter(tags=["defects"])


class LessonCompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    course_id: str = Field(min_length=1, max_length=64)


@router.post(
    "/lessons/{lesson_id}/complete",
    response_model=LessonProgressOut,
    responses=responses(401, 403, 404, 422, d403=NOT_ENROLLED, d404="Lesson not found"),
)
def complete_lesson(
    lesson_id: str, body: LessonCompleteIn, login: CurrentLogin, db: Db, defects: Defects
) -> LessonProgressOut:
    lesson = db.get(Lesson, lesson_id)
    if lesson is None or lesson.course_id != body.course_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Lesson not found")
    if enrolment_in(db, login.learner_id, lesson.course_id) is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, NOT_ENROLLED)
    progress = lesson_progress(db, login.learner_id, lesson, defects)
    progress.credited_s = float(lesson.duration_s)
    progress.furthest_position_s = float(lesson.duration_s)
    db.commit()
    return LessonProgressOut(
        lesson_id=lesson.id,
        seq=lesson.seq,
        lesson_hours=lesson.lesson_hours,
        duration_s=lesson.duration_s,
        credited_s=progress.credited_s,
        furthest_position_s=progress.furthest_position_s,
        captures_passed=progress.captures_passed,
        hour_credited=lesson_credited(progress, defects),
    )
