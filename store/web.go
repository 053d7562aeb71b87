package store

import (
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The web desk's sign-in (package web): a one-time login link, sent by /web
// in a private chat, becomes a session. Only the tokens' hashes are kept.
const (
	// LoginTTL is how long a login link works.
	LoginTTL = 10 * time.Minute
	// LoginsPerWindow login links per person in LoginWindow at the most.
	LoginsPerWindow = 5
	LoginWindow     = 10 * time.Minute
	// SessionTTL is how long a session lasts without being used; each use
	// extends it.
	SessionTTL = 12 * time.Hour
	// SessionMaxAge is the longest a session lasts, however much it is used.
	SessionMaxAge = 7 * 24 * time.Hour
)

// NewToken returns a random token: 32 bytes (256 bits) in URL-safe base64.
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// NewLogin makes a one-time login link's token for a person, valid for
// LoginTTL. More than LoginsPerWindow in LoginWindow are refused
// (ECONFLICT "web_login_limit").
func (tx *Tx) NewLogin(personID int64) (string, error) {
	var n int
	if err := tx.queryRow(`SELECT count(*) FROM web_logins WHERE person_id = ? AND created_at > ?`,
		personID, unix(tx.now.Add(-LoginWindow))).Scan(&n); err != nil {
		return "", fmt.Errorf("count login links: %w", err)
	}
	if n >= LoginsPerWindow {
		return "", Errorf(ECONFLICT, "web_login_limit", int(LoginWindow/time.Minute))
	}
	token := NewToken()
	if _, err := tx.exec(`INSERT INTO web_logins (token_hash, person_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		tokenHash(token), personID, unix(tx.now), unix(tx.now.Add(LoginTTL))); err != nil {
		return "", fmt.Errorf("insert login link: %w", err)
	}
	return token, nil
}

// UseLogin spends a login link's token and returns whose it was. A token
// unknown, used already or expired is EUNAUTHORIZED "web_login_bad".
func (tx *Tx) UseLogin(token string) (int64, error) {
	var id, person, expires int64
	var used sql.NullInt64
	err := tx.queryRow(`SELECT id, person_id, expires_at, used_at FROM web_logins WHERE token_hash = ?`, tokenHash(token)).
		Scan(&id, &person, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, Errorf(EUNAUTHORIZED, "web_login_bad")
	}
	if err != nil {
		return 0, fmt.Errorf("read login link: %w", err)
	}
	if used.Valid || unix(tx.now) >= expires {
		return 0, Errorf(EUNAUTHORIZED, "web_login_bad")
	}
	if _, err := tx.exec(`UPDATE web_logins SET used_at = ? WHERE id = ?`, unix(tx.now), id); err != nil {
		return 0, fmt.Errorf("spend login link: %w", err)
	}
	return person, nil
}

// WebSession is a signed-in browser.
type WebSession struct {
	ID       int64
	PersonID int64
	// CSRF is the session's token for forms: every POST must carry it.
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
	LastSeen  time.Time
}

// NewSession starts a session for a person and returns its token (the
// cookie's value) and the session.
func (tx *Tx) NewSession(personID int64) (string, *WebSession, error) {
	token := NewToken()
	s := &WebSession{PersonID: personID, CSRF: NewToken(), CreatedAt: tx.now, ExpiresAt: tx.now.Add(SessionTTL), LastSeen: tx.now}
	var err error
	s.ID, err = tx.insert(`INSERT INTO web_sessions (token_hash, person_id, csrf, created_at, expires_at, last_seen) VALUES (?, ?, ?, ?, ?, ?)`,
		tokenHash(token), personID, s.CSRF, unix(s.CreatedAt), unix(s.ExpiresAt), unix(s.LastSeen))
	if err != nil {
		return "", nil, fmt.Errorf("insert session: %w", err)
	}
	return token, s, nil
}

// Session returns the live session of a token, or EUNAUTHORIZED
// "web_session_bad" when there is none (unknown, expired, ended).
func (tx *Tx) Session(token string) (*WebSession, error) {
	var s WebSession
	var created, expires, seen int64
	err := tx.queryRow(`SELECT id, person_id, csrf, created_at, expires_at, last_seen FROM web_sessions WHERE token_hash = ?`, tokenHash(token)).
		Scan(&s.ID, &s.PersonID, &s.CSRF, &created, &expires, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(EUNAUTHORIZED, "web_session_bad")
	}
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	s.CreatedAt, s.ExpiresAt, s.LastSeen = fromUnix(created), fromUnix(expires), fromUnix(seen)
	if !tx.now.Before(s.ExpiresAt) {
		return nil, Errorf(EUNAUTHORIZED, "web_session_bad")
	}
	return &s, nil
}

// TouchSession records a session's use and extends it by SessionTTL, up to
// SessionMaxAge after it began. It writes at most once a minute.
func (tx *Tx) TouchSession(s *WebSession) error {
	if tx.now.Sub(s.LastSeen) < time.Minute {
		return nil
	}
	expires := tx.now.Add(SessionTTL)
	if max := s.CreatedAt.Add(SessionMaxAge); expires.After(max) {
		expires = max
	}
	_, err := tx.exec(`UPDATE web_sessions SET last_seen = ?, expires_at = ? WHERE id = ?`, unix(tx.now), unix(expires), s.ID)
	if err == nil {
		s.LastSeen, s.ExpiresAt = tx.now, expires
	}
	return err
}

// EndSession ends one session (signing out in the browser).
func (tx *Tx) EndSession(id int64) error {
	_, err := tx.exec(`DELETE FROM web_sessions WHERE id = ?`, id)
	return err
}

// EndSessions ends every session of a person (/web logout) and returns how
// many there were. Their unused login links stop working too.
func (tx *Tx) EndSessions(personID int64) (int, error) {
	res, err := tx.exec(`DELETE FROM web_sessions WHERE person_id = ?`, personID)
	if err != nil {
		return 0, fmt.Errorf("end sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	if _, err := tx.exec(`UPDATE web_logins SET used_at = ? WHERE person_id = ? AND used_at IS NULL`, unix(tx.now), personID); err != nil {
		return 0, fmt.Errorf("spend login links: %w", err)
	}
	return int(n), nil
}

// PruneWeb deletes expired sessions and login links older than a day.
func (tx *Tx) PruneWeb() error {
	if _, err := tx.exec(`DELETE FROM web_sessions WHERE expires_at <= ?`, unix(tx.now)); err != nil {
		return err
	}
	_, err := tx.exec(`DELETE FROM web_logins WHERE created_at < ?`, unix(tx.now.Add(-24*time.Hour)))
	return err
}

// A ticket has two pages, /web/t/TOKEN, each with its own token, which is
// the page's only key. The view page is read-only: its link is on the
// cards in resident groups, where anyone may read it. The reporter's page
// adds follow-ups, photos and the rating: its link is sent to the reporter
// alone, privately (a private chat, the service account), since whoever
// holds it acts as the reporter.

// TicketPageToken returns the token of a ticket's view page, or with
// reporter its reporter's page, making it the first time. A read
// transaction cannot make one: it is ENOTFOUND "no_ticket_page" there.
func (tx *Tx) TicketPageToken(ticketID int64, reporter bool) (string, error) {
	var view string
	var rep sql.NullString
	err := tx.queryRow(`SELECT token, reporter_token FROM ticket_pages WHERE ticket_id = ?`, ticketID).Scan(&view, &rep)
	switch {
	case err == nil && !reporter:
		return view, nil
	case err == nil && rep.Valid:
		return rep.String, nil
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return "", fmt.Errorf("read ticket page: %w", err)
	case tx.tx != nil:
		return "", Errorf(ENOTFOUND, "no_ticket_page") // a read transaction cannot make one
	case err == nil:
		// A page from before the reporter's own (migration 0021): its token
		// was posted in a group, so the reporter's is a new one.
		token := NewToken()
		if _, err := tx.exec(`UPDATE ticket_pages SET reporter_token = ? WHERE ticket_id = ?`, token, ticketID); err != nil {
			return "", fmt.Errorf("make reporter page: %w", err)
		}
		return token, nil
	}
	view, rep.String = NewToken(), NewToken()
	if _, err := tx.exec(`INSERT INTO ticket_pages (ticket_id, token, reporter_token, created_at) VALUES (?, ?, ?, ?)`,
		ticketID, view, rep.String, unix(tx.now)); err != nil {
		return "", fmt.Errorf("insert ticket page: %w", err)
	}
	if reporter {
		return rep.String, nil
	}
	return view, nil
}

// TicketByPageToken returns the ticket whose page token this is, and
// whether it is the reporter's page; ENOTFOUND "no_ticket_page" for a
// token of no page.
func (tx *Tx) TicketByPageToken(token string) (*Ticket, bool, error) {
	var id int64
	var reporter bool
	err := tx.queryRow(`SELECT ticket_id, reporter_token IS ? FROM ticket_pages WHERE token = ? OR reporter_token = ?`, token, token, token).
		Scan(&id, &reporter)
	if errors.Is(err, sql.ErrNoRows) || token == "" {
		return nil, false, Errorf(ENOTFOUND, "no_ticket_page")
	}
	if err != nil {
		return nil, false, fmt.Errorf("read ticket page: %w", err)
	}
	t, err := tx.Ticket(id)
	return t, reporter, err
}

// DeskQuery selects the tickets of the web desk's list.
type DeskQuery struct {
	// Communities are the communities listed (the staff member's, or the
	// one they picked); none lists nothing.
	Communities []int64
	// Statuses keeps tickets of these statuses; none: every status.
	Statuses   []string
	Kind       string // "" every kind
	AssigneeID int64  // 0 anyone's
	Overdue    bool   // active and past a due time
	// Text keeps tickets whose text contains it.
	Text string
	// Before lists tickets numbered below it (the next page); 0 from the newest.
	Before int64
	Limit  int
}

// DeskTickets lists the tickets of a query, newest first, at most Limit of
// them, and whether more follow (the next page starts before the last one).
// Each community is read on its own, newest first straight from an index
// (a list over several communities in one query would sort them all), and
// the pages are merged.
func (tx *Tx) DeskTickets(q DeskQuery) ([]*Ticket, bool, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	var all []*Ticket
	for _, c := range q.Communities {
		ts, err := tx.deskTickets(c, q)
		if err != nil {
			return nil, false, fmt.Errorf("list desk tickets: %w", err)
		}
		all = append(all, ts...)
	}
	slices.SortFunc(all, func(a, b *Ticket) int { return cmp.Compare(b.ID, a.ID) })
	more := len(all) > q.Limit
	if more {
		all = all[:q.Limit]
	}
	return all, more, nil
}

// deskTickets is one community's part of DeskTickets: Limit+1 tickets.
func (tx *Tx) deskTickets(community int64, q DeskQuery) ([]*Ticket, error) {
	where := []string{"community_id = ?"}
	args := []any{community}
	active := len(q.Statuses) > 0
	for _, s := range q.Statuses {
		active = active && (s == StatusOpen || s == StatusInProgress || s == StatusOnHold)
	}
	if q.Overdue {
		active = true
		where = append(where, "status <> 'on_hold' AND ((first_response_at IS NULL AND first_response_due <= ?) OR resolve_due <= ?)")
		args = append(args, unix(tx.now), unix(tx.now))
	}
	index := "tickets_community"
	if active {
		// The active ones, newest first, from their partial index: its
		// condition must be in the query word for word.
		index = "tickets_community_active"
		where = append(where, "status IN ('open', 'in_progress', 'on_hold')")
	}
	if len(q.Statuses) > 0 {
		where = append(where, "status IN ("+placeholders(len(q.Statuses))+")")
		for _, s := range q.Statuses {
			args = append(args, s)
		}
	}
	if q.Kind != "" {
		where = append(where, "kind = ?")
		args = append(args, q.Kind)
	}
	if q.AssigneeID != 0 {
		where = append(where, "assignee_id = ?")
		args = append(args, q.AssigneeID)
	}
	if q.Text != "" {
		where = append(where, "instr(text, ?) > 0")
		args = append(args, q.Text)
	}
	if q.Before > 0 {
		where = append(where, "id < ?")
		args = append(args, q.Before)
	}
	args = append(args, q.Limit+1)
	return queryAll(tx, scanTicket, `SELECT `+ticketCols+` FROM tickets INDEXED BY `+index+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT ?`, args...)
}

// DeskCounts counts the active tickets of communities by status (open,
// in_progress, on_hold) and those resolved and waiting for a rating.
func (tx *Tx) DeskCounts(communities []int64) (map[string]int, error) {
	out := map[string]int{}
	if len(communities) == 0 {
		return out, nil
	}
	args := make([]any, len(communities))
	for i, id := range communities {
		args[i] = id
	}
	err := tx.eachRow(func(rows *sql.Rows) error {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return err
		}
		out[s] = n
		return nil
	}, `SELECT status, count(*) FROM tickets INDEXED BY tickets_active WHERE status IN ('open', 'in_progress', 'on_hold', 'resolved')
		AND community_id IN (`+placeholders(len(communities))+`) GROUP BY status`, args...)
	return out, err
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
