"""An import enrols its rows a few at a time: reports in row order, rows of one external id in
their order, and an outage stops new rows while those under way finish."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from api.candidates.imports import IMPORT_CONCURRENCY, enrol_rows
from api.candidates.schemas import ImportRow


async def test_rows_run_concurrently_and_report_in_row_order() -> None:
    running = 0
    most = 0

    async def enrol_one(number: int, record: Any) -> ImportRow:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01 * (number % 3))
        running -= 1
        return ImportRow(row=number, external_id=record["external_id"], status="created")

    records = [{"external_id": f"x-{number}"} for number in range(40)]
    rows = await enrol_rows(records, enrol_one, asyncio.Semaphore(IMPORT_CONCURRENCY))
    assert [row.row for row in rows] == list(range(1, 41))
    assert most == IMPORT_CONCURRENCY


async def test_rows_of_one_external_id_go_in_order() -> None:
    seen: set[str] = set()
    order: list[int] = []

    async def enrol_one(number: int, record: Any) -> ImportRow:
        await asyncio.sleep(0.01 if number == 1 else 0)
        order.append(number)
        created = record["external_id"] not in seen
        seen.add(record["external_id"])
        return ImportRow(
            row=number,
            external_id=record["external_id"],
            status="created" if created else "existing",
        )

    records = [{"external_id": "same"}, {"external_id": "other"}, {"external_id": "same"}]
    rows = await enrol_rows(records, enrol_one, asyncio.Semaphore(IMPORT_CONCURRENCY))
    assert [row.status for row in rows] == ["created", "created", "existing"]
    assert order.index(1) < order.index(3)


async def test_an_outage_stops_new_rows_and_lets_those_under_way_finish() -> None:
    finished: list[int] = []

    async def enrol_one(number: int, record: Any) -> ImportRow:
        if number == 1:
            await asyncio.sleep(0.01)  # the others are under way by now
            raise TimeoutError("Temporal did not answer")
        await asyncio.sleep(0.05)
        finished.append(number)
        return ImportRow(row=number, external_id=None, status="created")

    records: list[Any] = [{"external_id": f"x-{number}"} for number in range(100)]
    with pytest.raises(TimeoutError):
        await enrol_rows(records, enrol_one, asyncio.Semaphore(IMPORT_CONCURRENCY))
    # The rows already under way when row 1 failed finished; no new one started.
    assert sorted(finished) == list(range(2, IMPORT_CONCURRENCY + 1))


async def test_the_slots_are_shared_by_imports_under_way() -> None:
    running = 0
    most = 0

    async def enrol_one(number: int, record: Any) -> ImportRow:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        return ImportRow(row=number, external_id=None, status="created")

    slots = asyncio.Semaphore(IMPORT_CONCURRENCY)
    records: list[Any] = [{"external_id": f"x-{number}"} for number in range(30)]
    await asyncio.gather(*(enrol_rows(records, enrol_one, slots) for _ in range(4)))
    assert most == IMPORT_CONCURRENCY
