-- Retries are scheduled to the millisecond: backoffs start at a fraction of a
-- second, and rounding them up to whole seconds slowed every retry chain.
ALTER TABLE outbox ADD COLUMN next_attempt_ms INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET next_attempt_ms = next_attempt_at * 1000 WHERE status = 'pending';
