-- Photos and files that came with tickets, and attachments of outgoing messages.
CREATE TABLE ticket_attachments (
	id         INTEGER PRIMARY KEY,
	ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
	platform   TEXT    NOT NULL,
	kind       TEXT    NOT NULL CHECK (kind IN ('photo', 'file')),
	ref        TEXT    NOT NULL DEFAULT '', -- the platform's id to send it again (Telegram file_id)
	path       TEXT    NOT NULL DEFAULT '', -- a copy under the data directory, when the bytes came with it
	name       TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX ticket_attachments_ticket ON ticket_attachments (ticket_id);

ALTER TABLE outbox ADD COLUMN attach_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN attach_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN attach_path TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN attach_name TEXT NOT NULL DEFAULT '';
