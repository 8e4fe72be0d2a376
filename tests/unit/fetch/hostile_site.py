"""A hostile little web site on 127.0.0.1 for the fetcher tests (real sockets, random ports).

`TestSite` runs an aiohttp.web app for ordinary and misbehaving routes, and a raw asyncio
server for answers aiohttp.web will not produce (no Content-Type at all, oversized heads).
"""

from __future__ import annotations

import asyncio
import codecs
import functools
import gzip
import socket
import zlib
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web

PAGE_HTML = "<!doctype html><html><head><title>Test page</title></head><body><p>Hello {ua}</p></body></html>"
# Big enough that a client reading it whole would clearly blow the 2 MiB cap.
BOMB_DECODED_SIZE = 64 * 1024 * 1024


def make_gzip_bomb(size: int = BOMB_DECODED_SIZE) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31 = gzip container
    block = b"\0" * (1024 * 1024)
    parts = [compressor.compress(b"<html><body>")]
    for _ in range(size // len(block)):
        parts.append(compressor.compress(block))
    parts.append(compressor.flush())
    return b"".join(parts)



@functools.cache
def gzip_bomb() -> bytes:
    return make_gzip_bomb()

UNTYPED_HTML = b"<!DOCTYPE html><html><body>hi</body></html>"

ROBOTS = {
    "allow.test": "User-agent: *\nAllow: /\n",
    "disallow.test": "User-agent: Googlebot\nDisallow: /private\n\nUser-agent: *\nDisallow: /\n",
    "star.test": "User-agent: *\nDisallow: /secret\n",
}
# Rules placed after Google's 500 KiB cut-off must be ignored.
ROBOTS_HUGE = "# filler\n" * (600 * 1024 // 9) + "User-agent: *\nDisallow: /\n"


@dataclass
class TestSite:
    __test__ = False  # not a pytest class

    port: int = 0
    raw_port: int = 0
    closed_port: int = 0
    hits: Counter[str] = field(default_factory=Counter)
    active: int = 0
    max_active: int = 0
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    cookies_seen: list[str] = field(default_factory=list)

    def url(self, path: str, host: str = "site.test") -> str:
        return f"http://{host}:{self.port}{path}"

    def raw_url(self, path: str, host: str = "site.test") -> str:
        return f"http://{host}:{self.raw_port}{path}"

    # -- aiohttp.web routes ----------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        r = app.router
        r.add_get("/page", self.page)
        r.add_get("/ua", self.ua)
        r.add_get("/close", self.close_after)
        r.add_get("/set-cookie", self.set_cookie)
        r.add_get("/redirect/{target}", self.redirect)
        r.add_get("/loop/{name}", self.loop)
        r.add_get("/chain/{n}", self.chain)
        r.add_get("/gzip-bomb", self.gzip_bomb)
        r.add_get("/slow-drip", self.slow_drip)
        r.add_get("/steady-drip", self.steady_drip)
        r.add_get("/endless", self.endless)
        r.add_get("/declared-big", self.declared_big)
        r.add_get("/exact/{size}", self.exact)
        r.add_get("/big-header", self.big_header)
        r.add_get("/typed/{kind}", self.typed)
        r.add_get("/status/{code}", self.status)
        r.add_get("/charset/{case}", self.charset)
        r.add_get("/held", self.held)
        r.add_get("/robots.txt", self.robots)
        r.add_get("/robots-moved.txt", self.robots_moved)
        return app

    async def page(self, request: web.Request) -> web.Response:
        self.hits["page"] += 1
        return web.Response(text=PAGE_HTML.format(ua="world"), content_type="text/html")

    async def close_after(self, request: web.Request) -> web.Response:
        # No keep-alive, so the next request must connect (and resolve) afresh.
        resp = web.Response(text=PAGE_HTML.format(ua="closing"), content_type="text/html")
        resp.force_close()
        return resp

    async def ua(self, request: web.Request) -> web.Response:
        self.cookies_seen.append(request.headers.get("Cookie", ""))
        ua = request.headers.get("User-Agent", "")
        return web.Response(text=PAGE_HTML.format(ua=ua), content_type="text/html")

    async def set_cookie(self, request: web.Request) -> web.Response:
        resp = web.HTTPFound("/ua")
        resp.set_cookie("session", "secret-value")
        raise resp

    async def redirect(self, request: web.Request) -> web.Response:
        p = self.port
        targets = {
            "loopback-other": f"http://127.0.0.2:{p}/page",
            "localhost": f"http://localhost:{p}/page",
            "ipv6-loopback": f"http://[::1]:{p}/page",
            "metadata": "http://169.254.169.254/latest/meta-data/",
            "private-name": f"http://private.test:{p}/page",
            "decimal": f"http://2130706433:{p}/page",
            "file": "file:///etc/passwd",
            "port": "http://site.test:22/",
            "unparsable": "http://[a]@/",
            "relative": "/page",
            "public-name": f"http://other.test:{p}/page#frag",
        }
        # A plain response: HTTPFound parses its location, and some of these must stay unparsable.
        return web.Response(status=302, headers={"Location": targets[request.match_info["target"]]})

    async def loop(self, request: web.Request) -> web.Response:
        other = "b" if request.match_info["name"] == "a" else "a"
        raise web.HTTPMovedPermanently(f"/loop/{other}")

    async def chain(self, request: web.Request) -> web.Response:
        # /chain/N answers with exactly N redirects before the page.
        n = int(request.match_info["n"])
        if n <= 0:
            return await self.page(request)
        raise web.HTTPFound(f"/chain/{n - 1}")

    async def gzip_bomb(self, request: web.Request) -> web.Response:
        self.hits["bomb"] += 1
        return web.Response(
            body=gzip_bomb(), headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
        )

    async def _drip(self, request: web.Request, pause: float) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        await resp.prepare(request)
        await resp.write(b"<html><body>")
        for _ in range(1000):
            await asyncio.sleep(pause)
            await resp.write(b".")
        return resp

    async def slow_drip(self, request: web.Request) -> web.StreamResponse:
        return await self._drip(request, 5.0)

    async def steady_drip(self, request: web.Request) -> web.StreamResponse:
        return await self._drip(request, 0.05)

    async def endless(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        await resp.prepare(request)
        chunk = b"<p>" + b"x" * 65533
        while True:
            await resp.write(chunk)

    async def declared_big(self, request: web.Request) -> web.Response:
        self.hits["declared-big"] += 1
        return web.Response(body=b"<html>" + b"x" * (3 * 1024 * 1024), content_type="text/html")

    async def exact(self, request: web.Request) -> web.Response:
        size = int(request.match_info["size"])
        body = b"<html>" + b"x" * (size - 6)
        return web.Response(body=body, content_type="text/html")

    async def big_header(self, request: web.Request) -> web.Response:
        return web.Response(
            text=PAGE_HTML.format(ua="x"), content_type="text/html", headers={"X-Big": "a" * 20000}
        )

    async def typed(self, request: web.Request) -> web.Response:
        kind = request.match_info["kind"]
        if kind == "pdf":
            return web.Response(body=b"%PDF-1.4\n...", content_type="application/pdf")
        if kind == "png":
            return web.Response(body=b"\x89PNG\r\n\x1a\n....", content_type="image/png")
        if kind == "xhtml":
            return web.Response(
                text='<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>x</body></html>',
                content_type="application/xhtml+xml",
            )
        if kind == "html-pdf":  # a file served under an HTML label
            return web.Response(body=b"%PDF-1.4\n<a href='https://x.example/'>x</a>", content_type="text/html")
        if kind == "html-gzip-twice":  # "Content-Encoding: gzip, gzip": one layer stays compressed
            once = gzip.compress(b"<html><body><a href='/x'>x</a></body></html>")
            return web.Response(body=gzip.compress(once), content_type="text/html",
                                headers={"Content-Encoding": "gzip"})
        if kind == "html-nul":
            return web.Response(body=b"<html>\x00\x00\x00binary\x00</html>", content_type="text/html")
        if kind == "utf16-bom":
            return web.Response(body=codecs.BOM_UTF16_LE + "<html><body>ok</body></html>".encode("utf-16-le"),
                                content_type="text/html")
        if kind == "404-text":
            return web.Response(status=404, text="not here", content_type="text/plain")
        raise web.HTTPNotFound()

    async def status(self, request: web.Request) -> web.Response:
        code = int(request.match_info["code"])
        html = f"<html><head><title>Error {code}</title></head><body>error</body></html>"
        return web.Response(status=code, text=html, content_type="text/html")

    async def charset(self, request: web.Request) -> web.Response:
        case = request.match_info["case"]
        cafe = "<html><body>café</body></html>"
        cases: dict[str, tuple[bytes, str]] = {
            "lying": (cafe.encode("cp1252"), "text/html; charset=utf-8"),
            "bogus": (cafe.encode("utf-8"), "text/html; charset=x-no-such-charset"),
            "not-a-text-codec": (cafe.encode("utf-8"), "text/html; charset=base64"),
            "bom": (b"\xef\xbb\xbf" + cafe.encode("utf-8"), "text/html; charset=iso-8859-1"),
            "utf16-bom": (b"\xff\xfe" + cafe.encode("utf-16-le"), "text/html"),
            "meta": (
                '<html><head><meta charset="windows-1251"></head><body>Привет</body></html>'.encode("cp1251"),
                "text/html",
            ),
            "http-equiv": (
                '<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
                "</head><body>Привет</body></html>".encode("koi8_r"),
                "text/html",
            ),
            "latin1": (cafe.encode("latin-1"), "text/html; charset=ISO-8859-1"),
            "garbage": (bytes(range(128, 256)) * 4, "text/html; charset=utf-8"),
        }
        body, ctype = cases[case]
        return web.Response(body=body, headers={"Content-Type": ctype})

    async def held(self, request: web.Request) -> web.Response:
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            await self.gate.wait()
        finally:
            self.active -= 1
        return web.Response(text=PAGE_HTML.format(ua="held"), content_type="text/html")

    async def robots(self, request: web.Request) -> web.Response:
        host = (request.host or "").split(":")[0]
        self.hits[f"robots:{host}"] += 1
        if host in ROBOTS:
            return web.Response(text=ROBOTS[host], content_type="text/plain")
        if host == "huge.test":
            return web.Response(text=ROBOTS_HUGE, content_type="text/plain")
        if host == "broken.test":
            return web.Response(status=500, text="oops")
        if host == "busy.test":
            return web.Response(status=429, text="slow down")
        if host == "gone.test":
            return web.Response(status=410, text="gone")
        if host == "moved.test":
            raise web.HTTPMovedPermanently("/robots-moved.txt")
        if host == "loopy.test":
            raise web.HTTPFound("/robots.txt")
        if host == "evil.test":
            raise web.HTTPFound(f"http://127.0.0.2:{self.port}/robots.txt")
        if host == "slow.test":
            await asyncio.sleep(5)
        return web.Response(status=404, text="no robots here")

    async def robots_moved(self, request: web.Request) -> web.Response:
        return web.Response(text="User-agent: *\nDisallow: /moved-secret\n", content_type="text/plain")

    # -- raw server: answers aiohttp.web will not write -----------------------------------

    RAW = {
        "/untyped-html": b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
        % (len(UNTYPED_HTML), UNTYPED_HTML),
        "/untyped-png": b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\n\x89PNG\r\n\x1a\n....",
        "/long-status-line": b"HTTP/1.1 200 " + b"O" * 20000 + b"\r\nConnection: close\r\n\r\n",
        "/too-many-headers": b"HTTP/1.1 200 OK\r\n"
        + b"".join(b"X-H%d: v\r\n" % i for i in range(500))
        + b"Content-Length: 0\r\nConnection: close\r\n\r\n",
        "/garbage": b"SSH-2.0-OpenSSH_9.6\r\n\r\n",
    }

    async def raw_handler(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode("ascii", "replace")
            writer.write(self.RAW.get(path, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()


async def start_site() -> tuple[TestSite, web.AppRunner, asyncio.Server]:
    site = TestSite()
    # handler_cancellation: drip and endless handlers stop as soon as the client hangs up.
    runner = web.AppRunner(site.app(), handler_cancellation=True, shutdown_timeout=0.5)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    site.port = runner.addresses[0][1]
    raw = await asyncio.start_server(site.raw_handler, "127.0.0.1", 0)
    site.raw_port = raw.sockets[0].getsockname()[1]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        site.closed_port = probe.getsockname()[1]
    return site, runner, raw
