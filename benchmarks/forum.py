"""A forum-sized build: every format for 20,000 delegates over a 500-event programme.

    python benchmarks/forum.py                      # the full forum (minutes on 2 cores)
    python benchmarks/forum.py --delegates 2000     # a tenth of it

Runs ``icssi-itinerary build`` as a coordinator would, in a process of its own, and
prints the time, the peak memory of the command and its workers together (their
proportional set size, sampled from /proc four times a second) and the resident
memory of the largest of them, the files written, and the per-delegate rate. Then,
in the same run, the same build for a tenth of the delegates: the ratio shows
whether the cost grows linearly (1.0) or worse. Nothing here asserts a time;
docs/performance.md keeps the numbers.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic

from icssi_itinerary.parallel import default_jobs


def _tree_memory(root: int) -> list[tuple[int, int]]:
    """RSS and PSS (KiB) of *root* and of every process descended from it. PSS splits
    the pages forked workers share with their parent among them, so the sum of PSS is
    what the build takes from the machine; the sum of RSS would count them twice."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, grown = {root}, True
    while grown:
        found = {pid for pid, parent in parents.items() if parent in tree} - tree
        grown = bool(found)
        tree |= found
    return [size for pid in tree if (size := _memory(pid)) is not None]


def _memory(pid: int) -> tuple[int, int] | None:
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return None
    fields = {line.split(":")[0]: line.split()[1] for line in lines if ":" in line}
    return int(fields.get("Rss", 0)), int(fields.get("Pss", 0))


def build(folder: Path, events: int, delegates: int, jobs: int) -> dict[str, float]:
    """Run the build; its seconds, peak memory in MiB (the PSS of all its processes
    together, the RSS of the largest one), and the files it wrote."""
    roster = synthetic.write(folder, events, delegates)
    out = folder / "out"
    command = [
        str(Path(sys.executable).with_name("icssi-itinerary")),
        "--programme",
        str(folder / "programme.toml"),
        "build",
        "--roster",
        str(roster),
        "--out",
        str(out),
        "--jobs",
        str(jobs),
    ]
    total = largest = 0
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while process.poll() is None:
        sizes = _tree_memory(process.pid)
        total = max(total, sum(pss for _, pss in sizes))
        largest = max(largest, max((rss for rss, _ in sizes), default=0))
        time.sleep(0.25)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(process.stderr.read().decode() if process.stderr else "build failed")
    files = sum(1 for path in out.rglob("*") if path.is_file())
    return {"seconds": elapsed, "total": total / 1024, "largest": largest / 1024, "files": files}


def measure(
    folder: Path, events: int, delegates: int, jobs: int
) -> tuple[int, dict[str, float], dict[str, float], float]:
    """A tenth of *delegates*, then all of them, built in *folder* in one run: the
    tenth's size, both builds' measures (:func:`build`), and the time per delegate of
    the whole over the tenth's (1.00 is linear)."""
    tenth = max(1, delegates // 10)
    small = build(folder / "tenth", events, tenth, jobs)
    full = build(folder / "full", events, delegates, jobs)
    return tenth, small, full, (full["seconds"] / delegates) / (small["seconds"] / tenth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--delegates", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=default_jobs())
    arguments = parser.parse_args()
    events, delegates, jobs = arguments.events, arguments.delegates, arguments.jobs
    with tempfile.TemporaryDirectory(prefix="icssi-forum-") as temporary:
        tenth, small, full, ratio = measure(Path(temporary), events, delegates, jobs)
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {jobs} jobs")
    for count, measured in ((tenth, small), (delegates, full)):
        print(
            f"{count:>6} delegates x {events} events, every format: "
            f"{measured['seconds']:7.1f} s ({count / measured['seconds']:5.1f} delegates/s), "
            f"peak {measured['total']:4.0f} MiB in all "
            f"(largest process RSS {measured['largest']:.0f} MiB), {measured['files']:.0f} files"
        )
    print(f"time per delegate, full vs a tenth in the same run: {ratio:.2f} (1.00 is linear)")
    print("targets for 20000 delegates on 2 cores: <= 600 s, peak RSS <= 300 MiB")


if __name__ == "__main__":
    main()
