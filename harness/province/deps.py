"""Dependencies shared by the routers: the state, and who is calling.

Platforms authenticate with `X-Platform-Key`, the harness with the admin bearer token; the two
never mix, so a platform key cannot read the log and the admin token cannot act as a platform.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from harness.province.settings import ProvinceSettings
from harness.province.store import ProvinceStore

_platform_key = APIKeyHeader(name="X-Platform-Key", auto_error=False)
_admin_bearer = HTTPBearer(auto_error=False)


def get_store(request: Request) -> ProvinceStore:
    return request.app.state.store


def get_settings(request: Request) -> ProvinceSettings:
    return request.app.state.settings


Store = Annotated[ProvinceStore, Depends(get_store)]
Settings = Annotated[ProvinceSettings, Depends(get_settings)]


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
