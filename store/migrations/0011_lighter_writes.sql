-- Fewer index entries to write for every new ticket and every message sent.
--
-- A new ticket has no resolution and no first response yet: the report's
-- indexes on those times need no entry for it until it has one (a query on a
-- time range implies the time IS NOT NULL, so the report still uses them).
DROP INDEX tickets_community_resolved;
CREATE INDEX tickets_community_resolved ON tickets
	(community_id, resolved_at, kind, created_at, held_seconds, resolve_due, first_response_at, first_response_due)
	WHERE resolved_at IS NOT NULL;
DROP INDEX tickets_community_first_response;
CREATE INDEX tickets_community_first_response ON tickets (community_id, first_response_at, created_at)
	WHERE first_response_at IS NOT NULL;

-- A chat's pending messages (only when a chat is gone or moved) are few: they
-- are found through outbox_due, which every send keeps up to date anyway.
DROP INDEX outbox_pending;
