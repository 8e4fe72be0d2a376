-- Reserved for the bulk audit's migration, developed on another branch: the watch branch needs
-- 0007 and the numbering has no gaps. The audit's own 0005 replaces this file when both merge.
SELECT 1;
