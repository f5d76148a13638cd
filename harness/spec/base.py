"""Shared bases of the wire models: strict inputs, tolerant outputs, the interface version."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

INTERFACE_VERSION = "sxcert/1"


Level = Literal["junior", "intermediate", "senior"]


LEVEL_NAMES_ZH: dict[str, str] = {"junior": "初级", "intermediate": "中级", "senior": "高级"}


MAX_IMAGE_B64 = 2_000_000  # ~1.5 MB per image: bigger bodies are refused with 422


class In(BaseModel):
    """Base of request bodies: unknown fields are refused so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    """Base of answers: the harness tolerates extra fields a vendor adds."""

    model_config = ConfigDict(extra="allow")


ImageB64 = Field(min_length=16, max_length=MAX_IMAGE_B64, description="base64 PNG or JPEG")


class Health(Out):
    status: str
    platform_id: str
    interface: str = INTERFACE_VERSION
    # Different after every process start; needed by a platform whose restart hook answers 202.
    boot_id: str | None = None
