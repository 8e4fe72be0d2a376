"""Repositories over one Database, SQLite or PostgreSQL (bot.storage.database).

Writing a repository that works on both engines:
- Take a Database in __init__; call db.execute / executemany / fetchone / fetchall, and
  `async with db.transaction() as db:` for writes that belong together. Never open a connection.
- `?` placeholders (or `?1`, `?2` to reuse a value; not both in one statement); every value is a
  parameter. Identifiers interpolated into SQL must be constants of the code.
- New ids: `INSERT … RETURNING id` with fetchone (there is no lastrowid). Changed rows:
  `(await db.execute(…)).rowcount`. Constraint violations raise bot.storage.database.IntegrityError.
- Portable SQL: ON CONFLICT … DO UPDATE/NOTHING, RETURNING, CASE, COALESCE, row values
  `(a, b) < (?, ?)` for keyset paging, `IS NOT DISTINCT FROM ?` for a comparison that matches NULL,
  `COUNT(CASE WHEN … THEN 1 END)` (not SUM of a comparison), an alias on every derived table,
  `CAST(? AS BIGINT)` where a parameter has no column to take its type from (`? IS NULL`).
- What must differ comes from `db.dialect` (bot.storage.dialect): `for_share` / `for_update` on a
  guard SELECT whose row must not change before the commit (PostgreSQL runs writers concurrently;
  SQLite has one writer), `ilike` for a case-insensitive LIKE, `no_index` for SQLite's "+" hint.
- Rows index by position and by name on both engines; `tuple(row)` gives the values.
- Tests: take the `db` fixture of tests/unit/conftest.py, which runs each test on both.
"""
