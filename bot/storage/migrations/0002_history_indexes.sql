-- History: indexes for /history pages, domain lookups, disavow exports and reviewer stats, and the
-- store for history filters too long to ride in a button's custom_id.

-- Keyset pages walk (created_at, id); with id in the index both ORDER BY terms come from it.
-- status, url and note ride along so a search for words (LIKE '%word%', which no b-tree can seek)
-- filters on index entries alone: a rare word over 100,000 reviews costs ~12 ms instead of ~110 ms.
CREATE INDEX reviews_history_by_guild_time ON reviews (guild_id, created_at, id, status, url, note);
CREATE INDEX reviews_history_by_guild_domain ON reviews (guild_id, domain, created_at, id);
CREATE INDEX reviews_history_by_guild_verdict ON reviews (guild_id, community_risk, created_at, id)
    WHERE community_risk IS NOT NULL;
CREATE INDEX reviews_history_by_guild_risk ON reviews (guild_id, bot_risk_level, created_at, id)
    WHERE bot_risk_level IS NOT NULL;
-- Latest closed verdict per domain (domain memory, dossier, disavow), read from the index alone;
-- newest first within a domain, the order the disavow's window function partitions in.
CREATE INDEX reviews_history_closed_by_domain ON reviews (guild_id, domain, closed_at DESC, id DESC, community_risk)
    WHERE status = 'closed';

CREATE TABLE history_filters (
    guild_id   INTEGER NOT NULL,
    ref        TEXT    NOT NULL,
    token      TEXT    NOT NULL,
    created_at REAL    NOT NULL,
    PRIMARY KEY (guild_id, ref)
) WITHOUT ROWID;
