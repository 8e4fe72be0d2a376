"""Hostile pages through the real bot: malformed, binary, 100,000 levels deep, a 1 MB attribute,
a lying charset, an endless body and a slow drip. Each check ends within its bound (a report, or
an ephemeral "could not"), and the bot keeps answering."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.e2e import botharness

TARGET = "compost-supplies.test"
_rng = random.Random(20261125)

MALFORMED = "<html><body>" + "".join(
    _rng.choice(["<p>", "</div>", "<a href='", "<table><td>", "</td></tr>", "<<b>", "&amp", "<!--", "-->",
                 "compost bins and soil ", "<script>", "</script>", '<a href="https://www.compost-supplies.test/">',
                 "</a>", "<svg><math><style>", "\x00", "]]>", "<![CDATA["])
    for _ in range(30_000)
)
BINARY = _rng.randbytes(300_000)
DEEP = "<div>" * 100_000 + '<a href="https://www.compost-supplies.test/">deep</a>' + "</div>" * 100_000
HUGE_ATTRIBUTE = (
    '<html><body><article><p>Composting at home. <a href="https://www.compost-supplies.test/" title="'
    + "x" * 1_000_000 + '">compost bins</a></p></article></body></html>'
)
# Declares UTF-8 (header and meta) but is UTF-16 with a Shift_JIS meta inside, and mojibake after it.
CHARSET_LIE = (
    '<html><head><meta charset="shift_jis"><title>Compostage</title></head><body><p>'
    + "Compostage à la maison, été. " * 500 + "</p></body></html>"
).encode("utf-16") + "ÿþ\udcff".encode("utf-8", "surrogatepass")


def _static(body: bytes | str, content_type: str = "text/html", charset: str | None = "utf-8"):
    def handler(request: web.Request) -> web.StreamResponse:
        data = body.encode() if isinstance(body, str) else body
        resp = web.Response(body=data, content_type=content_type)
        if charset:
            resp.charset = charset
        return resp

    return handler


def _streaming(chunks: AsyncIterator[bytes]):
    def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=chunks, content_type="text/html")

    return handler


async def _endless() -> AsyncIterator[bytes]:
    yield b"<html><body><p>"
    chunk = b"compost " * 8192
    while True:
        yield chunk
        await asyncio.sleep(0)


async def _slow_drip() -> AsyncIterator[bytes]:
    yield b"<html><body><p>"
    while True:
        await asyncio.sleep(0.2)
        yield b"compost "


@pytest.fixture
def bot_settings(tmp_path, fake_discord, page_site):
    return botharness.settings_for_tests(
        tmp_path, fake_discord, page_site.port,
        fetch={"total_timeout": 2.0, "read_timeout": 1.5, "connect_timeout": 1.0},
        analysis={"time_limit_seconds": 3.0},
    )


CASES = {
    "/malformed": (_static(MALFORMED), "report"),
    "/binary": (_static(BINARY), "either"),
    "/deep": (_static(DEEP), "error"),
    "/huge-attribute": (_static(HUGE_ATTRIBUTE), "report"),
    "/charset-lie": (_static(CHARSET_LIE), "report"),
    "/endless": (None, "error"),
    "/slow-drip": (None, "error"),
}


async def test_hostile_pages_end_within_their_bound_and_the_bot_carries_on(
    fake_discord, bot_process, world, page_site, bot_settings
):
    guild, channel, members = world
    for path, (handler, _) in CASES.items():
        if handler is not None:
            page_site.extra[path] = handler
    page_site.extra["/endless"] = lambda request: _streaming(_endless())(request)
    page_site.extra["/slow-drip"] = lambda request: _streaming(_slow_drip())(request)
    await bot_process.start()
    outcomes: dict[str, str] = {}
    loop = asyncio.get_running_loop()
    timings: dict[str, float] = {}
    messages: dict[str, str] = {}
    for i, (path, (_, expected)) in enumerate(CASES.items()):
        member = members[i % len(members)]
        started = loop.time()
        rec = await fake_discord.invoke_slash(member, channel, "checklink",
                                              {"url": page_site.url(path), "target": TARGET})
        # Bound: fetch (2 s) + analysis (3 s) + Discord round trips; generous for a loaded machine.
        await fake_discord.wait_for(lambda r=rec: r.followups, timeout=30, what=f"an answer for {path}")
        timings[path] = loop.time() - started
        answer = rec.followups[0]
        if answer.ephemeral:
            outcomes[path] = "error"
            messages[path] = answer.content
            assert answer.content and "Something went wrong" not in answer.content, (path, answer.content)
        else:
            outcomes[path] = "report"
            assert "Overall risk" in str(answer.embeds[0]), path
        if expected != "either":
            assert outcomes[path] == expected, (path, answer.content)
        # The bot carries on: an ordinary page right after still gets its report.
        ok = await fake_discord.invoke_slash(member, channel, "checklink", {"url": page_site.url("/in-content")})
        reply = await ok.wait_reply(timeout=15)
        assert reply.embeds and not reply.ephemeral, f"after {path}"
    print("\nhostile page outcomes:", {p: f"{outcomes[p]} in {timings[p]:.2f}s" for p in CASES})
    assert "larger than the 2 MiB limit" in messages["/endless"]
    assert "took too long" in messages["/slow-drip"]
    if outcomes["/deep"] == "error":
        assert "nested too deeply" in messages["/deep"]
    # Every stored check is a complete report; failed ones stored nothing.
    rows = await bot_process.services.db.fetchall("SELECT url, risk_level FROM checks")
    stored = {r[0].rsplit("/", 1)[-1] for r in rows}
    assert {"malformed", "huge-attribute", "charset-lie", "in-content"} <= stored
    assert not {"endless", "slow-drip"} & stored
