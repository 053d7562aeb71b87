-- Community features: the anonymous suggestion box, me-too co-reporters, volunteers.

-- Suggestions carry no sender: no person, no chat, no message id, and only the
-- day they came in (an exact time could be matched against other records).
CREATE TABLE suggestions (
	id           INTEGER PRIMARY KEY,
	community_id INTEGER NOT NULL REFERENCES communities (id),
	text         TEXT    NOT NULL,
	day          TEXT    NOT NULL,
	receipt_hash TEXT    NOT NULL UNIQUE,
	answer       TEXT    NOT NULL DEFAULT '',
	answered_at  INTEGER,
	answered_by  INTEGER REFERENCES people (id),
	public       INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX suggestions_community ON suggestions (community_id, id);

CREATE TABLE ticket_followers (
	ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
	person_id  INTEGER NOT NULL REFERENCES people (id),
	created_at INTEGER NOT NULL,
	PRIMARY KEY (ticket_id, person_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX ticket_followers_person ON ticket_followers (person_id);

CREATE TABLE volunteers (
	person_id    INTEGER PRIMARY KEY REFERENCES people (id),
	community_id INTEGER NOT NULL REFERENCES communities (id),
	skill        TEXT    NOT NULL DEFAULT '',
	joined_at    INTEGER NOT NULL
) STRICT;

-- An outbox row may ask to delete a message (a suggestion posted in a group by mistake).
ALTER TABLE outbox ADD COLUMN delete_msg TEXT NOT NULL DEFAULT '';
