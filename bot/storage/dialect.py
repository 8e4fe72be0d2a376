"""What differs between the two engines' SQL, kept to a few named fragments.

Repositories write one statement for both engines: `?` placeholders (or `?1`, `?2`… to use a value
twice), ON CONFLICT upserts, RETURNING, standard CAST and IS [NOT] DISTINCT FROM, which SQLite
(3.39+) and PostgreSQL read alike. Where the engines must differ, the statement takes a fragment
from `db.dialect` (a row lock PostgreSQL needs and SQLite's single writer makes pointless, a
case-insensitive LIKE). PostgreSQL's `$n` placeholders are made here, once per statement text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Dialect:
    name: str  # "sqlite" | "postgresql"
    # Appended to a guard's SELECT whose row must not change before the writer commits. SQLite
    # runs one writer at a time (BEGIN IMMEDIATE), so it needs none; PostgreSQL's READ COMMITTED
    # would let a concurrent close slip between the guard and the write.
    for_share: str
    for_update: str
    # LIKE that ignores ASCII case, as SQLite's LIKE does by default.
    ilike: str
    # Put before a column to keep that term out of SQLite's index choice (a unary "+"; SQLite has
    # no statistics to choose well). PostgreSQL plans from statistics and has no "+" for text.
    no_index: str


SQLITE = Dialect(name="sqlite", for_share="", for_update="", ilike="LIKE", no_index="+")
POSTGRESQL = Dialect(name="postgresql", for_share=" FOR SHARE", for_update=" FOR UPDATE", ilike="ILIKE", no_index="")


@lru_cache(maxsize=2048)
def to_numbered(sql: str) -> str:
    """`?` → `$1`, `$2`… in order, and `?N` → `$N`; text inside quotes and comments is left alone.

    Mixing bare and numbered marks in one statement is refused: SQLite numbers a bare `?` after
    `?N` as N+1, a rule nobody should have to remember when reading a query.
    """
    out: list[str] = []
    i, n = 0, len(sql)
    counter = 0
    bare = numbered = False
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            end = i + 1
            while end < n:
                if sql[end] == ch:
                    if end + 1 < n and sql[end + 1] == ch:  # a doubled quote stays inside
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1])
            i = end + 1
            continue
        if ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            out.append(sql[i:end])
            i = end
            continue
        if ch == "?":
            j = i + 1
            while j < n and sql[j].isdigit():
                j += 1
            if j > i + 1:
                numbered = True
                out.append("$" + sql[i + 1 : j])
            else:
                bare = True
                counter += 1
                out.append(f"${counter}")
            if bare and numbered:
                raise ValueError("a statement uses both ? and ?N placeholders")
            i = j
            continue
        out.append(ch)
        i += 1
    return "".join(out)
