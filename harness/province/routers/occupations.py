"""The occupations the province knows (national occupation codes), for platforms to offer."""

from __future__ import annotations

from fastapi import APIRouter

from harness.province.calllog import logged_route
from harness.province.deps import Courses, PlatformId
from harness.province.errors import problem
from harness.spec.courses import Occupation

router = APIRouter(
    prefix="/province/v1",
    tags=["registry"],
    route_class=logged_route("registry"),
    responses={401: problem("Missing or unknown platform key")},
)


@router.get("/occupations", name="occupations", response_model=list[Occupation])
def occupations(platform_id: PlatformId, courses: Courses) -> list[Occupation]:
    return list(courses.occupations)
