"""A local web site (real sockets on 127.0.0.1) serving the pages the e2e tests check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

_ARTICLE_BODY = " ".join(
    [
        "Composting turns kitchen scraps and garden waste into dark crumbly soil that plants love.",
        "It reduces landfill waste, saves money on fertiliser and improves the structure of almost any soil.",
        "A healthy heap mixes greens such as vegetable peelings, coffee grounds and grass clippings with",
        "browns such as cardboard, straw and dry leaves, in roughly equal volumes, turned every few weeks.",
    ]
    * 6
)


def article(link_html: str, *, footer_link: str = "", title: str = "How to start composting at home") -> str:
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<meta name="description" content="A beginner's guide to composting and compost bins."></head>
<body>
<header><nav><a href="/">Home</a> <a href="/about">About</a> <a href="/contact">Contact</a></nav></header>
<main><article>
<h1>{title}</h1>
<p class="byline">By <a rel="author" href="/authors/maria">Maria Lopez</a></p>
<p>{_ARTICLE_BODY}</p>
<h2>Choosing compost bins</h2>
<p>Plastic bins are cheap and compact, wooden bays suit larger gardens, and tumblers make turning easy.
If you are unsure where to begin, read {link_html} before buying anything for your garden.
Place the bin on bare soil in a sheltered spot so that worms can move in from below.</p>
<p>{_ARTICLE_BODY}</p>
</article></main>
<aside class="sidebar"><a href="/popular">Popular posts</a></aside>
<footer class="site-footer"><a href="/privacy">Privacy</a> {footer_link}</footer>
</body></html>"""


IN_CONTENT = article('<a href="https://www.compost-supplies.test/bins">this guide to choosing a compost bin</a>')
IN_FOOTER = article(
    "our own notes",
    footer_link='<a href="https://www.compost-supplies.test/">cheap compost bins</a>',
)
MANY_LINKS = article(
    " ".join(f'<a href="https://site{i}.example/page">resource {i}</a>' for i in range(25))
)
TARGET_HOME = """<!doctype html><html><head><title>Compost Supplies: compost bins and tumblers</title>
<meta name="description" content="Compost bins, tumblers and wormeries for every garden."></head>
<body><h1>Compost Supplies</h1></body></html>"""


class PageSite:
    """Routes are plain HTML strings or handlers; `url(path)` gives the address on this server."""

    def __init__(self) -> None:
        self.app = web.Application()
        self.pages: dict[str, str] = {
            "/in-content": IN_CONTENT,
            "/footer": IN_FOOTER,
            "/many-links": MANY_LINKS,
            "/robots.txt": "User-agent: *\nAllow: /\n",
        }
        self.hits: dict[str, int] = {}
        self.app.router.add_route("GET", "/{path:.*}", self._serve)
        self.runner: web.AppRunner | None = None
        self.port = 0
        self.extra: dict[str, Callable[[web.Request], Any]] = {}

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits[path] = self.hits.get(path, 0) + 1
        if path in self.extra:
            response = self.extra[path](request)
            if hasattr(response, "__await__"):
                response = await response
            return response
        if path == "/robots.txt":
            return web.Response(text=self.pages[path], content_type="text/plain")
        if path == "/pdf":
            return web.Response(body=b"%PDF-1.4", content_type="application/pdf")
        if path not in self.pages:
            return web.Response(status=404, text="<h1>not found</h1>", content_type="text/html")
        return web.Response(text=self.pages[path], content_type="text/html")

    async def start(self) -> None:
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def url(self, path: str, host: str = "blog.test") -> str:
        return f"http://{host}:{self.port}{path}"
