-- /history search looks for each word anywhere in a review's URL or note (LIKE '%word%').
-- SQLite has no index for that; its search starts from the guild's reviews, which is fast enough
-- there (bench/history_scale.py). Nothing changes: this statement only keeps the numbering, and
-- PostgreSQL runs 0008_text_search.postgresql.sql instead.
SELECT 1;
