-- PostgreSQL variant of 0002_history_indexes.sql: the same index names and the same table.
-- The timeline index leaves out status, url and note: SQLite carries them so that a word search
-- reads index entries alone, but a PostgreSQL b-tree entry must stay under ~2.7 kB and a long
-- note would make the insert fail. PostgreSQL filters the words on the table rows instead.
CREATE INDEX reviews_history_by_guild_time ON reviews (guild_id, created_at, id);
CREATE INDEX reviews_history_by_guild_domain ON reviews (guild_id, domain, created_at, id);
CREATE INDEX reviews_history_by_guild_verdict ON reviews (guild_id, community_risk, created_at, id)
    WHERE community_risk IS NOT NULL;
CREATE INDEX reviews_history_by_guild_risk ON reviews (guild_id, bot_risk_level, created_at, id)
    WHERE bot_risk_level IS NOT NULL;
CREATE INDEX reviews_history_closed_by_domain ON reviews (guild_id, domain, closed_at DESC, id DESC, community_risk)
    WHERE status = 'closed';

CREATE TABLE history_filters (
    guild_id   BIGINT NOT NULL,
    ref        TEXT   NOT NULL,
    token      TEXT   NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (guild_id, ref)
);
