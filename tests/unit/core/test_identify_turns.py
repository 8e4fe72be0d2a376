"""IDENTIFY turns through lock files beside an SQLite database: one turn per bucket at a time
across processes, spaced by the window after the bucket's last IDENTIFY (ported from the shards
branch's lock-file gate onto the identify_turn interface the PostgreSQL engine has)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

from bot.identify import FileIdentifyTurns


class Clock:
    """A clock the fake sleep moves: waits are measured, never slept."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _turns(tmp_path: Path, clock: Clock) -> FileIdentifyTurns:
    return FileIdentifyTurns(tmp_path, prefix="bot.sqlite3", clock=clock, sleep=clock.sleep)


async def test_turns_in_a_bucket_are_spaced_by_the_window_across_processes(tmp_path):
    clock = Clock()
    # Two instances: two open files, so they contend like two processes (flock is per open file).
    one, two = _turns(tmp_path, clock), _turns(tmp_path, clock)
    assert await one.identify_turn(0, 5.0) == 0.0  # the bucket's first IDENTIFY
    clock.now += 2.0
    assert await two.identify_turn(0, 5.0) == 3.0  # the other process waits out the window
    assert await one.identify_turn(1, 5.0) == 0.0  # another bucket is its own
    clock.now += 60.0
    assert await two.identify_turn(0, 5.0) == 0.0  # long after: no wait
    assert clock.slept == [3.0]
    assert one.path(0).name == ".bot.sqlite3-identify-0.lock"


async def test_a_held_bucket_waits_and_the_wait_can_be_cancelled(tmp_path):
    clock = Clock()
    turns, other = _turns(tmp_path, clock), _turns(tmp_path, clock)
    held = other.try_lock(0)
    assert held is not None
    task = asyncio.create_task(turns.identify_turn(0, 5.0))
    await asyncio.sleep(0)
    assert not task.done()
    task.cancel()
    results = await asyncio.gather(task, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError)
    other.unlock(held)
    assert await turns.identify_turn(0, 5.0) == 0.0


def test_a_dead_holder_frees_its_bucket(tmp_path):
    # A real second process takes bucket 0 and waits on stdin; killing it frees the lock.
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            from pathlib import Path
            from bot.identify import FileIdentifyTurns
            fd = FileIdentifyTurns(Path({str(tmp_path)!r})).try_lock(0)
            print("held" if fd is not None else "busy", flush=True)
            sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    turns = FileIdentifyTurns(tmp_path)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert turns.try_lock(0) is None
    finally:
        holder.kill()
        holder.wait()
    fd = turns.try_lock(0)
    assert fd is not None  # the kernel freed the dead holder's lock
    turns.unlock(fd)
