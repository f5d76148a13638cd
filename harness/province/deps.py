"""Dependencies shared by the routers: the stores, and who is calling.

Each store is one dependency (`Identities`, `Vouchers`, ...), read from `app.state`, so that a
router names only the stores it uses and a new service adds one line here for its own.
Platforms authenticate with `X-Platform-Key`, the harness with the admin bearer token; the two
never mix, so a platform key cannot read the log and the admin token cannot act as a platform.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from harness.province.clock import Clock
from harness.province.settings import ProvinceSettings
from harness.province.stores.archive import ArchiveStore
from harness.province.stores.completions import CompletionStore
from harness.province.stores.courses import CourseStore
from harness.province.stores.faults import FaultStore
from harness.province.stores.identities import IdentityStore
from harness.province.stores.log import CallLog
from harness.province.stores.subsidy import SubsidyStore
from harness.province.stores.vouchers import VoucherStore

_platform_key = APIKeyHeader(name="X-Platform-Key", auto_error=False)
_admin_bearer = HTTPBearer(auto_error=False)


def get_settings(request: Request) -> ProvinceSettings:
    return request.app.state.settings


def get_clock(request: Request) -> Clock:
    return request.app.state.clock


def get_identities(request: Request) -> IdentityStore:
    return request.app.state.identities


def get_vouchers(request: Request) -> VoucherStore:
    return request.app.state.vouchers


def get_courses(request: Request) -> CourseStore:
    return request.app.state.courses


def get_log(request: Request) -> CallLog:
    return request.app.state.log


def get_faults(request: Request) -> FaultStore:
    return request.app.state.faults


def get_completions(request: Request) -> CompletionStore:
    return request.app.state.completions


def get_subsidy(request: Request) -> SubsidyStore:
    return request.app.state.subsidy


def get_archive(request: Request) -> ArchiveStore:
    return request.app.state.archive


Settings = Annotated[ProvinceSettings, Depends(get_settings)]
ProvinceClock = Annotated[Clock, Depends(get_clock)]
Identities = Annotated[IdentityStore, Depends(get_identities)]
Vouchers = Annotated[VoucherStore, Depends(get_vouchers)]
Courses = Annotated[CourseStore, Depends(get_courses)]
Log = Annotated[CallLog, Depends(get_log)]
Faults = Annotated[FaultStore, Depends(get_faults)]
Subsidy = Annotated[SubsidyStore, Depends(get_subsidy)]
Completions = Annotated[CompletionStore, Depends(get_completions)]
Archive = Annotated[ArchiveStore, Depends(get_archive)]


def current_platform(
    settings: Settings, key: Annotated[str | None, Security(_platform_key)] = None
) -> str:
    """The platform whose key was presented; 401 when the key is missing or unknown."""
    if not key:
        raise HTTPException(401, "Missing platform key")
    platform_id = settings.platform_for_key(key)
    if platform_id is None:
        raise HTTPException(401, "Unknown platform key")
    return platform_id


PlatformId = Annotated[str, Depends(current_platform)]


def require_admin(
    settings: Settings,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_admin_bearer)] = None,
) -> None:
    """Only the harness (holder of the admin token) may use the sandbox API."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise HTTPException(401, "Missing bearer token", headers=challenge)
    if not settings.is_admin_token(credentials.credentials):
        raise HTTPException(401, "Wrong admin token", headers=challenge)
