-- The web desk (package web). Staff and managers sign in with a one-time
-- link that /web sends privately; the link becomes a session cookie. Only
-- hashes (SHA-256) of login links and session tokens are kept: a copy of
-- the database lets nobody sign in. Residents follow one ticket on its page,
-- /web/t/TOKEN: the token is the page's address, so it is kept as it is
-- (cards are written with it again on every change).
CREATE TABLE web_logins (
	id         INTEGER PRIMARY KEY,
	token_hash BLOB    NOT NULL UNIQUE,
	person_id  INTEGER NOT NULL REFERENCES people (id),
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER
) STRICT;
CREATE INDEX web_logins_person ON web_logins (person_id, created_at);

CREATE TABLE web_sessions (
	id         INTEGER PRIMARY KEY,
	token_hash BLOB    NOT NULL UNIQUE,
	person_id  INTEGER NOT NULL REFERENCES people (id),
	csrf       TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL
) STRICT;
CREATE INDEX web_sessions_person ON web_sessions (person_id);

CREATE TABLE ticket_pages (
	ticket_id  INTEGER PRIMARY KEY REFERENCES tickets (id),
	token      TEXT    NOT NULL UNIQUE,
	created_at INTEGER NOT NULL
) STRICT;

-- The desk lists a community's tickets newest first, page by page (keyset on
-- id): an index on the community alone keeps them in id order.
CREATE INDEX tickets_community ON tickets (community_id);
