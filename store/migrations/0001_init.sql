-- Linli's first schema. Times are unix seconds (UTC) in INTEGER columns.

CREATE TABLE communities (
	id                 INTEGER PRIMARY KEY,
	name               TEXT    NOT NULL UNIQUE,
	lang               TEXT    NOT NULL DEFAULT 'zh' CHECK (lang IN ('zh', 'en')),
	tz                 TEXT    NOT NULL DEFAULT '',
	first_response_sla INTEGER NOT NULL DEFAULT 86400 CHECK (first_response_sla > 0),
	resolve_sla        INTEGER NOT NULL DEFAULT 604800 CHECK (resolve_sla > 0),
	created_at         INTEGER NOT NULL
) STRICT;

CREATE TABLE chats (
	id           INTEGER PRIMARY KEY,
	platform     TEXT    NOT NULL,
	chat_key     TEXT    NOT NULL,
	kind         TEXT    NOT NULL CHECK (kind IN ('group', 'private')),
	title        TEXT    NOT NULL DEFAULT '',
	community_id INTEGER REFERENCES communities (id),
	role         TEXT    CHECK (role IN ('resident', 'staff')),
	active       INTEGER NOT NULL DEFAULT 1,
	note         TEXT    NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	UNIQUE (platform, chat_key)
) STRICT;

CREATE TABLE people (
	id           INTEGER PRIMARY KEY,
	platform     TEXT    NOT NULL,
	user_key     TEXT    NOT NULL,
	username     TEXT    NOT NULL DEFAULT '',
	display_name TEXT    NOT NULL DEFAULT '',
	role         TEXT    NOT NULL DEFAULT 'resident' CHECK (role IN ('resident', 'staff', 'manager')),
	community_id INTEGER REFERENCES communities (id),
	private_chat TEXT    NOT NULL DEFAULT '',
	group_chat   TEXT    NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	UNIQUE (platform, user_key)
) STRICT;
CREATE INDEX people_username ON people (platform, username) WHERE username <> '';
CREATE INDEX people_name ON people (community_id, display_name);

CREATE TABLE tickets (
	id                 INTEGER PRIMARY KEY,
	community_id       INTEGER NOT NULL REFERENCES communities (id),
	kind               TEXT    NOT NULL CHECK (kind IN ('repair', 'complaint')),
	status             TEXT    NOT NULL CHECK (status IN ('open', 'in_progress', 'on_hold', 'resolved', 'closed', 'cancelled')),
	text               TEXT    NOT NULL,
	reporter_id        INTEGER NOT NULL REFERENCES people (id),
	origin_chat_id     INTEGER NOT NULL REFERENCES chats (id),
	origin_msg_id      TEXT    NOT NULL,
	origin_thread      TEXT    NOT NULL DEFAULT '',
	assignee_id        INTEGER REFERENCES people (id),
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER NOT NULL,
	first_response_at  INTEGER,
	resolved_at        INTEGER,
	closed_at          INTEGER,
	first_response_due INTEGER NOT NULL,
	resolve_due        INTEGER NOT NULL,
	hold_started_at    INTEGER,
	held_seconds       INTEGER NOT NULL DEFAULT 0,
	escalation_level   INTEGER NOT NULL DEFAULT 0,
	rating             INTEGER CHECK (rating BETWEEN 1 AND 5),
	rating_comment     TEXT    NOT NULL DEFAULT '',
	staff_card         INTEGER,
	resident_card      INTEGER
) STRICT;
CREATE INDEX tickets_active ON tickets (status, community_id) WHERE status IN ('open', 'in_progress', 'on_hold', 'resolved');
CREATE INDEX tickets_reporter ON tickets (reporter_id, created_at);
CREATE INDEX tickets_community_created ON tickets (community_id, created_at);

CREATE TABLE ticket_events (
	id          INTEGER PRIMARY KEY,
	ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
	actor_id    INTEGER REFERENCES people (id),
	action      TEXT    NOT NULL,
	from_status TEXT    NOT NULL DEFAULT '',
	to_status   TEXT    NOT NULL DEFAULT '',
	note        TEXT    NOT NULL DEFAULT '',
	at          INTEGER NOT NULL
) STRICT;
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);
CREATE INDEX ticket_events_at ON ticket_events (at);

-- Events are history: nobody edits or deletes them.
CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
BEGIN SELECT RAISE(ABORT, 'ticket_events are append-only'); END;
CREATE TRIGGER ticket_events_no_delete BEFORE DELETE ON ticket_events
BEGIN SELECT RAISE(ABORT, 'ticket_events are append-only'); END;

-- Every platform message that belongs to a ticket: the resident's original,
-- the cards the bot sent, relayed replies. A reply to any of them finds the ticket.
CREATE TABLE ticket_links (
	platform  TEXT    NOT NULL,
	chat_key  TEXT    NOT NULL,
	msg_id    TEXT    NOT NULL,
	ticket_id INTEGER NOT NULL REFERENCES tickets (id),
	role      TEXT    NOT NULL,
	PRIMARY KEY (platform, chat_key, msg_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX ticket_links_ticket ON ticket_links (ticket_id);

-- Processed inbound messages: a message is handled at most once.
CREATE TABLE inbox (
	platform    TEXT    NOT NULL,
	chat_key    TEXT    NOT NULL,
	msg_id      TEXT    NOT NULL,
	received_at INTEGER NOT NULL,
	PRIMARY KEY (platform, chat_key, msg_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE outbox (
	id              INTEGER PRIMARY KEY,
	platform        TEXT    NOT NULL,
	chat_key        TEXT    NOT NULL,
	thread          TEXT    NOT NULL DEFAULT '',
	reply_to        TEXT    NOT NULL DEFAULT '',
	text            TEXT    NOT NULL,
	buttons         TEXT    NOT NULL DEFAULT '',
	edit_of         INTEGER REFERENCES outbox (id),
	ticket_id       INTEGER REFERENCES tickets (id),
	link_role       TEXT    NOT NULL DEFAULT '',
	fallback_chat   TEXT    NOT NULL DEFAULT '',
	fallback_reply  TEXT    NOT NULL DEFAULT '',
	status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	last_error      TEXT    NOT NULL DEFAULT '',
	platform_msg_id TEXT    NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	sent_at         INTEGER
) STRICT;
CREATE INDEX outbox_pending ON outbox (platform, chat_key, id) WHERE status = 'pending';
CREATE INDEX outbox_failed ON outbox (id) WHERE status = 'failed';

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
