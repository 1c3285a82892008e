"""Work spread over processes hands each result on as it comes (so a build of
thousands of delegates never holds every rendered output at once)."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pendulum
import pytest

from icssi_itinerary.parallel import run_parallel
from icssi_itinerary.timing import localize, zone


@pytest.mark.parametrize("jobs", [1, 2])
def test_results_are_handed_on_before_the_last_work_starts(tmp_path: Path, jobs: int) -> None:
    handed = tmp_path / "handed"
    handed.mkdir()
    count = 40

    def work(index: int) -> tuple[int, int]:
        if index < count - 1:
            return index, -1
        # The last task waits (up to 20 s) until the first results have been handed on.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(list(handed.iterdir())) < 10:
            time.sleep(0.02)
        return index, len(list(handed.iterdir()))

    seen: list[int] = []

    def done(result: tuple[int, int]) -> None:
        index, before_last = result
        seen.append(index)
        (handed / str(index)).touch()
        if before_last >= 0:
            assert before_last >= 10  # the last task did not wait for nothing

    run_parallel(work, range(count), jobs, done)
    assert sorted(seen) == list(range(count))


def test_a_failure_stops_the_work_and_is_raised(tmp_path: Path) -> None:
    def work(index: int) -> int:
        if index == 3:
            raise ValueError("delegate 3 cannot be rendered")
        return index

    handed: list[int] = []
    with pytest.raises(ValueError, match="delegate 3"):
        run_parallel(work, range(200), 2, handed.append)
    assert len(handed) < 200


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_worker_gets_its_task_with_its_times_and_zones(jobs: int) -> None:
    """A task reaches its worker whole: 02:30 on the night Oslo's clocks go back is the
    second 02:30 (01:30 UTC, 04:30 in Baghdad), and its zone is the worker's own."""
    oslo = zone("Europe/Oslo")
    tasks = [localize(datetime(2014, 10, 26, 2, 30), oslo, fold) for fold in ("earlier", "later")]
    found: list[tuple[str, str, bool]] = []

    def work(moment: pendulum.DateTime) -> tuple[str, str, bool]:
        utc = moment.in_timezone("UTC").isoformat()
        baghdad = moment.in_timezone(zone("Asia/Baghdad")).isoformat()
        return utc, baghdad, moment.tzinfo is zone("Europe/Oslo")

    run_parallel(work, tasks, jobs, found.append)
    assert sorted(found) == [
        ("2014-10-26T00:30:00+00:00", "2014-10-26T03:30:00+03:00", True),
        ("2014-10-26T01:30:00+00:00", "2014-10-26T04:30:00+03:00", True),
    ]
