"""The interface's own paths, read from its OpenAPI document (`harness/spec/openapi.json`), so
that a probe over "every supervision endpoint" covers a new endpoint without a new check."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OPENAPI_PATH = Path(__file__).resolve().parent / "spec" / "openapi.json"
SUPERVISION_PREFIX = "/api/v1/supervision"
SIGN_IN_PATH = SUPERVISION_PREFIX + "/token"  # a POST that changes nothing but a token
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
PARAMETER = re.compile(r"\{([^}]+)\}")


@functools.cache
def interface_document() -> dict[str, Any]:
    return json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))


def supervision_paths() -> list[str]:
    """Every supervision path template of the interface but sign-in, in document order."""
    paths = interface_document()["paths"]
    return [p for p in paths if p.startswith(SUPERVISION_PREFIX) and p != SIGN_IN_PATH]


def fill(template: str, values: dict[str, str]) -> str:
    """The path with each `{name}` replaced by `values[name]` (an unknown name by `unknown`)."""
    return PARAMETER.sub(lambda m: values.get(m.group(1), "unknown"), template)


def supervision_write_probes(values: dict[str, str]) -> list[tuple[str, str]]:
    """`(method, path)` for every write method on every supervision path: all must be refused,
    whether the document declares the method or not (the supervision protocol is read-only)."""
    return [
        (method, fill(template, values))
        for template in supervision_paths()
        for method in WRITE_METHODS
    ]


@dataclass(frozen=True)
class Operation:
    """One documented operation: method, path template, and the parameters it takes."""

    method: str
    template: str
    secured: bool  # the document requires a bearer token
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    documented_as: str = ""  # the document's template, when `template` fills in a choice

    @property
    def supervision(self) -> bool:
        """Called with a supervision token (the supervision views and enterprise management)."""
        return self.template.startswith(SUPERVISION_TOKEN_PREFIXES)

    def path(self, values: dict[str, str]) -> str:
        return fill(self.template, values)


TEST_HOOK_PREFIX = "/api/v1/test"  # certification-only hooks, a credential of their own
ENTERPRISE_PREFIX = "/api/v1/enterprise"
RECORDS_PREFIX = "/api/v1/records"  # retention: deletion after the retention period (POST-05)
SUPERVISION_TOKEN_PREFIXES = (SUPERVISION_PREFIX, ENTERPRISE_PREFIX, RECORDS_PREFIX)


def is_event_stream(operation: dict[str, Any]) -> bool:
    """An operation answering only Server-Sent Events (the real-time supervision stream)."""
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    return list(content) == ["text/event-stream"]


def data_operations() -> list[Operation]:
    """Every secured operation of the interface but the test hooks: the learner's and the
    supervisors' data endpoints, in document order."""
    found = []
    for template, methods in interface_document()["paths"].items():
        if template.startswith(TEST_HOOK_PREFIX):
            continue
        for method, operation in methods.items():
            if is_event_stream(operation):
                continue  # never ends: judged by STUDY-09's stream check, not by one request
            parameters = operation.get("parameters", [])
            fixed = [p for p in parameters if p["in"] == "path" and "enum" in p.get("schema", {})]
            for concrete in _filled(template, fixed):
                found.append(
                    Operation(
                        method=method.upper(),
                        template=concrete,
                        secured=bool(operation.get("security")),
                        path_params=tuple(
                            p["name"] for p in parameters if p["in"] == "path" and p not in fixed
                        ),
                        query_params=tuple(p["name"] for p in parameters if p["in"] == "query"),
                        documented_as=template,
                    )
                )
    return [op for op in found if op.secured]


def _filled(template: str, choices: list[dict[str, Any]]) -> list[str]:
    """The template once per combination of values of its enumerated path parameters (an
    export's dataset is a choice among named files, not an object id), those filled in."""
    templates = [template]
    for parameter in choices:
        templates = [
            t.replace("{" + parameter["name"] + "}", str(value))
            for t in templates
            for value in parameter["schema"]["enum"]
        ]
    return templates
