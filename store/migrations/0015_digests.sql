-- Digests (issue 18): when a group's pending cards are more than its
-- platform lets through in about ten seconds, the sender merges them into
-- digest messages. A merged row stays 'pending' with digest_of naming the
-- digest row that carries it (no foreign key: the retention job deletes sent
-- rows in any order); the transaction that marks the digest sent marks its
-- rows sent with it, so an entry is delivered once, in one message or the other.
ALTER TABLE outbox ADD COLUMN digest_of INTEGER;
-- Mentions of a digest's residents: JSON [{"offset":…,"length":…,"user":…}],
-- byte spans of the text that name a person (Telegram links them).
ALTER TABLE outbox ADD COLUMN mentions TEXT NOT NULL DEFAULT '';
-- The rows a digest may take and the digests themselves, per chat: only
-- cards have entries here, so other messages cost no extra index write.
CREATE INDEX outbox_digestible ON outbox (platform, chat_key, id)
	WHERE status = 'pending' AND link_role IN ('card', 'staff_card', 'digest');
CREATE INDEX outbox_digest_of ON outbox (digest_of) WHERE digest_of IS NOT NULL;

-- A digest message carries many tickets (ticket_links has one per message):
-- a reply naming #N to it threads to N, one naming none is asked which.
CREATE TABLE digest_links (
	platform  TEXT    NOT NULL,
	chat_key  TEXT    NOT NULL,
	msg_id    TEXT    NOT NULL,
	ticket_id INTEGER NOT NULL REFERENCES tickets (id),
	PRIMARY KEY (platform, chat_key, msg_id, ticket_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX digest_links_ticket ON digest_links (ticket_id);
