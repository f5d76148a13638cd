"""POST-03 — the authorisation matrix: every data endpoint × every caller × in- and out-of-scope
object, generated from the interface's OpenAPI document.

The space probed: every secured operation of the document but the test hooks (a new endpoint is
covered without a new check); the callers — no token, a made-up token, a learner's token, and
each supervision account kind of the profile; the objects — a learner inside the scoped accounts'
scope and one outside it, each with a login, enrolment, playback, heartbeats and a capture.
Expected answer per cell (docs/interface.md):
- no token, a made-up token, or the other protocol's token (a learner's on a supervision
  endpoint, a supervisor's on a learner endpoint): 401;
- a supervision read of an object (photo, capture image): 200 when the account's scope covers
  the learner, else 404; a list filtered to the learner (`learner_id`, `id_number`,
  `playback_id`): rows when covered, an empty list when not;
- a learner's write on another learner's object (heartbeat, close, capture answer): 403 or 404
  (IDOR), and the other learner's records unchanged;
- every write method on every supervision path, and enterprise enrolment by every
  non-enterprise account: a 4xx.
The matrix's size and every cell go into the evidence.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from harness.api import Refused, attempt
from harness.checks.supervision_scope import (
    accounts_by_kind,
    answer_without_reading,
    courses_inside_and_outside,
    employ,
    view_of,
)
from harness.failures import CheckFailure
from harness.interface_paths import WRITE_METHODS, Operation, data_operations, interface_document
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.trail import Trail, learner_with_trail
from harness.schema_instances import request_body
from harness.supervision import EMPLOYEES_PATH, SupervisionClient

FILTERS = ("learner_id", "id_number", "playback_id")  # query parameters that name one learner
PLATFORM_WIDE = frozenset({"authority", "auditor"})
MADE_UP_TOKEN = "sxcert-made-up-token-0000000000000000"


@dataclass
class Cell:
    caller: str
    method: str
    path: str
    side: str  # inside, outside, or - when the object does not matter
    expected: str
    got: str = ""
    ok: bool = False


def values_of(trail: Trail) -> dict[str, str]:
    return {
        "learner_id": trail.learner_id,
        "id_number": trail.enrolled.learner.id_number,
        "playback_id": trail.playback_id,
        "challenge_id": trail.challenge_id,
        "course_id": trail.enrolled.course.course_id,
    }


def status_of(outcome: Any) -> int:
    return outcome.status if isinstance(outcome, Refused) else 200


class Matrix:
    """Sends each cell's request and records what came back against what was expected."""

    def __init__(self, probe: Probe) -> None:
        self.client = probe.supervisor  # any ApiClient: `request` takes the token per call
        self.cells: list[Cell] = []

    def send(
        self, cell: Cell, token: str | None, json: Any = None, params: Any = None, raw: bool = True
    ) -> Any:
        """The cell's request; a 4xx is `Refused`, bytes unless `raw` is False (a JSON list)."""
        outcome = attempt(
            lambda: self.client.request(
                cell.method, cell.path, token=token, json=json, params=params, raw=raw
            )
        )
        self.cells.append(cell)
        return outcome

    def expect_status(self, cell: Cell, outcome: Any, allowed: set[int]) -> None:
        cell.got = str(status_of(outcome))
        cell.ok = status_of(outcome) in allowed

    def expect_refused(self, cell: Cell, outcome: Any) -> None:
        cell.got = str(status_of(outcome))
        cell.ok = isinstance(outcome, Refused)

    def tally(self) -> list[str]:
        """`count × caller: expected → got`, one line per distinct outcome."""
        counts = Counter((c.caller, c.expected, c.got) for c in self.cells)
        return [f"{n} × {who}: {exp} → {got}" for (who, exp, got), n in sorted(counts.items())]

    @property
    def wrong(self) -> list[Cell]:
        return [cell for cell in self.cells if not cell.ok]


def unauthenticated_cells(
    matrix: Matrix,
    ops: list[Operation],
    values: dict[str, str],
    learner_token: str,
    supervisor_token: str,
) -> None:
    """No token, a made-up one, or the other protocol's token: 401 on every secured operation,
    each sent with a body the document accepts (harness/schema_instances.py), so that the missing
    credential is the only thing wrong with the request."""
    document = interface_document()
    bodies = {
        op: (request_body(document, op.documented_as or op.template, op.method, values) or {})
        if op.method != "GET"
        else None
        for op in ops
    }
    for op in ops:
        other = learner_token if op.supervision else supervisor_token
        other_name = "learner token" if op.supervision else "supervisor token"
        for caller, token in (
            ("no token", None),
            ("made-up token", MADE_UP_TOKEN),
            (other_name, other),
        ):
            cell = Cell(caller, op.method, op.path(values), "-", "401")
            outcome = matrix.send(cell, token, json=bodies[op])
            matrix.expect_status(cell, outcome, {401})


def scope_cells(
    matrix: Matrix,
    ops: list[Operation],
    accounts: dict[str, SupervisionClient],
    trails: dict[str, Trail],
) -> None:
    """Supervision reads of each side's objects and filtered lists, by every account kind.

    An object in scope answers as it does to the authority (200, or 404 when the platform keeps
    none); out of scope, 404. An object endpoint whose parameters the trail cannot fill (another
    slice's object) is probed with an unknown id (404 for everyone). A filtered list must equal
    the authority's answer when the account's scope covers the learner and be empty when it does
    not; an answer that is not a JSON list (an export file) is recorded as not judged here.
    """
    reads = [op for op in ops if op.supervision and op.method == "GET"]
    authority_token = accounts["authority"].bearer()
    for kind, account in accounts.items():
        token = account.bearer()
        for side, trail in trails.items():
            covered = kind in PLATFORM_WIDE or side == "inside"
            values = values_of(trail)
            for op in reads:
                if op.path_params and not set(op.path_params) <= values.keys():
                    cell = Cell(kind, "GET", op.path({}), "unknown object", "404")
                    matrix.expect_status(cell, matrix.send(cell, token), {404})
                    continue
                if op.path_params:
                    # In scope: what the authority gets (an object may legitimately be absent).
                    path = op.path(values)
                    truth = attempt(
                        lambda p=path: matrix.client.request(
                            "GET", p, token=authority_token, raw=True
                        )
                    )
                    want = status_of(truth) if covered else 404
                    cell = Cell(kind, "GET", path, side, str(want))
                    matrix.expect_status(cell, matrix.send(cell, token), {want})
                    continue
                for name in (f for f in FILTERS if f in op.query_params):
                    params = {name: values[name]}
                    path = f"{op.template}?{name}=…"
                    truth = attempt(
                        lambda p=params, t=op.template: matrix.client.request(
                            "GET", t, token=authority_token, params=p
                        )
                    )
                    cell = Cell(kind, "GET", path, side, "as authority" if covered else "[]")
                    outcome = matrix.send(cell, token, params=params, raw=False)
                    if not isinstance(outcome, list) or not isinstance(truth, list):
                        cell.got = f"{status_of(outcome)}, not a list: not judged"
                        cell.ok = status_of(outcome) == 200 or not covered
                        continue
                    cell.got = f"{len(outcome)} rows (authority {len(truth)})"
                    same = without_id_numbers(outcome) == without_id_numbers(truth)
                    cell.ok = same if covered else outcome == []


def without_id_numbers(rows: list[Any]) -> list[Any]:
    """Rows without `id_number` (masked for scoped accounts; judged by its own check)."""
    return [
        {k: v for k, v in row.items() if k != "id_number"} if isinstance(row, dict) else row
        for row in rows
    ]


def write_cells(
    matrix: Matrix, ops: list[Operation], accounts: dict[str, SupervisionClient], outside: Trail
) -> None:
    """Every write method on every supervision path is refused; only an enterprise enrols."""
    paths = {op.path(values_of(outside)) for op in ops if op.supervision}
    employee = {
        "id_number": outside.enrolled.learner.id_number,
        "name": outside.enrolled.learner.name,
    }
    for kind, account in accounts.items():
        token = account.bearer()
        for path in sorted(paths):
            for method in WRITE_METHODS:
                if path == EMPLOYEES_PATH and (kind == "enterprise" or method != "POST"):
                    continue  # the enterprise's own enrolment is ENT-01's
                body = employee if path == EMPLOYEES_PATH else {}
                cell = Cell(kind, method, path, "outside", "4xx")
                matrix.expect_refused(cell, matrix.send(cell, token, json=body))


def idor_cells(
    matrix: Matrix, ops: list[Operation], learner_token: str, outside: Trail, image: str
) -> None:
    """A learner's writes on another learner's playback and capture: 403 or 404."""
    heartbeat = {"seq": 9999, "position_s": 0, "rate": 1, "window_id": "window-1"}
    for op in ops:
        if op.supervision or not op.path_params or op.method == "GET":
            continue
        body: dict[str, Any] | None = None
        if op.template.endswith("/heartbeats"):
            body = heartbeat
        elif "challenge_id" in op.path_params:
            body = {"image": image}
        elif "question_id" in op.path_params:
            body = {"option": "A"}  # a valid answer, so that only the object can be refused
        cell = Cell(
            "learner (other's object)", op.method, op.path(values_of(outside)), "outside", "403/404"
        )
        matrix.expect_status(cell, matrix.send(cell, learner_token, json=body), {403, 404})


@check("POST-03")
def authorisation_matrix_holds_on_every_endpoint(probe: Probe) -> None:
    """Every secured endpoint of the interface answers every caller as the authorisation rule
    says: 401 without a valid token of its protocol, scope-bound reads, refused writes, no IDOR.

    Each trail's learner also answers questions back to back (a `fast_quiz_answers` finding), so
    the self-check's findings list has a row on each side of every scope: the matrix does not
    rest on findings other checks happened to leave on the platform (since stop 46; a run of
    this check alone passed a findings list that ignored the scope)."""
    accounts = accounts_by_kind(probe)
    inside_course, outside_course = courses_inside_and_outside(
        probe, accounts["institution"].scope or ""
    )
    trails = {
        "inside": learner_with_trail(probe, inside_course),
        "outside": learner_with_trail(probe, outside_course),
    }
    for trail in trails.values():
        answer_without_reading(probe, trail)
    employ(accounts["enterprise"], trails["inside"].enrolled)
    authority = probe.supervisors.authority
    outside_before = view_of(authority, trails["outside"])
    ops = data_operations()
    matrix = Matrix(probe)
    learner_token = trails["inside"].enrolled.token
    unauthenticated_cells(
        matrix, ops, values_of(trails["inside"]), learner_token, authority.bearer()
    )
    scope_cells(matrix, ops, accounts, trails)
    image = probe.province.liveness_frames(
        trails["inside"].enrolled.learner.id_number, kind="live", count=1
    )[0]
    idor_cells(matrix, ops, learner_token, trails["outside"], image)
    write_cells(matrix, ops, accounts, trails["outside"])
    outside_after = view_of(authority, trails["outside"])
    changed = [name for name in outside_before if outside_before[name] != outside_after[name]]
    wrong = matrix.wrong
    probe.evidence.attach_json(
        "authorisation-matrix",
        {
            "operations": len(ops),
            "callers": [
                "no token",
                "made-up token",
                "other protocol's token",
                "learner",
                *accounts,
            ],
            "cells": len(matrix.cells),
            "wrong": len(wrong),
            "outside_learner_changed_views": changed,
            "tally": matrix.tally(),
        },
    )
    # Every cell, in full (the redacting JSON writer shortens long lists); cells hold methods,
    # paths with platform ids and status codes only, never a token.
    cells = [cell.__dict__ for cell in matrix.cells]
    probe.evidence.attach_file(
        "authorisation-matrix-cells.json",
        json.dumps(cells, ensure_ascii=False, indent=1).encode(),
        "application/json",
    )
    if wrong or changed:
        first = wrong[0] if wrong else None
        title = (
            f"{first.caller}: {first.method} {first.path} answered {first.got}"
            if first
            else "Another learner's records changed"
        )
        raise CheckFailure(
            title,
            received={"wrong_cells": [c.__dict__ for c in wrong[:8]], "changed_views": changed},
            expected=f"every one of {len(matrix.cells)} cells as the authorisation rule says",
        )
    probe.evidence.note(
        f"authorisation matrix: {len(ops)} operations, {len(matrix.cells)} cells, all as expected"
    )
