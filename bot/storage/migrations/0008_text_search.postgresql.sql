-- /history search on PostgreSQL: trigram indexes (pg_trgm, shipped with the server's contrib) on the
-- two columns the search reads (bot.storage.history._TEXT_CLAUSE: r.url ILIKE ? OR r.note ILIKE ?).
-- A B-tree cannot serve ILIKE '%word%', so a word that matches nothing read the whole guild's
-- reviews; with these the planner reads only the rows holding the word's trigrams.
--
-- pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner, or any role with CREATE on
-- it, may create it. A role without that privilege stops here, and the bot says to ask the
-- administrator to run `CREATE EXTENSION pg_trgm;` in this database (bot.storage.postgres).
--
-- PostgreSQL only: SQLite cannot index a substring search (0008_text_search.sql is a no-op), so
-- tests/unit/storage/test_engines.py names these two as the indexes only PostgreSQL has.
-- The planner must see the word to choose between these and the guild's time index: the bot's
-- connections set plan_cache_mode = force_custom_plan (bot.storage.postgres.SERVER_SETTINGS).

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX reviews_url_trgm ON reviews USING gin (url gin_trgm_ops);
CREATE INDEX reviews_note_trgm ON reviews USING gin (note gin_trgm_ops);
