-- PostgreSQL variant of 0006_audit_access.sql: the guild id needs 64 bits (BIGINT).
CREATE TABLE audit_access (
    guild_id    BIGINT PRIMARY KEY,
    open_to_all BIGINT NOT NULL DEFAULT 0 CHECK (open_to_all IN (0, 1))
);
