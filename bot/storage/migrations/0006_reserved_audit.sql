-- Reserved for the bulk audit's second migration (see 0005_reserved_audit.sql); replaced on merge.
SELECT 1;
