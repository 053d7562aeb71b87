package store

import (
	"database/sql"
	"errors"

	"github.com/linli/linli/bot"
)

// Chat roles: a resident group, where residents file tickets, or the staff
// group, where staff see and answer them.
const (
	RoleResidentChat = "resident"
	RoleStaffChat    = "staff"
)

// Chat is a group or private chat the bot has seen.
type Chat struct {
	ID          int64
	Platform    bot.PlatformID
	Key         bot.ChatID
	Kind        bot.ChatKind
	Title       string
	CommunityID int64  // 0 when unbound
	Role        string // "resident", "staff", or "" when unbound
	Active      bool
}

// Bound reports whether the chat is bound to a community.
func (c *Chat) Bound() bool { return c.CommunityID != 0 && c.Role != "" }

const chatCols = `id, platform, chat_key, kind, title, community_id, role, active`

func scanChat(row interface{ Scan(...any) error }) (*Chat, error) {
	var c Chat
	var comm sql.NullInt64
	var role sql.NullString
	if err := row.Scan(&c.ID, &c.Platform, &c.Key, &c.Kind, &c.Title, &comm, &role, &c.Active); err != nil {
		return nil, err
	}
	c.CommunityID = comm.Int64
	c.Role = role.String
	return &c, nil
}

// SeeChat records a chat (creating it on first sight, refreshing its title,
// cleaned like a name) and returns it. It runs for every message, so it reads first and writes only
// when something changed.
func (tx *Tx) SeeChat(p bot.PlatformID, key bot.ChatID, kind bot.ChatKind, title string) (*Chat, error) {
	title = CleanName(title) // shown to managers: no bidi tricks
	c, err := tx.ChatByKey(p, key)
	switch {
	case err == nil:
		if title == "" || title == c.Title {
			return c, nil
		}
		if _, err := tx.exec(`UPDATE chats SET title = ? WHERE id = ?`, title, c.ID); err != nil {
			return nil, err
		}
		c.Title = title
		return c, nil
	case ErrorCode(err) != ENOTFOUND:
		return nil, err
	}
	c = &Chat{Platform: p, Key: key, Kind: kind, Title: title, Active: true}
	if c.ID, err = tx.insert(`INSERT INTO chats (platform, chat_key, kind, title, created_at) VALUES (?, ?, ?, ?, ?)`,
		p, key, kind, title, unix(tx.now)); err != nil {
		return nil, err
	}
	return c, nil
}

// ChatByKey returns a chat.
func (tx *Tx) ChatByKey(p bot.PlatformID, key bot.ChatID) (*Chat, error) {
	c, err := scanChat(tx.queryRow(`SELECT `+chatCols+` FROM chats WHERE platform = ? AND chat_key = ?`, p, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "no_chat")
	}
	return c, err
}

// ChatByID returns a chat.
func (tx *Tx) ChatByID(id int64) (*Chat, error) {
	c, err := scanChat(tx.queryRow(`SELECT `+chatCols+` FROM chats WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "no_chat")
	}
	return c, err
}

// BindChat binds a group to a community in a role and marks it active.
func (tx *Tx) BindChat(chatID, communityID int64, role string) error {
	if role != RoleResidentChat && role != RoleStaffChat {
		return Errorf(EINVALID, "bad_chat_role")
	}
	_, err := tx.exec(`UPDATE chats SET community_id = ?, role = ?, active = 1, note = '' WHERE id = ?`, communityID, role, chatID)
	return err
}

// UnbindChat removes a chat's binding; the bot then ignores it.
func (tx *Tx) UnbindChat(chatID int64) error {
	_, err := tx.exec(`UPDATE chats SET community_id = NULL, role = NULL WHERE id = ?`, chatID)
	return err
}

// SetChatActive marks a chat as one the bot can (or can no longer) post in.
func (tx *Tx) SetChatActive(chatID int64, active bool, note string) error {
	_, err := tx.exec(`UPDATE chats SET active = ?, note = ? WHERE id = ?`, active, note, chatID)
	return err
}

// CommunityChats lists the active chats bound to a community in a role.
func (tx *Tx) CommunityChats(communityID int64, role string) ([]*Chat, error) {
	return queryAll(tx, scanChat, `SELECT `+chatCols+` FROM chats WHERE community_id = ? AND role = ? AND active = 1 ORDER BY id`, communityID, role)
}

// MoveChat gives a chat a new key (a Telegram group upgraded to a supergroup):
// its binding, ticket links, people's group references, pending outbox rows,
// notice board and poll posts follow, so nothing is lost.
func (tx *Tx) MoveChat(p bot.PlatformID, from, to bot.ChatID) error {
	old, err := tx.ChatByKey(p, from)
	if store := ErrorCode(err); store != "" && store != ENOTFOUND || err != nil && store == "" {
		return err
	}
	if old == nil {
		// Never seen as a chat (only queued to): move what refers to it.
	} else if existing, err := tx.ChatByKey(p, to); err == nil {
		// The new chat already wrote to us; keep the old row's binding on it.
		if old.Bound() && !existing.Bound() {
			if err := tx.BindChat(existing.ID, old.CommunityID, old.Role); err != nil {
				return err
			}
		}
		if _, err := tx.exec(`UPDATE tickets SET origin_chat_id = ? WHERE origin_chat_id = ?`, existing.ID, old.ID); err != nil {
			return err
		}
		if err := tx.UnbindChat(old.ID); err != nil {
			return err
		}
		if err := tx.SetChatActive(old.ID, false, "migrated to "+string(to)); err != nil {
			return err
		}
	} else if ErrorCode(err) == ENOTFOUND {
		if _, err := tx.exec(`UPDATE chats SET chat_key = ?, active = 1 WHERE id = ?`, to, old.ID); err != nil {
			return err
		}
	} else {
		return err
	}
	for _, q := range []string{
		`UPDATE OR IGNORE ticket_links SET chat_key = ? WHERE platform = ? AND chat_key = ?`,
		`UPDATE OR IGNORE digest_links SET chat_key = ? WHERE platform = ? AND chat_key = ?`,
		`UPDATE outbox SET chat_key = ? WHERE platform = ? AND chat_key = ?`,
		`UPDATE outbox SET fallback_chat = ? WHERE platform = ? AND fallback_chat = ?`,
		`UPDATE people SET group_chat = ? WHERE platform = ? AND group_chat = ?`,
		`UPDATE OR IGNORE inbox SET chat_key = ? WHERE platform = ? AND chat_key = ?`,
		`UPDATE OR IGNORE boards SET chat_key = ? WHERE platform = ? AND chat_key = ?`,
		`UPDATE poll_posts SET chat_key = ? WHERE platform = ? AND chat_key = ?`,
	} {
		if _, err := tx.exec(q, to, p, from); err != nil {
			return err
		}
	}
	return nil
}

// BoundGroups lists the keys of a platform's active bound groups.
func (tx *Tx) BoundGroups(p bot.PlatformID) ([]string, error) {
	rows, err := tx.query(`SELECT chat_key FROM chats WHERE platform = ? AND kind = 'group' AND active = 1
		AND community_id IS NOT NULL AND role IS NOT NULL ORDER BY id`, p)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}
