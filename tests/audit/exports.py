"""A local site of source pages for audits, and backlink exports of it in each tool's format."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from tests.e2e.pages import article

TARGET_SITE = "compost-supplies.test"
TARGET_URL = f"https://www.{TARGET_SITE}/bins"
EXPORT_ANCHOR = "compost bin guide"
# The kinds of source page, in the order the rows cycle through them.
KINDS = ("content", "footer", "nofollow", "missing", "redirect", "gone", "anchor", "pdf")


def _page(kind: str) -> str:
    link = f'<a href="{TARGET_URL}">{EXPORT_ANCHOR}</a>'
    if kind == "content":
        return article(link)
    if kind == "footer":
        return article("our own notes", footer_link=link)
    if kind == "nofollow":
        return article(f'<a rel="nofollow" href="{TARGET_URL}">{EXPORT_ANCHOR}</a>')
    if kind == "missing":
        return article("our own notes")
    if kind == "anchor":
        return article(f'<a href="{TARGET_URL}">Compost Supplies</a>')
    raise KeyError(kind)


class AuditSite:
    """Serves /p<N>-<kind> on 127.0.0.1; hits are counted per path (robots.txt included)."""

    def __init__(self) -> None:
        self.app = web.Application()
        self.app.router.add_route("GET", "/{path:.*}", self._serve)
        self.runner: web.AppRunner | None = None
        self.port = 0
        self.hits: dict[str, int] = {}
        # Pages that wait for `gate` (an asyncio.Event) before answering: a slow host, on demand.
        self.gate: object | None = None
        self.held: set[str] = set()

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits[path] = self.hits.get(path, 0) + 1
        if path == "/robots.txt":
            return web.Response(text="User-agent: *\nAllow: /\n", content_type="text/plain")
        if self.gate is not None and path in self.held:
            await self.gate.wait()  # type: ignore[attr-defined]
        kind = path.rsplit("-", 1)[-1]
        if kind == "redirect":
            raise web.HTTPMovedPermanently(location=path.replace("-redirect", "-moved-content"))
        if kind == "gone":
            return web.Response(status=404, text="<h1>gone</h1>", content_type="text/html")
        if kind == "pdf":
            return web.Response(body=b"%PDF-1.4 not html", content_type="application/pdf")
        try:
            return web.Response(text=_page(kind), content_type="text/html")
        except KeyError:
            return web.Response(status=404, text="<h1>not found</h1>", content_type="text/html")

    async def start(self, addresses: int = 4) -> None:
        """Listens on 127.0.0.1 … 127.0.0.<addresses>, one port: several hosts for per-host limits."""
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        for n in range(2, addresses + 1):
            await web.TCPSite(self.runner, f"127.0.0.{n}", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@dataclass(frozen=True)
class ExportRow:
    source_url: str
    kind: str


def export_rows(host_for: Callable[[int], str], count: int = 40) -> list[ExportRow]:
    """`count` rows cycling through KINDS; host_for(i) is the i-th row's host:port."""
    return [ExportRow(f"http://{host_for(i)}/p{i}-{KINDS[i % len(KINDS)]}", KINDS[i % len(KINDS)])
            for i in range(count)]


def _csv(header: list[str], rows: list[list[str]], delimiter: str) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def make_export(fmt: str, rows: list[ExportRow], *, duplicate_first: bool = True) -> bytes:
    """The export as each tool writes it; the first source is listed twice when asked."""
    listed = rows + ([rows[0]] if duplicate_first else [])
    if fmt == "ahrefs":  # UTF-16 with a BOM, tab-separated
        header = ["Referring page title", "Referring page URL", "Language", "Target URL", "Anchor", "Type",
                  "Nofollow", "UGC", "Sponsored", "First seen"]
        body = [["A page", r.source_url, "en", TARGET_URL, EXPORT_ANCHOR, "text", "false", "false", "false",
                 "2026-01-02"] for r in listed]
        return _csv(header, body, "\t").encode("utf-16")
    if fmt == "semrush":  # UTF-8 with a BOM, semicolons
        header = ["Page ascore", "Source title", "Source url", "Target url", "Anchor", "External links",
                  "Nofollow", "Sponsored", "Ugc", "Text", "Image"]
        body = [["12", "A page", r.source_url, TARGET_URL, EXPORT_ANCHOR, "3", "false", "false", "false",
                 "true", "false"] for r in listed]
        return _csv(header, body, ";").encode("utf-8-sig")
    if fmt == "majestic":  # UTF-8, commas
        header = ["SourceURL", "TargetURL", "AnchorText", "FlagNoFollow", "FlagImage", "SourceTrustFlow"]
        body = [[r.source_url, TARGET_URL, EXPORT_ANCHOR, "-", "-", "21"] for r in listed]
        return _csv(header, body, ",").encode("utf-8")
    if fmt == "gsc":  # Search Console: the linking page only
        header = ["Linking page", "Last crawled"]
        body = [[r.source_url, "2026-11-30"] for r in listed]
        return _csv(header, body, ",").encode("utf-8")
    if fmt == "urls":
        return "".join(r.source_url + "\n" for r in listed).encode("utf-8")
    raise KeyError(fmt)


# What each kind of page gives, as the audit must report it.
EXPECTED = {
    "content": {"outcome": "analysed", "target_found": "yes", "placement": "content", "rel": "dofollow"},
    "footer": {"outcome": "analysed", "target_found": "yes", "placement": "footer", "rel": "dofollow"},
    "nofollow": {"outcome": "analysed", "target_found": "yes", "placement": "content", "rel": "nofollow"},
    "missing": {"outcome": "analysed", "target_found": "no", "placement": "", "rel": ""},
    "redirect": {"outcome": "analysed", "target_found": "yes", "placement": "content", "rel": "dofollow"},
    "gone": {"outcome": "http_error", "target_found": "", "http_status": "404"},
    "anchor": {"outcome": "analysed", "target_found": "yes", "anchor_text": "Compost Supplies"},
    "pdf": {"outcome": "not_html", "target_found": ""},
}


def check_rows(rows: list[dict[str, str]], expected_rows, *, notes: bool) -> None:
    assert [r["source_url"] for r in rows] == [e.source_url for e in expected_rows], "one row per source, in order"
    for row, source in zip(rows, expected_rows, strict=True):
        for key, value in EXPECTED[source.kind].items():
            assert row[key] == value, (source.kind, key, row)
        if row["outcome"] == "analysed":
            assert row["risk_level"] in {"low", "medium", "high"} and row["risk_score"].isdigit()
            assert row["http_status"] == "200" and not row["error"]
        else:
            assert row["error"] and not row["risk_level"]
        flags = row["flags"]
        if source.kind in ("missing", "gone"):
            assert "link lost" in flags
        else:
            assert "link lost" not in flags
        if notes:
            assert ("was dofollow, now nofollow" in flags) == (source.kind == "nofollow")
            assert ("anchor changed" in flags) == (source.kind == "anchor")
        else:
            assert "was " not in flags and "anchor changed" not in flags
    redirected = [r for r, s in zip(rows, expected_rows, strict=True) if s.kind == "redirect"]
    assert all(r["final_url"].endswith("-moved-content") for r in redirected)
