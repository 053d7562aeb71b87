package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/linli/linli/bot"
)

// AnnouncementKeep is how long posted announcements are kept for the board.
const AnnouncementKeep = 30 * 24 * time.Hour

// Announcement is an announcement as it was posted to a community.
type Announcement struct {
	ID          int64
	CommunityID int64
	Text        string
	PostedAt    time.Time
}

// AddAnnouncement records an announcement posted to a community now.
func (tx *Tx) AddAnnouncement(communityID int64, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	_, err := tx.exec(`INSERT INTO announcements (community_id, text, posted_at) VALUES (?, ?, ?)`, communityID, text, unix(tx.now))
	if err != nil {
		return fmt.Errorf("add announcement: %w", err)
	}
	return nil
}

// RecentAnnouncements lists a community's announcements of the last
// AnnouncementKeep, newest first.
func (tx *Tx) RecentAnnouncements(communityID int64, limit int) ([]Announcement, error) {
	rows, err := tx.query(`SELECT id, community_id, text, posted_at FROM announcements
		WHERE community_id = ? AND posted_at >= ? ORDER BY posted_at DESC, id DESC LIMIT ?`,
		communityID, unix(tx.now.Add(-AnnouncementKeep)), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Announcement
	for rows.Next() {
		var a Announcement
		var at int64
		if err := rows.Scan(&a.ID, &a.CommunityID, &a.Text, &at); err != nil {
			return nil, err
		}
		a.PostedAt = fromUnix(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// PruneAnnouncements removes announcements older than AnnouncementKeep.
func (tx *Tx) PruneAnnouncements() (int64, error) {
	res, err := tx.exec(`DELETE FROM announcements WHERE posted_at < ?`, unix(tx.now.Add(-AnnouncementKeep)))
	if err != nil {
		return 0, fmt.Errorf("prune announcements: %w", err)
	}
	return res.RowsAffected()
}

// Board is the bulletin board message kept in a resident group.
type Board struct {
	Platform    bot.PlatformID
	Chat        bot.ChatID
	CommunityID int64
	// OutID is the outbox row of the latest version; the next one edits it.
	OutID int64
	// Body is what the latest version shows, less its time stamp.
	Body string
	// PinnedMsg is the message known to be pinned ("" while none is).
	PinnedMsg bot.MessageID
	PinError  string
	// ToldAt is when managers were told the bot may not pin here.
	ToldAt    time.Time
	UpdatedAt time.Time
	// Msg is the platform's id of the latest version ("" until it is sent);
	// OutStatus is its row's status and OutPin whether that row asks to pin.
	Msg       bot.MessageID
	OutStatus string
	OutPin    bool
}

// NeedsPin reports whether the next version should ask to be pinned: the
// board's message is not known to be pinned (never was, the bot lacked the
// right, or the message was replaced), and no queued version asks already.
func (b *Board) NeedsPin() bool {
	if b.OutStatus == "pending" && b.OutPin {
		return false
	}
	return b.PinnedMsg == "" || (b.Msg != "" && b.Msg != b.PinnedMsg)
}

// Board returns the board of a chat, or nil if it has none.
func (tx *Tx) Board(p bot.PlatformID, chat bot.ChatID) (*Board, error) {
	b := Board{Platform: p, Chat: chat}
	var told sql.NullInt64
	var updated int64
	err := tx.queryRow(`SELECT b.community_id, b.out_id, b.body, b.pinned_msg, b.pin_error, b.told_at, b.updated_at,
			o.platform_msg_id, o.status, o.pin
		FROM boards b JOIN outbox o ON o.id = b.out_id
		WHERE b.platform = ? AND b.chat_key = ?`, p, chat).
		Scan(&b.CommunityID, &b.OutID, &b.Body, &b.PinnedMsg, &b.PinError, &told, &updated, &b.Msg, &b.OutStatus, &b.OutPin)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("board: %w", err)
	}
	b.ToldAt, b.UpdatedAt = nullTime(told), fromUnix(updated)
	return &b, nil
}

// SaveBoard records a new version of a chat's board: its outbox row and body.
func (tx *Tx) SaveBoard(p bot.PlatformID, chat bot.ChatID, communityID, outID int64, body string) error {
	_, err := tx.exec(`INSERT INTO boards (platform, chat_key, community_id, out_id, body, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (platform, chat_key) DO UPDATE SET
			community_id = excluded.community_id, out_id = excluded.out_id, body = excluded.body, updated_at = excluded.updated_at`,
		p, chat, communityID, outID, body, unix(tx.now))
	if err != nil {
		return fmt.Errorf("save board: %w", err)
	}
	return nil
}

// BoardPinned records how pinning a chat's board message went: pinned (cause
// ""), or not, with the reason. It reports whether managers should be told
// that the bot may not pin there: the first refusal (permanent) since the
// last successful pin; they are told once.
func (tx *Tx) BoardPinned(p bot.PlatformID, chat bot.ChatID, msg bot.MessageID, cause string, permanent bool) (bool, error) {
	if cause == "" {
		_, err := tx.exec(`UPDATE boards SET pinned_msg = ?, pin_error = '', told_at = NULL WHERE platform = ? AND chat_key = ?`, msg, p, chat)
		return false, err
	}
	if !permanent {
		_, err := tx.exec(`UPDATE boards SET pin_error = ? WHERE platform = ? AND chat_key = ?`, clip(cause, 300), p, chat)
		return false, err
	}
	res, err := tx.exec(`UPDATE boards SET pin_error = ?, told_at = ? WHERE platform = ? AND chat_key = ? AND told_at IS NULL`,
		clip(cause, 300), unix(tx.now), p, chat)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if n == 0 && err == nil {
		_, err = tx.exec(`UPDATE boards SET pin_error = ? WHERE platform = ? AND chat_key = ?`, clip(cause, 300), p, chat)
	}
	return n == 1, err
}
