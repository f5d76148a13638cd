"""The supervision write probes come from the interface's OpenAPI document (STUDY-08)."""

from __future__ import annotations

from harness.interface_paths import (
    SIGN_IN_PATH,
    WRITE_METHODS,
    fill,
    interface_document,
    supervision_paths,
    supervision_write_probes,
)


def test_every_supervision_path_but_sign_in_gets_every_write_method():
    documented = [p for p in interface_document()["paths"] if p.startswith("/api/v1/supervision")]
    assert SIGN_IN_PATH in documented
    assert sorted(supervision_paths()) == sorted(set(documented) - {SIGN_IN_PATH})
    probes = supervision_write_probes({"learner_id": "L1"})
    assert len(probes) == len(supervision_paths()) * len(WRITE_METHODS)
    assert ("DELETE", "/api/v1/supervision/learners/L1/face-photo") in probes
    assert all("{" not in path for _, path in probes)


def test_unknown_parameters_are_filled_with_an_unknown_id():
    assert fill("/a/{x}/b/{y}", {"x": "1"}) == "/a/1/b/unknown"


def test_data_operations_are_every_secured_operation_but_the_test_hooks():
    from harness.interface_paths import data_operations

    ops = data_operations()
    assert all(op.secured and not op.template.startswith("/api/v1/test") for op in ops)
    keys = {(op.method, op.template) for op in ops}
    assert ("GET", "/api/v1/supervision/captures/{challenge_id}/image") in keys
    assert ("POST", "/api/v1/playbacks/{playback_id}/heartbeats") in keys
    assert ("POST", "/api/v1/login") not in keys  # sign-in needs no token
    enterprise = next(op for op in ops if op.template == "/api/v1/enterprise/employees")
    assert enterprise.supervision


def test_the_event_stream_is_left_to_its_own_check():
    """A request to a stream never ends: the authorisation matrix leaves it to STUDY-09's check
    (which probes its refusals), and keeps the live view, an ordinary list."""
    from harness.interface_paths import data_operations, interface_document, is_event_stream

    keys = {(op.method, op.template) for op in data_operations()}
    assert ("GET", "/api/v1/supervision/events") not in keys
    assert ("GET", "/api/v1/supervision/live") in keys
    events = interface_document()["paths"]["/api/v1/supervision/events"]["get"]
    assert is_event_stream(events)
