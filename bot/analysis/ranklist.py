"""An offline popularity rank list (Tranco CSV: ``rank,domain`` per line).

The bot cannot see traffic; a rank list is the one offline proxy. A full Tranco list has a
million rows, so it is held as two sorted integer arrays (a 64-bit hash of each domain and its
rank, about 16 bytes a row) rather than a dict of strings (well over 100 bytes a row). Loading
takes around a second for a full list: the caller loads it once, off the event loop.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from pathlib import Path

from bot.analysis.urls import registrable_domain, strip_www


def _key(domain: str) -> int:
    # A stable hash (not hash(), which is salted per process) so a loaded list behaves the same everywhere.
    return int.from_bytes(hashlib.blake2b(domain.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


class RankList:
    def __init__(self, pairs: dict[str, int] | None = None, *, source: str = "") -> None:
        self.source = source
        best: dict[int, int] = {}
        for domain, rank in (pairs or {}).items():
            k = _key(strip_www(domain.strip().lower().rstrip(".")))
            if k not in best or rank < best[k]:
                best[k] = rank
        keys = sorted(best)
        self._keys = array("q", keys)
        self._ranks = array("l", (best[k] for k in keys))

    def __len__(self) -> int:
        return len(self._keys)

    @classmethod
    def load(cls, path: str | Path) -> RankList:
        """Read a Tranco-style CSV; blank lines, comments and malformed rows are skipped."""
        pairs: dict[str, int] = {}
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                rank_text, sep, domain = line.strip().partition(",")
                if not sep or not rank_text.isdigit():
                    continue
                domain = domain.strip().split(",", 1)[0].lower()
                if domain and domain not in pairs:
                    pairs[domain] = int(rank_text)
        return cls(pairs, source=str(path))

    def _get(self, domain: str) -> int | None:
        k = _key(domain)
        i = bisect_left(self._keys, k)
        if i < len(self._keys) and self._keys[i] == k:
            return self._ranks[i]
        return None

    def rank(self, host: str) -> int | None:
        """Rank of the host itself, else of its registrable domain; None when not listed."""
        host = strip_www(host.lower().rstrip("."))
        if not host:
            return None
        found = self._get(host)
        if found is None:
            site = registrable_domain(host)
            if site != host:
                found = self._get(site)
        return found
