"""The smallest request body the interface document accepts for an operation.

The authorisation matrix sends it without a token (or with a wrong one): the interface lets a
request wrong in several ways get any applicable 4xx, so a body the document rejects would let a
compliant platform answer 422 instead of 401. A schema-valid body leaves only the missing
credential wrong, and a platform that forgot to authenticate shows it by not answering 401.
"""

from __future__ import annotations

from typing import Any


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        *_, name = schema["$ref"].split("/")
        schema = document["components"]["schemas"][name]
    return schema


def minimal_instance(
    schema: dict[str, Any], document: dict[str, Any], known: dict[str, Any] | None = None
) -> Any:
    """A value valid under `schema`: required properties only, each at its minimum; a property
    named in `known` takes that value (real ids make the body plausible as well as valid)."""
    schema = _resolve(schema, document)
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            options = [_resolve(s, document) for s in schema[combinator]]
            chosen = next((s for s in options if s.get("type") != "null"), options[0])
            return minimal_instance(chosen, document, known)
    if "allOf" in schema:
        return minimal_instance(schema["allOf"][0], document, known)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {
            name: (known or {}).get(name, minimal_instance(properties.get(name, {}), document))
            for name in schema.get("required", [])
        }
    if kind == "array":
        item = minimal_instance(schema.get("items", {}), document, known)
        return [item] * int(schema.get("minItems", 0))
    if kind == "string":
        return "x" * max(1, int(schema.get("minLength", 1)))
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        value = low + (1 if "exclusiveMinimum" in schema else 0)
        return int(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return False
    return None


def request_body(
    document: dict[str, Any], template: str, method: str, known: dict[str, Any]
) -> Any | None:
    """The minimal JSON body of `method template`, or None when it takes no JSON body."""
    operation = document["paths"][template][method.lower()]
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return minimal_instance(content["application/json"]["schema"], document, known)
