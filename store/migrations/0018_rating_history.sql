-- Ratings are history (issue 19): a rating counts in the month it was given,
-- whatever happens to the ticket after. The ticket keeps only its current
-- rating, which a reopen clears so the resident can rate again; each rating
-- event now keeps its score, so that neither the reopen nor a second rating
-- takes the first out of /report, the KPIs or the export.
ALTER TABLE ticket_events ADD COLUMN rating INTEGER;

-- The scores of the ratings given so far are the first word of their
-- events' notes ("5 修得很快"), including those a reopen cleared from the
-- ticket. Events are append-only; this one fill-in of the new column, in
-- the migration's transaction, lifts that for itself alone.
DROP TRIGGER ticket_events_no_update;
UPDATE ticket_events SET rating = CAST(substr(note, 1, 1) AS INTEGER)
	WHERE action = 'rate' AND substr(note, 1, 1) BETWEEN '1' AND '5'
	AND (length(note) = 1 OR substr(note, 2, 1) = ' ');
CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
BEGIN SELECT RAISE(ABORT, 'ticket_events are append-only'); END;

-- The reports read the score beside the rest from the index.
DROP INDEX ticket_events_rate;
CREATE INDEX ticket_events_rate ON ticket_events (at, ticket_id, actor_id, rating) WHERE action = 'rate';
