"""docs/interface.md and the OpenAPI document are enough to build a platform from: the document
validates, declares a limit for every input, and every wire model and compliant alternative is
named on the page."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

from openapi_spec_validator import validate
from pydantic import BaseModel

import harness.spec
from reference_platform.alternatives import ALTERNATIVES

ROOT = Path(__file__).resolve().parents[1]
INTERFACE = (ROOT / "docs/interface.md").read_text(encoding="utf-8")
OPENAPI = json.loads((ROOT / "harness/spec/openapi.json").read_text(encoding="utf-8"))


def spec_models() -> Iterator[tuple[str, str]]:
    """`(module, class)` of every pydantic model defined in harness/spec/."""
    for info in pkgutil.iter_modules(harness.spec.__path__):
        module = importlib.import_module(f"harness.spec.{info.name}")
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseModel)
                and obj.__module__ == module.__name__
            ):
                yield info.name, name


def test_the_openapi_document_validates() -> None:
    validate(OPENAPI)


def test_every_spec_model_is_named_in_the_interface_document() -> None:
    models = list(spec_models())
    assert len(models) > 40
    missing = [f"{m}.{n}" for m, n in models if not re.search(rf"\b{n}\b", INTERFACE)]
    assert missing == []


def test_every_compliant_alternative_is_named_in_the_interface_document() -> None:
    missing = [name for name in ALTERNATIVES if f"`{name}`" not in INTERFACE]
    assert missing == []


def _unbounded(schema: dict, schemas: dict) -> list[str]:
    """Why a request value's schema has no limit (empty: it has one)."""
    if "$ref" in schema:
        return _unbounded(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas)
    if "anyOf" in schema:
        return [w for option in schema["anyOf"] for w in _unbounded(option, schemas)]
    kind = schema.get("type")
    if "enum" in schema or "const" in schema or kind in ("boolean", "null"):
        return []
    if kind == "string" and "format" in schema:  # dates and times have their own shape
        return []
    if kind == "string":
        return [] if "maxLength" in schema or "pattern" in schema else ["string without maxLength"]
    if kind in ("integer", "number"):
        return [] if "maximum" in schema else [f"{kind} without maximum"]
    if kind == "array":
        inner = _unbounded(schema.get("items", {}), schemas)
        return (["array without maxItems"] if "maxItems" not in schema else []) + inner
    if kind == "object":
        return [
            w for prop in schema.get("properties", {}).values() for w in _unbounded(prop, schemas)
        ]
    return [f"no type: {schema}"]


def test_every_request_body_field_and_query_parameter_carries_its_limit() -> None:
    schemas = OPENAPI["components"]["schemas"]
    problems = {}
    for path, operations in OPENAPI["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                found = _unbounded(body["schema"], schemas)
                if found:
                    problems[f"{method} {path} body"] = found
            for parameter in operation.get("parameters", []):
                found = _unbounded(parameter["schema"], schemas)
                if found:
                    problems[f"{method} {path} {parameter['name']}"] = found
    assert problems == {}


def test_every_operation_declares_its_refusals() -> None:
    """Every route with a body or a parameter declares 422; every authenticated one 401."""
    for path, operations in OPENAPI["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            takes_input = operation.get("requestBody") or operation.get("parameters")
            if takes_input:
                assert "422" in declared, f"{method} {path}"
            if operation.get("security"):
                assert "401" in declared, f"{method} {path}"
