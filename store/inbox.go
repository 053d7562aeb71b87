package store

import "github.com/linli/linli/bot"

// FirstDelivery records an inbound message as handled and reports whether this
// is the first time it is seen. Called inside the transaction that applies the
// message's effects, so a message is handled exactly once: a redelivery after a
// commit is skipped, and a crash before the commit leaves no trace to skip.
func (tx *Tx) FirstDelivery(p bot.PlatformID, chat bot.ChatID, msg bot.MessageID) (bool, error) {
	res, err := tx.exec(`INSERT INTO inbox (platform, chat_key, msg_id, received_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		p, chat, msg, unix(tx.now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
