"""SafeFetcher: fetch one user-supplied page (and its robots.txt) without being turned on the
bot's own network, and without letting a hostile server exhaust time, memory or patience.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from types import TracebackType

import aiohttp
import yarl
from aiohttp.abc import AbstractResolver
from multidict import CIMultiDict, CIMultiDictProxy

from bot.settings import FetchSettings

from .addresses import AddressHook, AddressPolicy
from .decoding import HTML_TYPES, decode_html, looks_binary, parse_content_type, sniff_is_html
from .errors import (
    DNSFailure,
    FetchError,
    FetchTimeout,
    HTTPFailure,
    NotHTML,
    RedirectLoop,
    RefusedURL,
    TooLarge,
    TooManyRedirects,
)
from .guard import GuardedResolver, guarded_socket_factory, is_refusal
from .results import FetchResult, RobotsResult
from .robots import ROBOTS_MAX_BYTES, UNKNOWN_CACHE_SECONDS, RobotsRules, parse_robots, rules_for_status
from .urls import MSG_ADDRESS, MSG_INVALID, normalize_url

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_ROBOTS_CACHE_MAX = 2048
_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
_ACCEPT_ROBOTS = "text/plain,*/*;q=0.5"

MSG_REDIRECT_REFUSED = "The link redirects to an address the bot does not fetch."
MSG_HEADERS = "The site sent a malformed or oversized response."
MSG_PAYLOAD = "The site's response was cut off or malformed."
MSG_TLS = "The site's security certificate could not be verified."
MSG_CONNECT = "The site could not be reached (the connection failed)."


def _translate(exc: BaseException) -> FetchError:
    """Map an aiohttp/asyncio failure to the user-facing error; never echoes the cause."""
    detail = f"{type(exc).__name__}: {exc}"
    if is_refusal(exc):
        return RefusedURL(MSG_ADDRESS, log_detail=detail)
    if isinstance(exc, TimeoutError):  # asyncio.TimeoutError and aiohttp's timeouts
        return FetchTimeout(log_detail=detail)
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return DNSFailure(log_detail=detail)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return HTTPFailure(MSG_TLS, log_detail=detail)
    if isinstance(exc, aiohttp.InvalidURL):
        return RefusedURL(MSG_INVALID, log_detail=detail)
    if isinstance(exc, aiohttp.ClientResponseError):
        # Raised while parsing the head: too-long lines/fields, too many headers, bad syntax.
        return HTTPFailure(MSG_HEADERS, log_detail=detail)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return HTTPFailure(MSG_PAYLOAD, log_detail=detail)
    if isinstance(exc, aiohttp.ClientError | OSError):
        return HTTPFailure(MSG_CONNECT, log_detail=detail)
    log.warning("unexpected fetch failure", exc_info=exc)
    return HTTPFailure(log_detail=detail)


async def _read_capped(resp: aiohttp.ClientResponse, limit: int, *, truncate: bool) -> bytes:
    """Read the decoded body in chunks and stop past `limit`; decompression is bounded too."""
    chunks: list[bytes] = []
    total = 0
    async for chunk in resp.content.iter_chunked(_CHUNK):
        total += len(chunk)
        if total > limit:
            if truncate:
                chunks.append(chunk[: len(chunk) - (total - limit)])
                break
            raise TooLarge(_too_large_message(limit), status=resp.status)
        chunks.append(chunk)
    return b"".join(chunks)


class SafeFetcher:
    """Owns one aiohttp session whose every connection passes the address guard.

    Production: `SafeFetcher(settings)`. Tests opt in to loopback explicitly, either with
    `FetchSettings(allow_private_networks=True)` (any non-global address except metadata
    endpoints) or, narrower, `allow_address=lambda ip: ip == IPv4Address("127.0.0.1")`, which
    adds just those addresses to the public ones. Ports are never opted in implicitly: a
    test server on a random port must be listed in `settings.allowed_ports`. `resolver`
    replaces DNS (e.g. to map `site.test` to 127.0.0.1); its answers are judged like any other.
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        resolver: AbstractResolver | None = None,
        allow_address: AddressHook | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._policy = AddressPolicy(allow_private=settings.allow_private_networks, extra=allow_address)
        self._inner_resolver = resolver
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None
        self._guarded_resolver: GuardedResolver | None = None
        self._closed = False
        self._slots: dict[str, tuple[asyncio.Semaphore, list[int]]] = {}
        self._robots_cache: OrderedDict[str, RobotsRules] = OrderedDict()
        self._robots_inflight: dict[str, asyncio.Task[RobotsRules]] = {}

    @property
    def policy(self) -> AddressPolicy:
        return self._policy

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> SafeFetcher:
        self._get_session()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        self._closed = True
        pending = list(self._robots_inflight.values())
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._robots_inflight.clear()
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
        if self._guarded_resolver is not None:
            await self._guarded_resolver.close()
            self._guarded_resolver = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("SafeFetcher is closed")
        if self._session is None:
            s = self._settings
            inner = self._inner_resolver or aiohttp.DefaultResolver()
            self._guarded_resolver = GuardedResolver(
                self._policy, inner, owns_inner=self._inner_resolver is None
            )
            connector = aiohttp.TCPConnector(
                resolver=self._guarded_resolver,
                socket_factory=guarded_socket_factory(self._policy, s.allowed_ports),
                # Re-resolve (and re-judge) for every new connection rather than trusting a cache.
                use_dns_cache=False,
                limit=100,
                limit_per_host=s.per_host_concurrency,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,
                timeout=aiohttp.ClientTimeout(
                    total=s.total_timeout, sock_connect=s.connect_timeout, sock_read=s.read_timeout
                ),
                headers={"User-Agent": s.user_agent},
                max_line_size=s.max_header_bytes,
                max_field_size=s.max_header_bytes,
                auto_decompress=True,
                raise_for_status=False,
            )
        return self._session

    # -- plumbing --------------------------------------------------------------------------

    @asynccontextmanager
    async def _host_slot(self, host: str) -> AsyncIterator[None]:
        """At most `per_host_concurrency` requests to one host at a time, across all callers."""
        entry = self._slots.get(host)
        if entry is None:
            entry = self._slots[host] = (asyncio.Semaphore(self._settings.per_host_concurrency), [0])
        semaphore, users = entry
        users[0] += 1
        try:
            async with semaphore:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0 and self._slots.get(host) is entry:
                del self._slots[host]

    def _next_hop(self, current: str, location: str) -> str:
        try:
            target = str(yarl.URL(current).join(yarl.URL(location)))
        except (ValueError, TypeError, IndexError):  # yarl raises IndexError on "http://[a]@/"
            raise RefusedURL(MSG_INVALID, log_detail="unparsable redirect target") from None
        try:
            return normalize_url(target, self._settings, self._policy)
        except RefusedURL as exc:
            message = MSG_REDIRECT_REFUSED if exc.user_message == MSG_ADDRESS else exc.user_message
            raise RefusedURL(message, log_detail=f"redirect: {exc.log_detail}") from None

    async def _follow(
        self, stack: AsyncExitStack, url: str, accept: str = _ACCEPT
    ) -> tuple[aiohttp.ClientResponse, str, tuple[str, ...]]:
        """Follow redirects by hand, judging every hop; the final response stays open in `stack`."""
        session = self._get_session()
        current = url
        chain: list[str] = []
        while True:
            hop = AsyncExitStack()
            async with hop:
                await hop.enter_async_context(self._host_slot(yarl.URL(current).raw_host or ""))
                try:
                    request = session.get(current, allow_redirects=False, headers={"Accept": accept})
                    resp = await hop.enter_async_context(request)
                except Exception as exc:
                    error = _translate(exc)
                    if chain and isinstance(error, RefusedURL):
                        error = RefusedURL(MSG_REDIRECT_REFUSED, log_detail=error.log_detail)
                    raise error from None
                location = resp.headers.get("Location") if resp.status in REDIRECT_STATUSES else None
                if not location:
                    stack.push_async_exit(hop.pop_all())
                    return resp, current, tuple(chain)
            chain.append(current)
            target = self._next_hop(current, location)
            if target in chain:
                raise RedirectLoop(log_detail=f"after {len(chain)} hops")
            if len(chain) > self._settings.max_redirects:
                raise TooManyRedirects(
                    f"The link redirects more than {self._settings.max_redirects} times.",
                    log_detail=f"{len(chain)} hops",
                )
            current = target

    # -- pages -----------------------------------------------------------------------------

    async def fetch_page(self, url: str) -> FetchResult:
        """Fetch an HTML page; raises a FetchError subclass for every kind of failure."""
        start = time.perf_counter()
        self._get_session()  # a closed fetcher is a programming error, not a fetch failure
        normalized = normalize_url(url, self._settings, self._policy)
        try:
            async with asyncio.timeout(self._settings.total_timeout):
                async with AsyncExitStack() as stack:
                    resp, final_url, chain = await self._follow(stack, normalized)
                    return await self._read_page(resp, normalized, final_url, chain, start)
        except FetchError:
            raise
        except Exception as exc:
            raise _translate(exc) from None

    async def _read_page(
        self, resp: aiohttp.ClientResponse, url: str, final_url: str, chain: tuple[str, ...], start: float
    ) -> FetchResult:
        limit = self._settings.max_bytes
        content_type, charset = parse_content_type(resp.headers.get("Content-Type"))
        if content_type and content_type not in HTML_TYPES:
            raise NotHTML(_not_html_message(content_type), status=resp.status)
        encoded = resp.headers.get("Content-Encoding", "identity").strip().lower() not in ("", "identity")
        if not encoded and resp.content_length is not None and resp.content_length > limit:
            raise TooLarge(_too_large_message(limit), status=resp.status)
        try:
            body = await _read_capped(resp, limit, truncate=False)
        except FetchError:
            raise
        except Exception as exc:
            raise _translate(exc) from None
        if not content_type:
            if not sniff_is_html(body[:1024]):
                raise NotHTML(status=resp.status)
            content_type = "text/html"
        elif looks_binary(body[:1024]):
            raise NotHTML(status=resp.status)  # labelled HTML, but a PDF, an image, or compressed twice
        text, encoding = decode_html(body, charset)
        return FetchResult(
            url=url,
            final_url=final_url,
            status=resp.status,
            headers=CIMultiDictProxy(CIMultiDict(resp.headers)),
            body=body,
            text=text,
            encoding=encoding,
            content_type=content_type,
            redirects=chain,
            elapsed=time.perf_counter() - start,
        )

    # -- robots.txt ------------------------------------------------------------------------

    async def robots(self, url: str, user_agent: str = "Googlebot") -> RobotsResult:
        """robots.txt's verdict on `url` for `user_agent` (Protego: the agent's group, else `*`).

        Raises RefusedURL only when `url` itself is refused; network trouble, refused
        redirects or server errors give `allowed=None` with a reason.
        """
        self._get_session()
        page = normalize_url(url, self._settings, self._policy)
        robots_url = str(yarl.URL(page).origin().with_path("/robots.txt"))
        rules = await self._robots_rules(robots_url)
        allowed = await rules.can_fetch(page, user_agent)
        reason = rules.reason
        if rules.parser is not None:
            verb = "allows" if allowed else "disallows"
            reason = f"robots.txt {verb} this URL for {user_agent}"
        return RobotsResult(allowed=allowed, robots_url=robots_url, status=rules.status, reason=reason)

    async def _robots_rules(self, robots_url: str) -> RobotsRules:
        cached = self._robots_cache.get(robots_url)
        if cached is not None and cached.expires_at > self._clock():
            return cached
        task = self._robots_inflight.get(robots_url)
        if task is None:
            # One download per host even when many checks ask at once.
            task = asyncio.create_task(self._load_robots(robots_url))
            self._robots_inflight[robots_url] = task
            task.add_done_callback(lambda _t: self._robots_inflight.pop(robots_url, None))
        rules = await asyncio.shield(task)
        self._robots_cache[robots_url] = rules
        self._robots_cache.move_to_end(robots_url)
        while len(self._robots_cache) > _ROBOTS_CACHE_MAX:
            self._robots_cache.popitem(last=False)
        return rules

    async def _load_robots(self, robots_url: str) -> RobotsRules:
        ttl = self._settings.robots_cache_seconds

        def fixed(verdict: bool | None, status: int | None, reason: str) -> RobotsRules:
            seconds = ttl if verdict is not None else min(ttl, UNKNOWN_CACHE_SECONDS)
            return RobotsRules(None, verdict, status, reason, self._clock() + seconds)

        try:
            async with asyncio.timeout(self._settings.total_timeout):
                async with AsyncExitStack() as stack:
                    resp, _final, _chain = await self._follow(stack, robots_url, _ACCEPT_ROBOTS)
                    status = resp.status
                    fixed_verdict = rules_for_status(status)
                    if fixed_verdict is not None:
                        return fixed(fixed_verdict[0], status, fixed_verdict[1])
                    body = await _read_capped(resp, ROBOTS_MAX_BYTES, truncate=True)
        except TooManyRedirects:
            # Google treats a robots.txt it cannot reach within its redirect limit as missing.
            return fixed(True, None, "robots.txt redirects too many times: treated as missing")
        except FetchError as exc:
            return fixed(None, exc.status, f"robots.txt could not be fetched ({exc.kind}): status unknown")
        except Exception as exc:
            error = _translate(exc)
            return fixed(None, None, f"robots.txt could not be fetched ({error.kind}): status unknown")
        parser, large = await parse_robots(body)
        return RobotsRules(parser, None, status, "robots.txt rules", self._clock() + ttl, large)


def _too_large_message(limit: int) -> str:
    size = f"{limit / 1048576:g} MiB" if limit >= 1048576 else f"{limit // 1024} KiB"
    return f"The page is larger than the {size} limit."


def _not_html_message(content_type: str) -> str:
    return f"The link does not point to an HTML page (it is {content_type})."


__all__ = ["SafeFetcher"]
