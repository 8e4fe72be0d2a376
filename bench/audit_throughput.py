"""Bulk-audit throughput and memory: `python -m bot audit` against many slow local hosts.

Run by hand:  python bench/audit_throughput.py [--pages 2000] [--hosts 200] [--latency 0.05]
                                               [--concurrency 16] [--memory-rows 20000]

What it does, in one run:
1. Starts a site in a process of its own (so its work is not charged to the audit) listening on
   127.0.0.1 … 127.0.0.<hosts>, one port: every address is a host for the per-host limits. Every
   answer (pages and robots.txt) waits `--latency` seconds first. Pages are the shared article
   dataset's (real news pages) when it is there, else a synthetic article, each with a link to the
   target in its text.
2. Audits `--pages` URLs, `pages/hosts` per host, listed *sorted by host* (the worst order for a
   scheduler that would hold a slot while waiting for a busy host), with analysis in worker
   processes, then the same with analysis in threads of the main process (the hidden --threads).
3. Prints pages/s against two bounds: what per-host concurrency and latency allow over all hosts
   (hosts × per_host / latency), what `--concurrency` slots allow (concurrency / latency, each page
   needing at least one latency), and the serial-by-host figure a host-sorted export would give if
   waiting for a busy host held a slot (per_host / latency). Also the peak RSS of the audit's
   processes (main process, and main + workers).
4. Memory: audits `--memory-rows` URLs (same hosts, shorter latency so it ends sooner) and reports
   the main process's RSS growth from its first written row to its peak (the contract: ≤ 100 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

def _target(port: int) -> str:
    # The target page is on the local site too: fetched once per audit, as in production.
    return f"http://127.0.0.1:{port}/target"


def _pages(link: str) -> list[str]:
    from bench._dataset import DATASET_DIR, dataset_available, iter_pages

    pages: list[str] = []
    # In a git worktree shared/ sits beside the main checkout, not beside this one.
    roots = [DATASET_DIR, *(p / "shared" / "datasets" / "article-bodies" for p in REPO_ROOT.parents)]
    root = next((r for r in roots if dataset_available(r)), None)
    if root is not None:
        for _id, _url, html, _body in iter_pages(root):
            at = html.find("</p>")
            pages.append(html[:at] + link + html[at:] if at >= 0 else html + link)
    if not pages:
        from tests.e2e.pages import article

        pages = [article(link)]
    return pages


async def _serve(hosts: int, latency: float) -> None:
    from aiohttp import web

    pages: list[str] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(latency)
        if request.path == "/robots.txt":
            return web.Response(text="User-agent: *\nAllow: /\n", content_type="text/plain")
        if request.path == "/target":
            return web.Response(text="<title>Compost bins and tumblers</title><h1>Compost bins</h1>",
                                content_type="text/html")
        n = int(request.path.rsplit("/", 1)[-1] or 0)
        return web.Response(text=pages[n % len(pages)], content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    first = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await first.start()
    port = first._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    for n in range(2, hosts + 1):
        await web.TCPSite(runner, f"127.0.0.{n}", port, backlog=1024).start()
    pages += _pages(f' <a href="{_target(port)}">compost bins</a>')
    print(f"READY {port} {len(pages)}", flush=True)
    await asyncio.Event().wait()


class RssSampler:
    """Peak RSS of a process and of its whole tree (its worker processes too), sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.main_peak = self.tree_peak = 0
        self.main_at_first_row: int | None = None
        self.first_row = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    @staticmethod
    def _rss(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _children(self, pid: int) -> list[int]:
        out = []
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                    out += [int(c) for c in f.read().split()]
        except OSError:
            pass
        return out

    def _loop(self) -> None:
        while not self._stop.wait(0.05):
            main = self._rss(self.pid)
            if self.first_row.is_set() and self.main_at_first_row is None:
                self.main_at_first_row = main
            tree, todo = main, self._children(self.pid)
            while todo:
                child = todo.pop()
                tree += self._rss(child)
                todo += self._children(child)
            self.main_peak = max(self.main_peak, main)
            self.tree_peak = max(self.tree_peak, tree)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _audit(export: Path, config: Path, out: Path, concurrency: int, target: str, *,
           threads: bool) -> tuple[float, float, int, RssSampler]:
    cmd = [sys.executable, "-m", "bot", "audit", str(export), "--config", str(config), "--target", target,
           "--output", str(out), "--no-progress", "--concurrency", str(concurrency)]
    if threads:
        cmd.append("--threads")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stderr=subprocess.PIPE)
    sampler = RssSampler(proc.pid)
    first_row_at = None
    while proc.poll() is None:
        if first_row_at is None and out.exists() and out.stat().st_size > 200:
            first_row_at = time.perf_counter()
            sampler.first_row.set()
        time.sleep(0.01)
    end = time.perf_counter()
    elapsed = end - start
    steady = end - (first_row_at or start)
    sampler.stop()
    if proc.returncode != 0:
        raise SystemExit(f"audit failed ({proc.returncode}): {proc.stderr.read().decode() if proc.stderr else ''}")
    import csv
    from collections import Counter

    with out.open(encoding="utf-8", newline="") as f:
        outcomes = Counter((r["outcome"], r["target_found"]) for r in csv.DictReader(f))
    sampler.outcomes = outcomes  # type: ignore[attr-defined]
    return elapsed, steady, sum(outcomes.values()), sampler


def _mb(n: int) -> str:
    return f"{n / 1048576:.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--memory-rows", type=int, default=20000, help="0 skips the memory run")
    parser.add_argument("--memory-latency", type=float, default=0.005)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args.hosts, args.latency))
        return
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for title, latency, pages, modes in (
            ("throughput", args.latency, args.pages, (False, True)),
            ("memory", args.memory_latency, args.memory_rows, (False,)),
        ):
            if not pages:
                continue
            site = subprocess.Popen([sys.executable, __file__, "--serve", "--hosts", str(args.hosts),
                                     "--latency", str(latency)], stdout=subprocess.PIPE, text=True)
            try:
                assert site.stdout is not None
                ready = site.stdout.readline().split()
                port, distinct = int(ready[1]), int(ready[2])
                per_host_rows = max(1, pages // args.hosts)
                export = tmp / f"{title}.txt"
                with export.open("w", encoding="utf-8") as f:
                    for i in range(pages):
                        host = 1 + min(i // per_host_rows, args.hosts - 1)  # sorted by host
                        f.write(f"http://127.0.0.{host}:{port}/p/{i}\n")
                config = tmp / f"{title}.toml"
                config.write_text(
                    f"[fetch]\nallow_private_networks = true\nallowed_ports = [80, 443, {port}]\n"
                    f"per_host_concurrency = {args.per_host}\n[audit]\nmax_rows = {max(pages, 1)}\nworkers = 0\n",
                    encoding="utf-8",
                )
                print(f"\n== {title}: {pages} pages on {args.hosts} hosts ({per_host_rows} each, sorted by host), "
                      f"{latency * 1000:.0f} ms latency, {distinct} distinct page bodies, --concurrency "
                      f"{args.concurrency}, per-host {args.per_host}, {os.cpu_count()} CPUs")
                if title == "throughput":
                    all_hosts = args.hosts * args.per_host / latency
                    slots = args.concurrency / latency
                    serial = args.per_host / latency
                    print(f"bounds: per-host × hosts / latency = {all_hosts:,.0f} pages/s; "
                          f"concurrency / latency = {slots:,.0f} pages/s (the binding one: "
                          f"{min(all_hosts, slots):,.0f}); one host at a time = {serial:,.0f} pages/s")
                for threads in modes:
                    out = tmp / "out.csv"
                    out.unlink(missing_ok=True)
                    elapsed, steady, rows, rss = _audit(export, config, out, args.concurrency, _target(port),
                                                        threads=threads)
                    how = "threads  " if threads else "processes"
                    # Steady: from the first row written to the end, without the interpreter's and the
                    # worker pool's start-up.
                    rate = (rows - 1) / steady if steady > 0 else 0.0
                    line = (f"{how}: {rows} rows in {elapsed:.1f} s ({rows / elapsed:,.1f} pages/s with start-up; "
                            f"steady {rate:,.1f} pages/s); peak RSS main {_mb(rss.main_peak)}, main + workers "
                            f"{_mb(rss.tree_peak)}")
                    if title == "throughput":
                        line += (f"; steady = {rate / min(all_hosts, slots):.0%} of the binding bound, "
                                 f"{rate / serial:.1f}× one host at a time")
                    else:
                        first = rss.main_at_first_row or 0
                        line += (f"; main RSS at first row {_mb(first)}, growth to peak "
                                 f"{_mb(rss.main_peak - first)} (limit 100 MB)")
                    print(line, flush=True)
                    print("           rows by (outcome, target_found):", dict(rss.outcomes), flush=True)  # type: ignore[attr-defined]
            finally:
                site.terminate()
                site.wait()


if __name__ == "__main__":
    main()
