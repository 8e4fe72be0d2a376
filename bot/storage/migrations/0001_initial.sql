-- Second Opinion schema. Times are unix seconds (REAL, UTC). Discord ids are INTEGER.
-- Every table that holds guild data carries guild_id, and every query filters on it.

CREATE TABLE checks (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    member_id   INTEGER NOT NULL,
    url         TEXT    NOT NULL,
    final_url   TEXT,
    domain      TEXT    NOT NULL,          -- registrable domain of the source page
    target      TEXT,
    keyword     TEXT,
    report_json TEXT    NOT NULL,
    risk_level  TEXT    NOT NULL CHECK (risk_level IN ('low', 'medium', 'high')),
    risk_score  INTEGER NOT NULL,
    created_at  REAL    NOT NULL
);
CREATE INDEX checks_by_guild_domain ON checks (guild_id, domain, created_at DESC);
CREATE INDEX checks_by_guild_url ON checks (guild_id, url, created_at DESC);
CREATE INDEX checks_by_guild_time ON checks (guild_id, created_at DESC);

CREATE TABLE reviews (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER NOT NULL,
    check_id           INTEGER REFERENCES checks (id) ON DELETE SET NULL,
    requester_id       INTEGER NOT NULL,
    origin_channel_id  INTEGER NOT NULL,    -- where the member asked; the verdict is announced there
    channel_id         INTEGER,             -- the review channel (text or forum) that holds the thread
    thread_id          INTEGER,
    summary_message_id INTEGER,
    url                TEXT    NOT NULL,
    domain             TEXT    NOT NULL,
    target             TEXT    NOT NULL DEFAULT '',   -- '' when none, so the open-review index holds
    keyword            TEXT,
    note               TEXT,
    status             TEXT    NOT NULL DEFAULT 'opening'
                       CHECK (status IN ('opening', 'open', 'closed', 'deleted')),
    bot_risk_level     TEXT,
    bot_risk_score     INTEGER,
    community_risk     TEXT,                -- low | medium | high | no_consensus, set on close
    verdict_json       TEXT,
    broken             TEXT,                -- why the review can no longer take votes (thread deleted...)
    created_at         REAL    NOT NULL,
    deadline_at        REAL    NOT NULL,
    closed_at          REAL,
    closed_by          INTEGER,
    close_reason       TEXT,                -- requester | moderator | deadline
    deleted_reason     TEXT,
    CHECK (community_risk IS NULL OR community_risk IN ('low', 'medium', 'high', 'no_consensus')),
    CHECK (close_reason IS NULL OR close_reason IN ('requester', 'moderator', 'deadline'))
);
-- One open review per guild, URL and target.
CREATE UNIQUE INDEX reviews_one_open ON reviews (guild_id, url, target) WHERE status IN ('opening', 'open');
CREATE INDEX reviews_by_guild_requester ON reviews (guild_id, requester_id, created_at DESC);
CREATE INDEX reviews_due ON reviews (deadline_at) WHERE status = 'open';
CREATE INDEX reviews_by_thread ON reviews (thread_id) WHERE thread_id IS NOT NULL;
CREATE INDEX reviews_by_guild_status ON reviews (guild_id, status, created_at DESC);

CREATE TABLE review_factor_messages (
    review_id  INTEGER NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    factor     TEXT    NOT NULL CHECK (factor IN ('relevance', 'content_quality', 'anchor_text',
                                                  'placement', 'outbound_links', 'overall')),
    guild_id   INTEGER NOT NULL,
    message_id INTEGER NOT NULL UNIQUE,    -- the reaction hot path looks reviews up by this
    PRIMARY KEY (review_id, factor)
) WITHOUT ROWID;
CREATE INDEX review_factor_messages_by_guild ON review_factor_messages (guild_id);

-- One row per member per factor: a new reaction replaces the member's choice. Tallies are always
-- computed from these rows (GROUP BY), never kept elsewhere.
CREATE TABLE votes (
    review_id  INTEGER NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    factor     TEXT    NOT NULL CHECK (factor IN ('relevance', 'content_quality', 'anchor_text',
                                                  'placement', 'outbound_links', 'overall')),
    member_id  INTEGER NOT NULL,
    choice     TEXT    NOT NULL CHECK (choice IN ('good', 'unsure', 'bad')),
    guild_id   INTEGER NOT NULL,
    voted_at   REAL    NOT NULL,
    PRIMARY KEY (review_id, factor, member_id)
) WITHOUT ROWID;
CREATE INDEX votes_by_guild_member ON votes (guild_id, member_id);

CREATE TABLE guild_settings (
    guild_id                INTEGER PRIMARY KEY,
    review_channel_id       INTEGER,
    moderator_role_id       INTEGER,
    min_votes               INTEGER,
    deadline_hours          REAL,
    min_member_age_hours    REAL,
    min_account_age_days    REAL,
    requester_may_vote      INTEGER,
    check_cooldown_seconds  REAL,
    review_cooldown_seconds REAL,
    left_at                 REAL,      -- when the bot left the guild; data is purged after retention
    updated_at              REAL NOT NULL
);
CREATE INDEX guild_settings_left ON guild_settings (left_at) WHERE left_at IS NOT NULL;

-- The audit log is also every review's timeline: opened, closed, reopened, and moderator actions.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    review_id  INTEGER REFERENCES reviews (id) ON DELETE CASCADE,
    actor_id   INTEGER,                -- NULL for the bot itself (deadline, reconciliation)
    action     TEXT    NOT NULL,
    detail     TEXT,
    created_at REAL    NOT NULL
);
CREATE INDEX audit_by_review ON audit_log (review_id, created_at);
CREATE INDEX audit_by_guild_time ON audit_log (guild_id, created_at DESC);

-- Small key/value state of the process (the synced command tree hash, for one).
CREATE TABLE bot_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
