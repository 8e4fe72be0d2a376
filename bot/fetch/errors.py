"""Fetch failures, each with a short id, one line a user can read, and a CLI exit code.

Messages never carry an address, a port or anything the remote host sent: a refused URL
may point inside the bot's network, and echoing what lies there would leak it.
"""

from __future__ import annotations

EXIT_BAD_INPUT = 2
EXIT_FETCH_FAILED = 1


class FetchError(Exception):
    """Base class; `str(err)` is the user message so a careless `print(err)` leaks nothing."""

    kind: str = "fetch_failed"
    default_message: str = "The page could not be fetched."
    exit_code: int = EXIT_FETCH_FAILED

    def __init__(self, user_message: str | None = None, *, log_detail: str = "", status: int | None = None):
        self._user_message = user_message or self.default_message
        # For operator logs only: may name the internal reason, never shown to users.
        self.log_detail = log_detail
        # The HTTP status when a response was received before failing (e.g. a 404 PDF).
        self.status = status
        super().__init__(self._user_message)

    @property
    def user_message(self) -> str:
        """One line for Discord or the CLI; subclasses may override it with a fixed text."""
        return self._user_message

    def __str__(self) -> str:
        return self.user_message


class RefusedURL(FetchError):
    kind = "refused"
    default_message = "That link is not allowed: only public http(s) web pages can be checked."
    exit_code = EXIT_BAD_INPUT


class DNSFailure(FetchError):
    kind = "dns"
    default_message = "The site's domain name could not be resolved."


class FetchTimeout(FetchError):
    kind = "timeout"
    default_message = "The site took too long to answer."


class TooLarge(FetchError):
    kind = "too_large"
    default_message = "The page is larger than the size limit."


class NotHTML(FetchError):
    kind = "not_html"
    default_message = "The link does not point to an HTML page."


class HTTPFailure(FetchError):
    """The connection or the HTTP exchange itself failed (refused, reset, TLS, malformed)."""

    kind = "http_failure"
    default_message = "The site could not be reached."


class TooManyRedirects(FetchError):
    kind = "too_many_redirects"
    default_message = "The link redirects too many times."


class RedirectLoop(TooManyRedirects):
    kind = "redirect_loop"
    default_message = "The link redirects in a loop."


__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FETCH_FAILED",
    "DNSFailure",
    "FetchError",
    "FetchTimeout",
    "HTTPFailure",
    "NotHTML",
    "RedirectLoop",
    "RefusedURL",
    "TooLarge",
    "TooManyRedirects",
]
