-- PostgreSQL variant of 0003_vote_resets.sql (BIGINT ids, DOUBLE PRECISION times, no WITHOUT ROWID).
-- Moderators' vote resets. A reset withdraws a member's votes on an open review; when the bot
-- cannot remove the member's reactions (no Manage Messages, or the reaction was added while it was
-- offline), those reactions stay on Discord. Reconciliation reads this table so that it does not
-- store them again as votes. A vote the member casts after the reset arrives as a live event.
CREATE TABLE vote_resets (
    review_id  BIGINT NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    member_id  BIGINT NOT NULL,
    guild_id   BIGINT NOT NULL,
    reset_at   DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (review_id, member_id)
);
CREATE INDEX vote_resets_by_guild ON vote_resets (guild_id);
