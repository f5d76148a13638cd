"""The detection matrix's hook: switch the reference platform's deliberate defects (and its
compliant alternatives) while it runs.

Served only when the instance was started with `SXCERT_REF_DEFECT_SWITCH=1` (and a test token):
it belongs to the project's own tests, which certify one running reference platform under many
defects without restarting it. Not part of the conformance interface, so not in its OpenAPI
document; a vendor's platform has nothing like it.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from reference_platform.dependencies import Alternatives, Defects, require_test_hooks
from reference_platform.errors import responses

router = APIRouter(
    prefix="/test",
    tags=["test hooks"],
    dependencies=[Depends(require_test_hooks)],
    include_in_schema=False,
    responses=responses(401, 404, 422),
)


class DefectSwitchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    names: list[str] = Field(default_factory=list, max_length=200)


class DefectSwitchOut(BaseModel):
    names: list[str]


@router.put("/defects", response_model=DefectSwitchOut)
def switch_defects(body: DefectSwitchIn, defects: Defects) -> DefectSwitchOut:
    try:
        defects.switch(body.names)
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return DefectSwitchOut(names=sorted(defects.names))


@router.put("/alternatives", response_model=DefectSwitchOut)
def switch_alternatives(body: DefectSwitchIn, alternatives: Alternatives) -> DefectSwitchOut:
    """The same hook for the compliant alternatives: the matrix's alternative runs."""
    try:
        alternatives.switch(body.names)
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return DefectSwitchOut(names=sorted(alternatives.names))
