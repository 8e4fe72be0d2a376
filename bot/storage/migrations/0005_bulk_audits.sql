-- Bulk audits of a backlink export (/audit). The uploaded export is kept until the audit ends so
-- that an audit interrupted by a restart can resume; rows are stored as they finish.
CREATE TABLE bulk_audits (
    id                  INTEGER PRIMARY KEY,
    guild_id            INTEGER NOT NULL,
    channel_id          INTEGER NOT NULL,
    member_id           INTEGER NOT NULL,
    filename            TEXT NOT NULL,
    target              TEXT NOT NULL,
    keyword             TEXT,
    total               INTEGER NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('running', 'done', 'cancelled', 'failed')),
    export              BLOB,               -- dropped once the audit ends
    progress_message_id INTEGER,
    summary_json        TEXT,
    created_at          REAL NOT NULL,
    finished_at         REAL
);
-- One audit at a time per guild, held by the database itself.
CREATE UNIQUE INDEX bulk_audits_one_running ON bulk_audits (guild_id) WHERE status = 'running';
CREATE INDEX bulk_audits_guild ON bulk_audits (guild_id, created_at);

CREATE TABLE bulk_audit_rows (
    audit_id    INTEGER NOT NULL REFERENCES bulk_audits (id) ON DELETE CASCADE,
    guild_id    INTEGER NOT NULL,
    idx         INTEGER NOT NULL,   -- the source's position among the export's unique sources
    source_url  TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    risk_level  TEXT,
    risk_score  INTEGER,
    row_json    TEXT NOT NULL,
    PRIMARY KEY (audit_id, idx)
);
CREATE INDEX bulk_audit_rows_guild ON bulk_audit_rows (guild_id);
