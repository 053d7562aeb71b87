-- A vote in a Telegram poll can arrive before the bot has recorded the poll's
-- id: Telegram shows the poll to the group before the bot's send returns. Such
-- an answer waits here, in the order it came, until the id is recorded
-- (Tx.PollPosted), and is then counted. choice is the 0-based option, or -1
-- for a retracted vote. Rows older than a day are dropped: a poll whose id
-- was never recorded (a crash right after sending) is not coming.
CREATE TABLE poll_answers_early (
	id        INTEGER PRIMARY KEY,
	platform  TEXT    NOT NULL,
	native_id TEXT    NOT NULL,
	user_key  TEXT    NOT NULL,
	username  TEXT    NOT NULL DEFAULT '',
	name      TEXT    NOT NULL DEFAULT '',
	choice    INTEGER NOT NULL CHECK (choice >= -1),
	at        INTEGER NOT NULL
) STRICT;
CREATE INDEX poll_answers_early_native ON poll_answers_early (platform, native_id, id);
