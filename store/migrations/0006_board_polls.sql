-- The bulletin board (公告栏) and in-chat polls.

-- Announcements as they were posted (/announce, announcement schedules), for
-- the board. Rows older than 30 days are removed by the board job.
CREATE TABLE announcements (
	id           INTEGER PRIMARY KEY,
	community_id INTEGER NOT NULL REFERENCES communities (id),
	text         TEXT    NOT NULL CHECK (text <> ''),
	posted_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX announcements_community ON announcements (community_id, posted_at);

-- The board message kept (pinned) in a resident group. Each new version is an
-- edit of the latest one (out_id), so the group keeps one message.
CREATE TABLE boards (
	platform     TEXT    NOT NULL,
	chat_key     TEXT    NOT NULL,
	community_id INTEGER NOT NULL REFERENCES communities (id),
	out_id       INTEGER NOT NULL REFERENCES outbox (id),
	body         TEXT    NOT NULL, -- what it shows, less the time stamp: a change is a new body
	pinned_msg   TEXT    NOT NULL DEFAULT '', -- the message pinned, '' while none is
	pin_error    TEXT    NOT NULL DEFAULT '',
	told_at      INTEGER,                     -- when managers heard the bot may not pin here
	updated_at   INTEGER NOT NULL,
	PRIMARY KEY (platform, chat_key)
) STRICT, WITHOUT ROWID;

-- Outbox rows may ask to be pinned once sent, or carry a native poll
-- (JSON of bot.Poll) that platforms without polls send as text.
ALTER TABLE outbox ADD COLUMN pin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN poll TEXT NOT NULL DEFAULT '';

CREATE TABLE polls (
	id           INTEGER PRIMARY KEY,
	community_id INTEGER NOT NULL REFERENCES communities (id),
	question     TEXT    NOT NULL CHECK (question <> ''),
	options      TEXT    NOT NULL, -- JSON array of the options' texts, in order
	created_by   INTEGER REFERENCES people (id),
	created_at   INTEGER NOT NULL,
	closes_at    INTEGER NOT NULL,
	closed_at    INTEGER
) STRICT;
CREATE INDEX polls_community ON polls (community_id, created_at);

-- Where a poll was posted: one row per outbox row, and one more if a crash
-- made a native poll go out twice. native_id is the platform's poll id
-- (Telegram), '' for a numbered list answered by replying a number.
CREATE TABLE poll_posts (
	id        INTEGER PRIMARY KEY,
	poll_id   INTEGER NOT NULL REFERENCES polls (id),
	outbox_id INTEGER NOT NULL REFERENCES outbox (id),
	platform  TEXT    NOT NULL,
	chat_key  TEXT    NOT NULL,
	native_id TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX poll_posts_native ON poll_posts (platform, native_id) WHERE native_id <> '';
CREATE INDEX poll_posts_chat ON poll_posts (platform, chat_key, poll_id);
CREATE INDEX poll_posts_outbox ON poll_posts (outbox_id);

-- One vote per person and poll; voting again replaces it.
CREATE TABLE poll_votes (
	poll_id   INTEGER NOT NULL REFERENCES polls (id),
	person_id INTEGER NOT NULL REFERENCES people (id),
	choice    INTEGER NOT NULL CHECK (choice >= 0), -- 0-based
	at        INTEGER NOT NULL,
	PRIMARY KEY (poll_id, person_id)
) STRICT, WITHOUT ROWID;
