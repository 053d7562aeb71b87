-- Indexes for the escalation job's minute-by-minute scan and for the monthly
-- report, so that neither reads every ticket: each leads straight to the
-- tickets past a deadline or with a time in the report's window. On a large
-- database (a million tickets) building them takes a few seconds, once.

-- Escalation (store.Tx.EscalationCandidates): open tickets past a deadline at
-- a level not yet recorded, and those coming up to a reminder. Partial: only
-- tickets still being worked (on hold ones stand still) are in them.
CREATE INDEX tickets_esc_resolve ON tickets (resolve_due)
	WHERE status IN ('open', 'in_progress') AND escalation_level < 2;
CREATE INDEX tickets_esc_first ON tickets (first_response_due)
	WHERE status IN ('open', 'in_progress') AND first_response_at IS NULL AND escalation_level < 1;
CREATE INDEX tickets_due_resolve ON tickets (resolve_due)
	WHERE status IN ('open', 'in_progress');
CREATE INDEX tickets_due_first ON tickets (first_response_due)
	WHERE status IN ('open', 'in_progress') AND first_response_at IS NULL;

-- The monthly report (store.Tx.Report): for each time the report windows
-- on, a community's tickets in time order with the columns the report reads,
-- so that it reads index pages in order instead of fetching ticket rows one
-- by one from all over the table.
CREATE INDEX tickets_community_opened ON tickets (community_id, created_at, kind, reporter_id);
DROP INDEX tickets_community_created; -- the one above leads with the same columns
CREATE INDEX tickets_community_resolved ON tickets
	(community_id, resolved_at, kind, created_at, held_seconds, resolve_due, first_response_at, first_response_due);
CREATE INDEX tickets_community_first_response ON tickets (community_id, first_response_at, created_at);
CREATE INDEX tickets_community_first_due ON tickets (community_id, first_response_due, status, first_response_at, hold_started_at);
CREATE INDEX tickets_community_resolve_due ON tickets (community_id, resolve_due, status, resolved_at, hold_started_at);
CREATE INDEX tickets_community_updated ON tickets (community_id, updated_at, created_at, kind);
-- A community's active tickets newest first (listings, the notice board)
-- with what the report reads of them.
CREATE INDEX tickets_community_active ON tickets (community_id, id, created_at, updated_at, kind)
	WHERE status IN ('open', 'in_progress', 'on_hold');
-- Ratings and escalations by time, with which ticket and who; and each
-- ticket's events with their time and status, for a ticket's status at a
-- past time. (Partial indexes leading on the time: an index leading on the
-- action would look as good to the planner, which has no statistics, for a
-- query on one ticket's events of an action, and scan every such event.)
CREATE INDEX ticket_events_rate ON ticket_events (at, ticket_id, actor_id) WHERE action = 'rate';
CREATE INDEX ticket_events_escalate ON ticket_events (at, ticket_id) WHERE action IN ('escalate_1', 'escalate_2');
CREATE INDEX ticket_events_ticket_status ON ticket_events (ticket_id, id, at, to_status);
DROP INDEX ticket_events_ticket; -- the one above leads with the same columns
-- A ticket's community and rating by its number, for the events above: a
-- small index whose pages stay cached, where fetching the ticket rows would
-- read a page of the table for each event.
CREATE INDEX tickets_id_community ON tickets (id, community_id, rating);

-- Autoclose (every 15 minutes): resolved tickets nobody rated, by when.
CREATE INDEX tickets_resolved_unrated ON tickets (resolved_at) WHERE status = 'resolved' AND rating IS NULL;

-- The senders' look for due rows (store.Outbox.Due), after every commit and
-- every send: pending rows in order, those waiting for a retry, and edits.
CREATE INDEX outbox_due ON outbox (platform, id) WHERE status = 'pending';
CREATE INDEX outbox_retry ON outbox (platform, next_attempt_ms) WHERE status = 'pending';
CREATE INDEX outbox_edits ON outbox (edit_of) WHERE status = 'pending' AND edit_of IS NOT NULL;
