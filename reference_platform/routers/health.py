"""Liveness of the platform itself, for the harness to know it is talking to an sxcert/1 target."""

from __future__ import annotations

from fastapi import APIRouter

from harness.spec.base import Health
from reference_platform.dependencies import Settings
from reference_platform.process_restart import BOOT_ID

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(settings: Settings) -> Health:
    return Health(status="ok", platform_id=settings.platform_id, boot_id=BOOT_ID)
