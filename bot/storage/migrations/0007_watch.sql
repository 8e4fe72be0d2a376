-- Link watch: links a guild asked the bot to re-check, and every observation of them.

CREATE TABLE watches (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    channel_id      INTEGER NOT NULL,          -- where it was added; alerts go there without a watch channel
    created_by      INTEGER NOT NULL,
    created_by_name TEXT    NOT NULL,          -- shown in alerts as a name, never a mention
    source_url      TEXT    NOT NULL,
    domain          TEXT    NOT NULL,          -- registrable domain of the source page
    target          TEXT    NOT NULL,
    keyword         TEXT,
    review_id       INTEGER REFERENCES reviews (id) ON DELETE SET NULL,
    thread_id       INTEGER,                   -- the review's thread, which gets the alerts too
    check_id        INTEGER REFERENCES checks (id) ON DELETE SET NULL,
    created_at      REAL    NOT NULL,
    next_due_at     REAL    NOT NULL,
    failures        INTEGER NOT NULL DEFAULT 0, -- failed fetches in a row
    last_checked_at REAL
);
CREATE UNIQUE INDEX watches_one ON watches (guild_id, source_url, target);
CREATE INDEX watches_due ON watches (guild_id, next_due_at);
CREATE INDEX watches_by_domain ON watches (guild_id, domain);

CREATE TABLE watch_observations (
    id             INTEGER PRIMARY KEY,
    watch_id       INTEGER NOT NULL REFERENCES watches (id) ON DELETE CASCADE,
    guild_id       INTEGER NOT NULL,
    observed_at    REAL    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('ok', 'failed')),
    http_status    INTEGER,
    final_url      TEXT,
    found          INTEGER,                    -- NULL when the fetch failed
    rel            TEXT,                       -- space-separated tokens, 'dofollow' when none
    placement      TEXT,
    anchor         TEXT,
    noindex        INTEGER,
    canonical      TEXT,                       -- the canonical URL when it points elsewhere
    robots_blocked INTEGER,
    fingerprint    TEXT,                       -- bottom-k sketch of the main content's phrases
    error          TEXT,                       -- the fetch failure's kind
    changes        TEXT    NOT NULL DEFAULT '' -- the change kinds reported at this observation
);
CREATE INDEX watch_observations_by_watch ON watch_observations (watch_id, observed_at);
CREATE INDEX watch_observations_by_guild ON watch_observations (guild_id);

ALTER TABLE guild_settings ADD COLUMN watch_channel_id INTEGER;
ALTER TABLE guild_settings ADD COLUMN watch_interval_hours REAL;
