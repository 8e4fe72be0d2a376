"""Identify gates: one holder per bucket, across processes for the lock-file gate, and the pacer
keeping a bucket for the identify window after each IDENTIFY."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

from bot.identify import FileIdentifyGate, IdentifyPacer, LocalIdentifyGate


async def test_local_gate_holds_one_bucket_at_a_time():
    gate = LocalIdentifyGate()
    order: list[str] = []
    first_in = asyncio.Event()
    release_first = asyncio.Event()

    async def first() -> None:
        async with gate.bucket(0):
            order.append("first in")
            first_in.set()
            await release_first.wait()
            order.append("first out")

    async def second() -> None:
        await first_in.wait()
        async with gate.bucket(0):
            order.append("second in")

    async def other_bucket() -> None:
        await first_in.wait()
        async with gate.bucket(1):
            order.append("bucket 1 in")
        release_first.set()

    await asyncio.gather(first(), second(), other_bucket())
    # Bucket 1 was free while bucket 0 was held; bucket 0's second holder came after the first left.
    assert order == ["first in", "bucket 1 in", "first out", "second in"]


def test_lock_files_exclude_each_other_per_bucket(tmp_path):
    one, two = FileIdentifyGate(tmp_path, prefix="bot.sqlite3"), FileIdentifyGate(tmp_path, prefix="bot.sqlite3")
    held = one.try_lock(0)
    assert held is not None
    assert two.try_lock(0) is None  # flock is per open file: two gates contend like two processes
    other = two.try_lock(1)
    assert other is not None
    one.unlock(held)
    again = two.try_lock(0)
    assert again is not None
    two.unlock(again)
    two.unlock(other)
    assert one.path(0).name == ".bot.sqlite3-bucket-0.lock"


def test_another_process_holding_the_bucket_blocks_until_it_exits(tmp_path):
    # A real second process takes bucket 0 and waits on stdin; killing it frees the lock.
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            from pathlib import Path
            from bot.identify import FileIdentifyGate
            fd = FileIdentifyGate(Path({str(tmp_path)!r})).try_lock(0)
            print("held" if fd is not None else "busy", flush=True)
            sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        gate = FileIdentifyGate(tmp_path)
        assert gate.try_lock(0) is None
    finally:
        holder.kill()
        holder.wait()
    fd = gate.try_lock(0)
    assert fd is not None  # the kernel freed the dead holder's lock
    gate.unlock(fd)


async def test_waiting_for_a_lock_file_is_cancellable(tmp_path):
    gate = FileIdentifyGate(tmp_path)
    held = FileIdentifyGate(tmp_path).try_lock(0)
    assert held is not None
    entered = asyncio.Event()

    async def wait_for_bucket() -> None:
        async with gate.bucket(0):
            entered.set()

    task = asyncio.create_task(wait_for_bucket())
    await asyncio.sleep(0)
    task.cancel()
    results = await asyncio.gather(task, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError) and not entered.is_set()
    FileIdentifyGate.unlock(held)


class RecordingGate(LocalIdentifyGate):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []
        self.released = asyncio.Event()

    def bucket(self, key: int):  # type: ignore[no-untyped-def, override]
        inner = super().bucket(key)
        gate = self

        class _Recorded:
            async def __aenter__(self) -> None:
                await inner.__aenter__()
                gate.events.append(f"take {key}")

            async def __aexit__(self, *exc: object) -> None:
                gate.events.append(f"free {key}")
                await inner.__aexit__(*exc)
                gate.released.set()

        return _Recorded()


async def test_the_pacer_keeps_the_bucket_after_the_identify_and_frees_it_on_close():
    gate = RecordingGate()
    pacer = IdentifyPacer(gate, max_concurrency=2, interval=3600)
    await pacer.before_identify(3)  # bucket 3 % 2 = 1
    assert gate.events == ["take 1"]  # still held: the window after the IDENTIFY has not passed
    await pacer.before_identify(0)
    assert gate.events == ["take 1", "take 0"]
    await pacer.close()
    assert sorted(gate.events[2:]) == ["free 0", "free 1"]


async def test_the_pacer_frees_the_bucket_when_the_window_has_passed():
    gate = RecordingGate()
    pacer = IdentifyPacer(gate, interval=0)
    await pacer.before_identify(5)
    await gate.released.wait()
    assert gate.events == ["take 0", "free 0"]
    await pacer.before_identify(6)  # the same bucket is free again
    await pacer.close()
