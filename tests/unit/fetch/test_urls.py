"""URL normalisation for links that are allowed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.fetch import RefusedURL, normalize_url
from bot.settings import FetchSettings

SETTINGS = FetchSettings()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://example.com", "http://example.com/"),
        ("  https://Example.COM/Path?q=1#section  ", "https://example.com/Path?q=1"),
        ("HTTP://example.com.:80/a", "http://example.com/a"),
        ("https://example.com:443/", "https://example.com/"),
        ("https://example.com:80/", "https://example.com:80/"),
        ("http://Bücher.de/ä", "http://xn--bcher-kva.de/%C3%A4"),
        ("http://faß.de/", "http://xn--fa-hia.de/"),
        ("http://ｅｘａｍｐｌｅ.com/", "http://example.com/"),
        ("http://xn--bcher-kva.de/", "http://xn--bcher-kva.de/"),
        ("http://example.com/a b", "http://example.com/a%20b"),
        ("http://example.com/a/../b/./c", "http://example.com/b/c"),
        ("http://sub_domain.example.com/", "http://sub_domain.example.com/"),
        ("http://8.8.8.8/", "http://8.8.8.8/"),
        ("http://0x08.0x08.0x08.0x08/", "http://8.8.8.8/"),
        ("http://134744072/", "http://8.8.8.8/"),
        ("http://[2606:4700:4700::1111]/", "http://[2606:4700:4700::1111]/"),
    ],
)
def test_allowed_urls_are_normalised(given: str, expected: str) -> None:
    assert normalize_url(given, SETTINGS) == expected


def test_length_limit_is_inclusive() -> None:
    base = "http://example.com/"
    exact = base + "a" * (SETTINGS.max_url_length - len(base))
    assert normalize_url(exact, SETTINGS) == exact
    with pytest.raises(RefusedURL):
        normalize_url(exact + "a", SETTINGS)


def test_allowed_ports_come_from_settings() -> None:
    settings = replace(SETTINGS, allowed_ports=(8080,))
    assert normalize_url("http://example.com:8080/", settings) == "http://example.com:8080/"
    with pytest.raises(RefusedURL):
        normalize_url("http://example.com/", settings)  # port 80 no longer listed


def test_private_opt_in_allows_loopback_literals_but_not_metadata() -> None:
    settings = replace(SETTINGS, allow_private_networks=True)
    assert normalize_url("http://127.1/", settings) == "http://127.0.0.1/"
    assert normalize_url("http://localhost/", settings) == "http://localhost/"
    with pytest.raises(RefusedURL):
        normalize_url("http://169.254.169.254/", settings)


def test_refusal_messages_differ_by_cause_but_share_the_kind() -> None:
    messages = set()
    for url in ["ftp://example.com/", "http://u@example.com/", "http://example.com:22/",
                "http://10.0.0.1/", "http://" + "a" * 3000 + ".com/", "http:///x"]:
        with pytest.raises(RefusedURL) as info:
            normalize_url(url, SETTINGS)
        assert info.value.kind == "refused"
        messages.add(info.value.user_message)
    assert len(messages) == 6
