"""Two `python -m bot run` processes, shards 0 and 1 of 2, against the fake Discord and one SQLite
file: each identifies with its shard (taking turns on the bucket's lock file beside the database),
receives only its guilds, answers /checklink there, and only shard 0's process syncs the commands.
(The PostgreSQL variant, with a kill -9 mid-vote, is test_shard_processes.py.)"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.e2e.pages import PageSite
from tests.e2e.process_helpers import ROOT, query
from tests.fakediscord import FakeDiscord, Guild


class ShardProcess:
    """One process of the sharded bot; its log goes to a file the test reads for its start-up lines."""

    def __init__(self, tmp_path: Path, fake: FakeDiscord, page_port: int, shard_id: int) -> None:
        self.shard_id = shard_id
        self.fake = fake
        self.log_path = tmp_path / f"shard-{shard_id}.log"
        self.config = tmp_path / f"shard-{shard_id}.toml"
        # The same database for both; each its own log. The shards come from the command line.
        self.config.write_text("\n".join([
            "[discord]",
            f'api_base_url = "{fake.api_base_url}"',
            f'gateway_url = "{fake.gateway_url}"',
            f'token = "{fake.bot_token}"',
            "[storage]",
            f'path = "{tmp_path / "shared.sqlite3"}"',
            "[fetch]",
            "allow_private_networks = true",
            f"allowed_ports = [80, 443, {page_port}]",
            "[checks]",
            "cooldown_seconds = 0.0",
            "[logging]",
            'level = "INFO"',
            f'file = "{self.log_path}"',
        ]) + "\n")
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(self.config),
            "--shards", str(self.shard_id), "--shard-count", "2",
            cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def line(self, needle: str) -> str | None:
        if self.proc is not None and self.proc.returncode is not None:
            raise AssertionError(f"shard {self.shard_id}'s process exited with {self.proc.returncode}:\n{self.log()}")
        return next((line for line in self.log().splitlines() if needle in line), None)

    async def wait_for_line(self, needle: str) -> str:
        # The fake re-checks on every change and every 20 ms: this waits for the step, not a delay.
        return await self.fake.wait_for(lambda: self.line(needle), timeout=60, what=f"{needle!r} from shard {self.shard_id}")

    async def stop(self) -> tuple[int, str]:
        assert self.proc is not None and self.proc.stderr is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            _, err = await asyncio.wait_for(self.proc.communicate(), 30)
        except TimeoutError:
            self.proc.kill()
            _, err = await self.proc.communicate()
        return self.proc.returncode or 0, err.decode(errors="replace")


def _guild_with_member(fake: FakeDiscord, shard_id: int) -> tuple[Guild, object, object]:
    guild = fake.add_guild(f"SEO guild on shard {shard_id}", shard=(shard_id, 2))
    return guild, guild.add_text_channel("link-offers"), guild.add_member(f"asker{shard_id}")


async def test_two_shard_processes_split_the_guilds(tmp_path, fake_discord: FakeDiscord, page_site: PageSite):
    worlds = {shard: _guild_with_member(fake_discord, shard) for shard in (0, 1)}
    assert {(g.id >> 22) % 2 for g, _, _ in worlds.values()} == {0, 1}
    processes = {shard: ShardProcess(tmp_path, fake_discord, page_site.port, shard) for shard in (0, 1)}
    try:
        # Started together: they take turns to identify through the lock file beside the database.
        await asyncio.gather(*(p.start() for p in processes.values()))
        ready = {shard: await p.wait_for_line("ready:") for shard, p in processes.items()}
        for shard, line in ready.items():
            assert f"in 1 guilds (shards {shard} of 2)" in line, line
        assert sorted(fake_discord.identified_shards) == [(0, 2), (1, 2)]
        # Both shards are in identify bucket 0 (max_concurrency 1): they took turns on its lock file,
        # so their IDENTIFYs are Discord's 5 s apart however the two processes' starts fell.
        assert (tmp_path / ".shared.sqlite3-identify-0.lock").exists()
        identifies = sorted(r.time for r in fake_discord.gateway.log if r.direction == "in" and r.op == 2)
        # (Less a second for the way from the turn to the wire under load; unspaced, they are ~0 s apart.)
        assert len(identifies) == 2 and identifies[1] - identifies[0] >= 4.0
        sessions = {s.shard[0]: s.id for s in fake_discord.gateway.sessions.values()}
        created = [r.session_id for r in fake_discord.gateway.log if r.event == "GUILD_CREATE"]
        assert sorted(created) == sorted(sessions.values()), "each process is sent exactly its one guild"

        # Only shard 0's process synced; shard 1's said it left the sync to shard 0.
        assert processes[0].line("application commands synced to all guilds")
        assert processes[1].line("application commands are synced by the process that runs shard 0")
        assert len(fake_discord.syncs(None)) == 1

        for shard, (_, channel, member) in worlds.items():
            url = page_site.url("/in-content", host="127.0.0.1")
            rec = await fake_discord.invoke_slash(member, channel, "checklink", {"url": url})
            reply = await rec.wait_reply(timeout=20)
            assert reply.embeds and not reply.ephemeral, reply.content
            # The interaction went to the session of the guild's shard only: that process answered.
            sent = [r.session_id for r in fake_discord.gateway.log if r.event == "INTERACTION_CREATE"]
            assert sent[-1] == sessions[shard] and len(sent) == shard + 1
        rows = await query(tmp_path / "shared.sqlite3", "SELECT guild_id FROM checks ORDER BY id")
        assert [r[0] for r in rows] == [worlds[0][0].id, worlds[1][0].id]
    finally:
        results = {shard: await p.stop() for shard, p in processes.items() if p.proc is not None}
    for shard, (code, err) in results.items():
        assert code == 0, err
        assert "Traceback" not in err and "Traceback" not in processes[shard].log(), processes[shard].log()
