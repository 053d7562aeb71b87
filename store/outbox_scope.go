package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// Outbox lists a manager may ask for (OutboxFor).
const (
	OutboxPending = "pending" // waiting to go out, not held
	OutboxHeld    = "held"    // waiting for a service-account follower to write again
	OutboxFailed  = "failed"  // given up on: a manager may re-queue it
)

// OutboxScope says whose outbox rows a manager sees: those of the chats
// bound to Communities, or every row with All (a company-wide manager: the
// private chats and the groups not bound yet belong to no community).
// Anonymous suggestions' receipts are never listed: their chat would name
// who wrote the suggestion.
type OutboxScope struct {
	Communities []int64
	All         bool
}

// ScopedOutboxRow is an outbox row with the chat it goes to as the store
// knows it: its title and its community (0: none).
type ScopedOutboxRow struct {
	OutboxRow
	ChatTitle   string
	CommunityID int64
}

const scopedOutboxFrom = ` FROM outbox o LEFT JOIN chats c ON c.platform = o.platform AND c.chat_key = o.chat_key
	WHERE o.link_role <> 'anonymous' AND (?1 OR c.community_id IN (SELECT value FROM json_each(?2)))`

// outboxWhere is what each list adds to the scope's condition.
var outboxWhere = map[string]string{
	OutboxPending: ` AND o.status = 'pending' AND o.held_at = 0`,
	OutboxHeld:    ` AND o.status = 'pending' AND o.held_at > 0`,
	OutboxFailed:  ` AND o.status = 'failed'`,
}

func (s OutboxScope) args() (bool, string, error) {
	ids := s.Communities
	if ids == nil {
		ids = []int64{}
	}
	b, err := json.Marshal(ids)
	return s.All, string(b), err
}

// OutboxFor lists one of the outbox lists (OutboxPending, OutboxHeld,
// OutboxFailed) within a scope, newest first, and counts the whole list.
func (tx *Tx) OutboxFor(scope OutboxScope, list string, limit int) ([]ScopedOutboxRow, int, error) {
	where, ok := outboxWhere[list]
	if !ok {
		return nil, 0, fmt.Errorf("outbox list %q", list)
	}
	all, ids, err := scope.args()
	if err != nil {
		return nil, 0, err
	}
	var n int
	if err := tx.queryRow(`SELECT count(*)`+scopedOutboxFrom+where, all, ids).Scan(&n); err != nil {
		return nil, 0, fmt.Errorf("count outbox: %w", err)
	}
	rows, err := queryAll(tx, scanScoped, scopedOutboxCols+scopedOutboxFrom+where+` ORDER BY o.id DESC LIMIT ?3`, all, ids, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("list outbox: %w", err)
	}
	return rows, n, nil
}

// ScopedOutboxRowByID returns one outbox row if it is within the scope;
// any other is not found, as if there were no such row.
func (tx *Tx) ScopedOutboxRowByID(scope OutboxScope, id int64) (*ScopedOutboxRow, error) {
	all, ids, err := scope.args()
	if err != nil {
		return nil, err
	}
	r, err := scanScoped(tx.queryRow(scopedOutboxCols+scopedOutboxFrom+` AND o.id = ?3`, all, ids, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "no_outbox_row", id)
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// scopedOutboxCols are the columns scanScoped reads.
const scopedOutboxCols = `SELECT o.id, o.platform, o.chat_key, o.text, o.status, o.attempts, o.last_error, o.created_at, o.held_at,
		coalesce(c.title, ''), coalesce(c.community_id, 0)`

func scanScoped(row interface{ Scan(...any) error }) (ScopedOutboxRow, error) {
	var r ScopedOutboxRow
	var created, held int64
	err := row.Scan(&r.ID, &r.Platform, &r.Chat, &r.Text, &r.Status, &r.Attempts, &r.LastError, &created, &held, &r.ChatTitle, &r.CommunityID)
	r.CreatedAt, r.HeldSince = fromUnix(created), fromUnix(held)
	return r, err
}
