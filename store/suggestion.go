package store

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// Suggestion is an anonymous suggestion (意见箱). Nothing in it, or anywhere
// else in the database, links it to the person who wrote it.
type Suggestion struct {
	ID          int64
	CommunityID int64
	Text        string
	Day         string // YYYY-MM-DD in UTC; no time of day
	Answer      string
	AnsweredAt  time.Time
	Public      bool
}

func receiptHash(code string) string {
	sum := sha256.Sum256([]byte("linli-receipt:" + strings.ToUpper(strings.TrimSpace(code))))
	return hex.EncodeToString(sum[:])
}

// AddSuggestion stores a suggestion under the hash of its receipt code (the
// code itself is only ever shown to the sender).
func (tx *Tx) AddSuggestion(communityID int64, text, receiptCode string) (*Suggestion, error) {
	if err := CheckTicketText(text); err != nil {
		return nil, err
	}
	day := tx.now.Format("2006-01-02")
	var id int64
	err := tx.queryRow(`INSERT INTO suggestions (community_id, text, day, receipt_hash) VALUES (?, ?, ?, ?) RETURNING id`,
		communityID, strings.TrimSpace(text), day, receiptHash(receiptCode)).Scan(&id)
	if err != nil {
		return nil, err
	}
	return tx.Suggestion(id)
}

const suggestionCols = `id, community_id, text, day, answer, answered_at, public`

func scanSuggestion(row interface{ Scan(...any) error }) (*Suggestion, error) {
	var s Suggestion
	var at sql.NullInt64
	if err := row.Scan(&s.ID, &s.CommunityID, &s.Text, &s.Day, &s.Answer, &at, &s.Public); err != nil {
		return nil, err
	}
	s.AnsweredAt = nullTime(at)
	return &s, nil
}

// Suggestion returns one suggestion.
func (tx *Tx) Suggestion(id int64) (*Suggestion, error) {
	s, err := scanSuggestion(tx.queryRow(`SELECT `+suggestionCols+` FROM suggestions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "no_suggestion", id)
	}
	return s, err
}

// SuggestionByReceipt finds a suggestion by the code its sender was given.
func (tx *Tx) SuggestionByReceipt(code string) (*Suggestion, error) {
	s, err := scanSuggestion(tx.queryRow(`SELECT `+suggestionCols+` FROM suggestions WHERE receipt_hash = ?`, receiptHash(code)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "no_receipt")
	}
	return s, err
}

// Suggestions lists a community's suggestions (every community's for 0), newest first.
func (tx *Tx) Suggestions(communityID int64, limit int) ([]*Suggestion, error) {
	return queryAll(tx, scanSuggestion, `SELECT `+suggestionCols+` FROM suggestions WHERE ? = 0 OR community_id = ? ORDER BY id DESC LIMIT ?`,
		communityID, communityID, limit)
}

// AnswerSuggestion records the office's answer.
func (tx *Tx) AnswerSuggestion(id int64, answer string, by *Person, public bool) error {
	if err := CheckTicketText(answer); err != nil {
		return err
	}
	_, err := tx.exec(`UPDATE suggestions SET answer = ?, answered_at = ?, answered_by = ?, public = ? WHERE id = ?`,
		strings.TrimSpace(answer), unix(tx.now), by.ID, public, id)
	return err
}
