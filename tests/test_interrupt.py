"""Ctrl-C (SIGINT to the whole process group, as a terminal sends it) and SIGTERM during
``build`` and ``publish``: the command ends promptly with exit 130 and one line, leaves
no staging or pending folder, and every file is as it was before the run."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT

BASE_URL = "https://itinerary.example.org/forum"


@pytest.fixture(scope="module")
def forum(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated forum large enough to be stopped half-way (the benchmarks' generator)."""
    folder = tmp_path_factory.mktemp("forum")
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "synthetic.py"), "--events", "60",
         "--delegates", "400", "--out", str(folder)],
        check=True,
    )  # fmt: skip
    return folder


def _state(folder: Path) -> dict[str, bytes | str]:
    return {
        str(path.relative_to(folder)): (
            f"-> {path.readlink()}" if path.is_symlink() else path.read_bytes()
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file() or path.is_symlink()
    }


def _start(args: list[str], cwd: Path, log: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "ICSSI_ITINERARY_LOAD_PLUGINS": ""}
    with log.open("w") as stream:  # a file: a pipe nobody reads would fill and block it
        return subprocess.Popen(
            [sys.executable, "-m", "icssi_itinerary", *args],
            cwd=cwd,
            env=env,
            stdout=stream,
            stderr=stream,
            text=True,
            start_new_session=True,  # its own process group, as a terminal's job
            # as from a terminal: a runner started in the background may ignore SIGINT,
            # and an ignored SIGINT is inherited (Python then never raises KeyboardInterrupt)
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )


def _stop_when(
    process: subprocess.Popen[str],
    started: Path,
    stop: signal.Signals,
    again: signal.Signals | None = None,
) -> float:
    """Send *stop* to the process group once *started* exists (and *again* a moment
    later, as an impatient user or a supervisor would); how long it took to end."""
    deadline = time.monotonic() + 60
    while not any(started.parent.glob(started.name)) and process.poll() is None:
        assert time.monotonic() < deadline, "the run never got going"
        time.sleep(0.02)
    assert process.poll() is None, "the run finished before it could be stopped"
    time.sleep(0.3)  # well inside the rendering
    sent = time.monotonic()
    os.killpg(process.pid, stop)
    if again is not None:
        time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):  # it may have ended already
            os.killpg(process.pid, again)
    try:
        process.wait(timeout=10)  # a hang fails here
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return time.monotonic() - sent


def _interrupted(
    args: list[str],
    cwd: Path,
    started: Path,
    stop: signal.Signals,
    again: signal.Signals | None = None,
) -> None:
    """Run the command in *cwd*, stop it once *started* exists: exit 130, one line."""
    log = cwd.parent / f"{cwd.name}.log"
    process = _start(args, cwd, log)
    _stop_when(process, started, stop, again)
    stderr = log.read_text()
    assert process.returncode == 130, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and "interrupted" in lines[0] and "Traceback" not in stderr


def _run(args: list[str]) -> None:
    env = {**os.environ, "ICSSI_ITINERARY_LOAD_PLUGINS": ""}
    command = [sys.executable, "-m", "icssi_itinerary", *args]
    done = subprocess.run(command, capture_output=True, env=env, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_stopped_build_leaves_no_staging_folder_and_out_as_it_was(
    forum: Path, tmp_path: Path, stop: signal.Signals
) -> None:
    out = tmp_path / "out"
    args = ["--programme", str(forum / "programme.toml"), "build"]
    args += ["--roster", str(forum / "roster.csv"), "--out", str(out), "--jobs", "2"]
    args += ["--format", "text", "--format", "ical"]
    _run(args)
    (forum / "legs.csv").touch()  # nothing changes, but the run does all its work again
    before = _state(tmp_path)
    _interrupted(args, tmp_path, tmp_path / ".out.staging-*", stop)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder
    assert _state(tmp_path) == before


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_stopped_publish_leaves_site_and_ledger_as_they_were(
    forum: Path, tmp_path: Path, stop: signal.Signals
) -> None:
    out = tmp_path / "site"
    args = ["--programme", str(forum / "programme.toml"), "publish"]
    args += ["--roster", str(forum / "roster.csv"), "--out", str(out), "--jobs", "2"]
    args += ["--base-url", BASE_URL, "--format", "text", "--format", "ical"]
    _run(args)
    text = (forum / "programme.toml").read_text(encoding="utf-8")
    edited = tmp_path.parent / f"{tmp_path.name}-programme.toml"
    edited.write_text(text.replace('title = "Session 1"', 'title = "Session one"'), "utf-8")
    args[1] = str(edited)  # one event retitled: every delegate holding it renders again
    before = _state(tmp_path)
    _interrupted(args, tmp_path, tmp_path / "site.private" / "pending", stop)
    names = {p.name for p in tmp_path.iterdir()}
    live = out.resolve().name
    assert names == {"site", "site.private", live, f"{live}.manifest.json"}  # no half-built version
    assert not (tmp_path / "site.private" / "pending").exists()
    assert _state(tmp_path) == before


def test_a_second_stop_while_the_first_is_handled_changes_nothing(
    forum: Path, tmp_path: Path
) -> None:
    """SIGTERM, then Ctrl-C while the run is ending: still exit 130 and one line (the
    second stop must not end the process by the signal, unreported)."""
    out = tmp_path / "out"
    args = ["--programme", str(forum / "programme.toml"), "build"]
    args += ["--roster", str(forum / "roster.csv"), "--out", str(out), "--jobs", "2"]
    args += ["--format", "text", "--format", "ical"]
    _run(args)
    (forum / "legs.csv").touch()
    before = _state(tmp_path)
    _interrupted(args, tmp_path, tmp_path / ".out.staging-*", signal.SIGTERM, signal.SIGINT)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert _state(tmp_path) == before


def test_a_stop_inside_code_run_by_exec_still_ends_with_exit_130(tmp_path: Path) -> None:
    """A stop that lands while Python runs exec()'d code (dataclasses and named tuples
    are made that way, at import): ``python -m`` must still end with main()'s status
    130, not be reported as killed by SIGINT."""
    (tmp_path / "sitecustomize.py").write_text(
        "import icssi_itinerary.build\n"
        "def build_all(*args, **kwargs):\n"
        "    exec('import os, signal\\nos.kill(os.getpid(), signal.SIGTERM)\\n'\n"
        "         'while True: pass')\n"
        "icssi_itinerary.build.build_all = build_all\n",
        encoding="utf-8",
    )
    env = {**os.environ, "ICSSI_ITINERARY_LOAD_PLUGINS": "", "PYTHONPATH": str(tmp_path)}
    args = ["build", "--roster", str(ROOT / "examples" / "icssi-2014" / "roster.csv")]
    args += ["--out", str(tmp_path / "out"), "--format", "text"]
    done = subprocess.run(
        [sys.executable, "-m", "icssi_itinerary", *args],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 130, done.stderr
    assert done.stderr.count("Error:") == 1 and "interrupted" in done.stderr
    assert not (tmp_path / "out").exists()
