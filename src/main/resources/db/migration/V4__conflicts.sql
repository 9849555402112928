-- What was charged under each idempotency key: a later delivery of the key with other content is a
-- conflict (DLQ, with both costs), not a duplicate. Null for keys stored before this migration.
alter table seen_event add column content_hash bigint, add column cost_usd numeric;
