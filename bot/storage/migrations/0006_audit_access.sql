-- Who may run /audit in a guild: moderators by default; a manager may open it to everyone.
CREATE TABLE audit_access (
    guild_id    INTEGER PRIMARY KEY,
    open_to_all INTEGER NOT NULL DEFAULT 0 CHECK (open_to_all IN (0, 1))
);
