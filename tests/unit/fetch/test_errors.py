"""The error classes: stable ids, one-line messages, exit codes, and safe subclassing."""

from __future__ import annotations

import pytest

from bot.fetch import (
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

EXPECTED = {
    RefusedURL: ("refused", 2),
    DNSFailure: ("dns", 1),
    FetchTimeout: ("timeout", 1),
    TooLarge: ("too_large", 1),
    NotHTML: ("not_html", 1),
    HTTPFailure: ("http_failure", 1),
    TooManyRedirects: ("too_many_redirects", 1),
    RedirectLoop: ("redirect_loop", 1),
}


@pytest.mark.parametrize("cls", list(EXPECTED))
def test_each_kind_has_an_id_a_code_and_one_short_line(cls: type[FetchError]) -> None:
    error = cls(log_detail="connect to 10.0.0.1:22 failed")
    assert (error.kind, error.exit_code) == EXPECTED[cls]
    assert isinstance(error, FetchError)
    message = error.user_message
    assert message and "\n" not in message and len(message) <= 100
    assert str(error) == message
    assert "10.0.0.1" not in message and "10.0.0.1" not in str(error)


def test_kinds_are_distinct() -> None:
    assert len({kind for kind, _ in EXPECTED.values()}) == len(EXPECTED)


def test_subclasses_may_fix_their_message_with_a_property() -> None:
    class AnalysisFailed(FetchError):
        kind = "analysis_failed"

        @property
        def user_message(self) -> str:  # type: ignore[override]
            return "The page could not be analysed."

    error = AnalysisFailed("internal detail")
    assert error.user_message == str(error) == "The page could not be analysed."
    assert error.exit_code == 1
