"""The reference platform's learning-data export (POST-01): both formats parsed back and compared
with each account's views, cell by cell; the two export defects; the streamed writers.

The world (accounts of every kind, learners in and out of each scope) is the supervision-scope
tests' one; the expected rows are computed here from the account's own views and, for scope,
from the rule written out in that module (not from scope.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.checks.export_datasets import canonical, file_row
from harness.export_reader import LINE_READERS, READERS, Row, read_csv, read_xlsx
from harness.spec.export import (
    DATASET_VIEWS,
    EXPORT_COLUMNS,
    EXPORT_DATASETS,
    LEARNER_COLUMNS,
    MEDIA_TYPES,
    UTF8_BOM,
    dataset_columns,
)
from reference_platform.export_files import CSV_CHUNK_ROWS, csv_chunks, xlsx_chunks
from tests.test_reference_supervision_scope import ACCOUNTS, World, scoped_world

FORMATS = sorted(MEDIA_TYPES)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with scoped_world(tmp_path_factory.mktemp("export")) as built:
        yield built


def expected_rows(world: World, username: str) -> list[tuple[Any, ...]]:
    """The account's progress view with its learner list's name and ID number."""
    learners = {row["learner_id"]: row for row in world.rows(username, "learners")}
    rows = []
    for progress in world.rows(username, "progress"):
        values = dict(progress)
        for column in LEARNER_COLUMNS:
            values[column] = learners[progress["learner_id"]][column]
        rows.append(tuple(values[column] for column in EXPORT_COLUMNS))
    return sorted(rows, key=str)


def exported(world: World, username: str, file_format: str) -> list[tuple[Any, ...]]:
    answer = world.get(username, "export/learning-data", format=file_format)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == MEDIA_TYPES[file_format]
    assert f"learning-data.{file_format}" in answer.headers["content-disposition"]
    header, rows = READERS[file_format](answer.content)
    assert header == list(EXPORT_COLUMNS)
    return sorted(rows, key=str)


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("username", sorted(ACCOUNTS))
def test_each_account_exports_exactly_its_views(
    world: World, username: str, file_format: str
) -> None:
    expected = expected_rows(world, username)
    assert expected, "every account of the world sees some progress"
    rows = exported(world, username, file_format)
    assert rows == expected
    allowed = world.rule(username)
    assert all(allowed({"learner_id": row[0], "course_id": row[3]}) for row in rows)
    kind = ACCOUNTS[username][0]
    masked = ["*" in row[2] for row in rows]
    assert all(masked) if kind in ("enterprise", "institution") else not any(masked)


def test_a_scoped_export_misses_rows_the_authority_exports(world: World) -> None:
    """Guards the test above: the scope really narrows the files."""
    everything = exported(world, "hr-authority", "csv")
    for username in ("enterprise-a", "school-1", "school-2"):
        assert 0 < len(exported(world, username, "csv")) < len(everything)


def test_csv_is_utf8_with_bom_and_keeps_chinese_names(world: World) -> None:
    answer = world.get("hr-authority", "export/learning-data")  # csv by default
    assert answer.content.startswith(UTF8_BOM)
    studying = {row["learner_id"] for row in world.rows("hr-authority", "progress")}
    learners = world.rows("hr-authority", "learners")
    names = {row["name"] for row in learners if row["learner_id"] in studying}
    assert any(not name.isascii() for name in names)
    for name in names:
        assert name.encode("utf-8") in answer.content


def test_an_unknown_format_is_refused_with_a_reason(world: World) -> None:
    answer = world.get("hr-authority", "export/learning-data", format="pdf")
    assert answer.status_code == 422
    assert answer.json()["detail"]


def test_the_export_needs_a_supervision_token(world: World) -> None:
    answer = world.platform.client.get("/api/v1/supervision/export/learning-data")
    assert answer.status_code == 401


def _switched(world: World, *names: str) -> None:
    world.platform.client.app.state.platform.defects.switch(names)  # type: ignore[attr-defined]


def test_export_omits_last_row_loses_a_row_in_both_formats(world: World) -> None:
    whole = {fmt: exported(world, "hr-authority", fmt) for fmt in FORMATS}
    _switched(world, "export_omits_last_row")
    try:
        for fmt in FORMATS:
            short = exported(world, "hr-authority", fmt)
            assert len(short) == len(whole[fmt]) - 1
            assert set(short) < set(whole[fmt])
    finally:
        _switched(world)


def test_export_leaks_other_scope_shows_an_institution_every_row(world: World) -> None:
    _switched(world, "export_leaks_other_scope")
    try:
        rows = exported(world, "school-1", "xlsx")
        allowed = world.rule("school-1")
        assert not all(allowed({"learner_id": row[0], "course_id": row[3]}) for row in rows)
        assert exported(world, "enterprise-a", "xlsx") == expected_rows(world, "enterprise-a")
    finally:
        _switched(world)


def _rows(count: int) -> list[list[Any]]:
    return [
        [f"L{n}", "张三", "140105********123X", "C", f"l{n}", n, 1, 2700, 2700.0, 2700.5, 1, True]
        for n in range(count)
    ]


def test_csv_is_written_in_chunks_as_rows_arrive() -> None:
    count = 2 * CSV_CHUNK_ROWS + 7
    consumed = 0

    def source():
        nonlocal consumed
        for row in _rows(count):
            consumed += 1
            yield row

    chunks = csv_chunks(source())
    next(chunks)  # the BOM and header, before any row is read
    assert consumed == 0
    next(chunks)
    assert consumed == CSV_CHUNK_ROWS  # one chunk holds only its rows
    data = b"".join([b"", *chunks])
    assert consumed == count and data


@pytest.mark.parametrize("writer,reader", [(csv_chunks, read_csv), (xlsx_chunks, read_xlsx)])
def test_the_writers_round_trip_every_cell_type(writer, reader) -> None:
    rows = [*_rows(3), ["=1+1", "=HYPERLINK(1)", "x", "C", "l", 1, 1, 1, 0.25, 0.0, 0, False]]
    header, read = reader(b"".join(writer(iter(rows))))
    assert header == list(EXPORT_COLUMNS)
    assert read == [tuple(row) for row in rows]


# ---- the dataset files: each exactly its supervision list -------------------------------------
def dataset_file(world: World, username: str, dataset: str, file_format: str) -> list[Row]:
    answer = world.get(username, f"export/{dataset}", format=file_format)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == MEDIA_TYPES[file_format]
    assert f"{dataset}.{file_format}" in answer.headers["content-disposition"]
    header, lines = LINE_READERS[file_format](answer.content)
    assert header == dataset_columns(dataset)
    model = DATASET_VIEWS[dataset][1]
    return sorted((file_row(model, header, list(line)) for line in lines), key=str)


def dataset_view(world: World, username: str, dataset: str) -> list[Row]:
    model = DATASET_VIEWS[dataset][1]
    rows = world.rows(username, dataset)  # the list of the dataset's name
    return sorted((canonical(model.model_validate(row)) for row in rows), key=str)


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("dataset", EXPORT_DATASETS)
@pytest.mark.parametrize("username", sorted(ACCOUNTS))
def test_each_dataset_file_is_exactly_its_list(
    world: World, username: str, dataset: str, file_format: str
) -> None:
    rows = dataset_file(world, username, dataset, file_format)
    assert rows == dataset_view(world, username, dataset)
    assert all(row[0] != "not a row:" for row in rows)


def test_the_world_fills_the_datasets_an_authority_exports(world: World) -> None:
    """Guards the test above against comparing empty files."""
    for dataset in ("learners", "enrolments", "captures"):
        assert dataset_view(world, "hr-authority", dataset), dataset


def test_an_unknown_dataset_is_refused_with_a_reason(world: World) -> None:
    answer = world.get("hr-authority", "export/heartbeats")
    assert answer.status_code == 422
    assert answer.json()["detail"]


def test_export_leaves_out_failed_captures_only_drops_failed_ones(world: World) -> None:
    whole = dataset_file(world, "hr-authority", "captures", "csv")
    failed = [row for row in whole if row[9] is False]
    assert failed and len(failed) < len(whole), "the world holds failed and passed captures"
    _switched(world, "export_leaves_out_failed_captures")
    try:
        short = dataset_file(world, "hr-authority", "captures", "csv")
    finally:
        _switched(world)
    assert sorted(short + failed, key=str) == whole
