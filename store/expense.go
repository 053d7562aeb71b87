package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxExpenseFen is the largest single expense accepted (100 million yuan): a
// bigger figure is a typo, and it keeps sums far from overflowing.
const MaxExpenseFen = 100_000_000 * 100

// Expense is money the property office spent, in fen (1/100 yuan).
type Expense struct {
	ID          int64
	CommunityID int64
	AmountFen   int64
	Category    string
	Text        string
	CreatedBy   int64
	At          time.Time
}

// AddExpense records an expense made now.
func (tx *Tx) AddExpense(e Expense) (*Expense, error) {
	if e.AmountFen <= 0 || e.AmountFen > MaxExpenseFen {
		return nil, Errorf(EINVALID, "bad_amount", fmt.Sprint(e.AmountFen))
	}
	e.Category = strings.TrimSpace(e.Category)
	e.Text = strings.TrimSpace(e.Text)
	if e.Category == "" || utf8.RuneCountInString(e.Category) > 20 {
		return nil, Errorf(EINVALID, "bad_expense_category")
	}
	if utf8.RuneCountInString(e.Text) > 200 {
		return nil, Errorf(EINVALID, "text_too_long", 200, utf8.RuneCountInString(e.Text))
	}
	var by any
	if e.CreatedBy != 0 {
		by = e.CreatedBy
	}
	at := e.At
	if at.IsZero() {
		at = tx.now
	}
	err := tx.queryRow(`INSERT INTO expenses (community_id, amount_fen, category, text, created_by, at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		e.CommunityID, e.AmountFen, e.Category, e.Text, by, unix(at)).Scan(&e.ID)
	if err != nil {
		return nil, fmt.Errorf("insert expense: %w", err)
	}
	e.At = fromUnix(unix(at))
	return &e, nil
}

const expenseCols = `id, community_id, amount_fen, category, text, created_by, at`

func scanExpense(row interface{ Scan(...any) error }) (*Expense, error) {
	var e Expense
	var by sql.NullInt64
	var at int64
	if err := row.Scan(&e.ID, &e.CommunityID, &e.AmountFen, &e.Category, &e.Text, &by, &at); err != nil {
		return nil, err
	}
	e.CreatedBy, e.At = by.Int64, fromUnix(at)
	return &e, nil
}

// Expense returns an expense that has not been removed.
func (tx *Tx) Expense(id int64) (*Expense, error) {
	e, err := scanExpense(tx.queryRow(`SELECT `+expenseCols+` FROM expenses WHERE id = ? AND deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "no_expense", id)
	}
	return e, err
}

// Expenses lists a community's expenses in [from, to), oldest first.
func (tx *Tx) Expenses(communityID int64, from, to time.Time) ([]*Expense, error) {
	return queryAll(tx, scanExpense, `SELECT `+expenseCols+` FROM expenses
		WHERE community_id = ? AND at >= ? AND at < ? AND deleted_at IS NULL ORDER BY at, id`, communityID, unix(from), unix(to))
}

// RemoveExpense marks an expense removed; the row is kept for the record.
func (tx *Tx) RemoveExpense(id, by int64) error {
	var who any
	if by != 0 {
		who = by
	}
	res, err := tx.exec(`UPDATE expenses SET deleted_at = ?, deleted_by = ? WHERE id = ? AND deleted_at IS NULL`, unix(tx.now), who, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Errorf(ENOTFOUND, "no_expense", id)
	}
	return nil
}
