"""The authorisation matrix's bodies are valid under the interface document, so that a missing
token is the only thing wrong with its unauthenticated requests (401, never a 422 excuse)."""

from __future__ import annotations

import jsonschema

from harness.interface_paths import data_operations, interface_document
from harness.schema_instances import minimal_instance, request_body

KNOWN = {"course_id": "COURSE-1", "id_number": "110101199003074258", "name": "张三"}


def test_every_write_body_the_matrix_sends_validates_against_the_document() -> None:
    document = interface_document()
    checked = 0
    for op in data_operations():
        if op.method == "GET":
            continue
        body = request_body(document, op.template, op.method, KNOWN)
        if body is None:
            continue
        content = document["paths"][op.template][op.method.lower()]["requestBody"]["content"]
        schema = {**content["application/json"]["schema"], "components": document["components"]}
        jsonschema.validate(body, schema, cls=jsonschema.Draft202012Validator)
        checked += 1
    assert checked >= 5  # enrolments, playbacks, heartbeats, captures, quiz answers at least


def test_minimal_instances_keep_to_each_bound() -> None:
    document = {"components": {"schemas": {"Inner": {"type": "integer", "minimum": 3}}}}
    schema = {
        "type": "object",
        "required": ["a", "b", "c", "d", "e", "f"],
        "properties": {
            "a": {"type": "string", "minLength": 4},
            "b": {"type": "number", "exclusiveMinimum": 0},
            "c": {"$ref": "#/components/schemas/Inner"},
            "d": {"enum": ["A", "B"]},
            "e": {"type": "array", "items": {"type": "boolean"}, "minItems": 2},
            "f": {"anyOf": [{"type": "null"}, {"type": "string"}]},
            "optional": {"type": "string"},
        },
    }
    assert minimal_instance(schema, document, {"f": "given"}) == {
        "a": "xxxx",
        "b": 1.0,
        "c": 3,
        "d": "A",
        "e": [False, False],
        "f": "given",
    }
