-- The WeChat service account (bot/wechatmp) keeps two things across restarts:
-- the access token (WeChat hands out 2,000 a day, and each new one retires the
-- last, so a restart must not fetch one) and each follower's 48-hour window
-- (when they last wrote, how many customer-service messages went since, and
-- whether they unfollowed), so that the bot knows who may be written to.
-- The token is a secret: it is never logged or shown, like the bot tokens of
-- the command line.
CREATE TABLE wechatmp_tokens (
	app_id     TEXT    PRIMARY KEY,
	value      TEXT    NOT NULL,
	expires_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE wechatmp_windows (
	chat_key   TEXT    PRIMARY KEY, -- the follower's openid
	last_at    INTEGER NOT NULL,    -- their last interaction (unix seconds, 0: none known)
	sent       INTEGER NOT NULL,    -- customer-service messages delivered since
	refused    INTEGER NOT NULL,    -- the errcode WeChat refused one with (45015, 45047), 0: none
	unfollowed INTEGER NOT NULL     -- 1 after an unfollow, until they follow again
) STRICT;

-- A row held for its recipient: the platform can deliver it only once they
-- write again (a follower whose 48-hour window is over). held_at is when it
-- was first held (unix seconds, 0: not held). Held rows are pending, not
-- failed: the follower's next message releases them (Outbox.Release), and
-- /healthz does not count them as stuck.
ALTER TABLE outbox ADD COLUMN held_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_held ON outbox (platform, chat_key) WHERE status = 'pending' AND held_at > 0;
