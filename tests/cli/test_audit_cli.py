"""`python -m bot audit` as other tools call it: a real process against a local site."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.audit.exports import TARGET_SITE, AuditSite, check_rows, export_rows, make_export

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ("source_url,final_url,http_status,outcome,target_found,anchor_text,anchor_class,rel,placement,"
           "risk_level,risk_score,flags,error").split(",")


@pytest.fixture
async def site():
    s = AuditSite()
    await s.start()
    try:
        yield s
    finally:
        await s.stop()


def write_config(tmp_path: Path, port: int, **audit: int) -> Path:
    extra = "".join(f"{k} = {v}\n" for k, v in audit.items())
    path = tmp_path / "config.toml"
    path.write_text(
        f"[fetch]\nallow_private_networks = true\nallowed_ports = [80, 443, {port}]\ntotal_timeout = 5.0\n"
        f"connect_timeout = 2.0\nread_timeout = 3.0\n[audit]\nworkers = 2\n{extra}",
        encoding="utf-8",
    )
    return path


async def run(*args: str, stdin: bytes | None = None) -> tuple[int, bytes, bytes]:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "audit", *args, cwd=ROOT, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin), 90)
    return proc.returncode or 0, out, err


def _lines(path: Path) -> int:
    return len(path.read_bytes().splitlines()) if path.exists() else 0


async def rows_on_disk(path: Path, count: int) -> None:
    """Polls the output file (the observable sign) until `count` rows follow the header."""
    for _ in range(1200):
        if _lines(path) > count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} rows never reached {path}")


def hosts(port: int):
    # Four loopback addresses: four hosts for the per-host limits.
    return lambda i: f"127.0.0.{1 + i % 4}:{port}"


def parse_csv(data: bytes) -> list[dict[str, str]]:
    assert not data.startswith(b"\xef\xbb\xbf"), "UTF-8 without BOM"
    reader = csv.reader(io.StringIO(data.decode("utf-8")))
    header = next(reader)
    assert header == COLUMNS
    return [dict(zip(header, row, strict=True)) for row in reader]


@pytest.mark.parametrize("fmt", ["ahrefs", "semrush", "majestic", "gsc"])
async def test_each_export_format_gives_the_rows_of_the_contract(tmp_path, site, fmt):
    rows = export_rows(hosts(site.port))
    export = tmp_path / f"{fmt}.csv"
    export.write_bytes(make_export(fmt, rows))
    config = write_config(tmp_path, site.port)
    target = [] if fmt != "gsc" else ["--target", TARGET_SITE]  # Search Console has no target column
    code, out, err = await run(str(export), "--config", str(config), "--keyword", "compost bin guide", *target)
    assert code == 0, err
    assert err == b""
    parsed = parse_csv(out)
    check_rows(parsed, rows, notes=fmt != "gsc")
    # The duplicate of the first source was audited once: one page fetch per source.
    assert site.hits[rows[0].source_url.split(f":{site.port}")[1]] == 1


async def test_json_with_summary_to_an_output_file(tmp_path, site):
    rows = export_rows(hosts(site.port), 16)
    export = tmp_path / "majestic.csv"
    export.write_bytes(make_export("majestic", rows))
    out_path = tmp_path / "out.json"
    code, out, err = await run(str(export), "--config", str(write_config(tmp_path, site.port)),
                               "--format", "json", "--output", str(out_path), "--keyword", "compost bin guide")
    assert code == 0, err
    assert out == b"" and err == b""
    doc = json.loads(out_path.read_bytes().decode("utf-8"))
    assert doc["target"] == "compost-supplies.test"
    assert [list(r) for r in doc["rows"]] == [COLUMNS] * 16
    s = doc["summary"]
    assert s["pages"] == 16 and s["failed"] == s["pages"] - s["analysed"]
    assert s["analysed"] == 12  # gone and pdf, twice each, are not analysed
    assert s["target_found"] == 10 and s["lost"] == 4
    assert sum(s["by_risk"].values()) == s["analysed"]
    assert s["rel"] == {"dofollow": 8, "nofollow": 2}
    assert s["placement"] == {"content": 8, "footer": 2}
    assert sum(s["anchor_classes"].values()) == 10
    profile = s["profile"]
    assert profile["exact_match_threshold"] == 0.10
    assert profile["over_optimised"] is True  # 8 of 10 anchors are the keyword itself
    assert any("over-optimised" in f for f in profile["findings"])
    assert any("lost" in f for f in profile["findings"])


async def test_url_list_from_stdin_utf16_and_robots_once_per_host(tmp_path, site):
    rows = export_rows(lambda i: f"127.0.0.1:{site.port}", 8)
    code, out, err = await run("-", "--config", str(write_config(tmp_path, site.port)), "--target",
                               f"https://www.{TARGET_SITE}/bins", "--no-progress",
                               stdin=make_export("urls", rows).decode().encode("utf-16"))
    assert code == 0, err
    check_rows(parse_csv(out), rows, notes=False)
    assert site.hits["/robots.txt"] == 1


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        (b"Title,Anchor\nx,y\n", [], "no source-URL column"),
        (None, [], "no such file"),
        (b"Linking page\nhttp://a.example/\n", [], "--target"),
        (b"SourceURL,TargetURL\nhttp://a.example/,https://one.example/\nhttp://b.example/,https://two.example/\n",
         [], "several domains"),
        (b"http://a.example/\n", ["--target", "x.example", "--concurrency", "0"], "--concurrency"),
        (b"http://a.example/\n", ["--target", "ftp://x.example/"], "--target"),
        (b"http://a.example/\nhttp://b.example/\nhttp://c.example/\n", ["--target", "x.example"], "max_rows"),
    ],
)
async def test_bad_input_exits_2_with_one_line(tmp_path, site, content, extra, message):
    path = tmp_path / "export.csv"
    if content is not None:
        path.write_bytes(content)
    config = write_config(tmp_path, site.port, max_rows=2)
    code, out, err = await run(str(path), "--config", str(config), *extra)
    assert code == 2
    assert out == b""
    lines = err.decode().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


@pytest.mark.parametrize("fmt", ["csv", "json"])
async def test_sigint_writes_what_is_done_and_exits_130(tmp_path, site, fmt):
    rows = export_rows(lambda i: f"127.0.0.1:{site.port}", 12)
    export = tmp_path / "urls.txt"
    export.write_bytes(make_export("urls", rows, duplicate_first=False))
    gate = asyncio.Event()
    site.gate = gate
    # Only the first two pages answer; the rest wait at the gate until the interrupt.
    site.held = {r.source_url.split(f":{site.port}")[1] for r in rows[2:]}
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    out_path = tmp_path / "out.csv"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "audit", str(export), "--config", str(write_config(tmp_path, site.port)),
        "--target", TARGET_SITE, "--output", str(out_path), "--concurrency", "4", "--format", fmt,
        cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE,
    )
    try:
        # Wait for the observable sign: both finished rows are on disk.
        await rows_on_disk(out_path, 2)
        proc.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        gate.set()
    assert proc.returncode == 130, err
    assert err == b""
    if fmt == "csv":
        rows_written = parse_csv(out_path.read_bytes())
    else:  # still one valid document, its summary over the rows done
        doc = json.loads(out_path.read_bytes())
        rows_written = doc["rows"]
        assert doc["summary"]["pages"] == 2
    assert [r["source_url"] for r in rows_written] == [rows[0].source_url, rows[1].source_url]


async def _run_with_tty_stderr(*args: str) -> tuple[int, bytes, str]:
    """stderr on a pseudo-terminal, as in an interactive shell; stdout a pipe."""
    import pty

    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"} | {"COLUMNS": "120", "TERM": "xterm"}
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "audit", *args, cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=slave)
        os.close(slave)
        out, _ = await asyncio.wait_for(proc.communicate(), 90)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    return proc.returncode or 0, out, b"".join(chunks).decode("utf-8", "replace")


async def test_progress_bar_only_on_a_terminal(tmp_path, site):
    rows = export_rows(hosts(site.port), 8)
    export = tmp_path / "urls.txt"
    export.write_bytes(make_export("urls", rows))
    config = str(write_config(tmp_path, site.port))
    code, out, tty = await _run_with_tty_stderr(str(export), "--config", config, "--target", TARGET_SITE)
    assert code == 0
    assert len(parse_csv(out)) == 8
    assert "8/8" in tty and "pages/s" in tty
    code, out, tty = await _run_with_tty_stderr(str(export), "--config", config, "--target", TARGET_SITE,
                                                "--no-progress")
    assert code == 0 and tty == ""


async def test_a_reader_that_stops_early_is_not_an_error(tmp_path, site):
    # Port 1 refuses every connection at once: 5,000 quick rows, more than the pipe and the reader buffer.
    export = tmp_path / "urls.txt"
    export.write_text("".join(f"http://127.0.0.1:1/{i}\n" for i in range(5000)), encoding="utf-8")
    config = tmp_path / "c.toml"
    config.write_text("[fetch]\nallow_private_networks = true\nallowed_ports = [80, 443, 1]\n"
                      "[audit]\nworkers = 1\nmax_rows = 10000\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "audit", str(export), "--config", str(config), "--target", TARGET_SITE,
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    header = await asyncio.wait_for(proc.stdout.readline(), 60)
    assert header.startswith(b"source_url,")
    proc.stdout.feed_eof()
    proc._transport.get_pipe_transport(1).close()  # type: ignore[attr-defined]  # `| head -n 1`
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err
    assert err == b""
