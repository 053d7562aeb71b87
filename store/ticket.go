package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linli/linli/bot"
)

// Ticket kinds.
const (
	KindRepair    = "repair"
	KindComplaint = "complaint"
)

// Ticket statuses (DESIGN.md §6).
const (
	StatusOpen       = "open"
	StatusInProgress = "in_progress"
	StatusOnHold     = "on_hold"
	StatusResolved   = "resolved"
	StatusClosed     = "closed"
	StatusCancelled  = "cancelled"
)

// MaxTicketText is the longest ticket text accepted, in characters.
const MaxTicketText = 2000

// Ticket is a repair request or a complaint.
type Ticket struct {
	ID               int64
	CommunityID      int64
	Kind             string
	Status           string
	Text             string
	ReporterID       int64
	OriginChatID     int64
	OriginMsgID      bot.MessageID
	OriginThread     string
	AssigneeID       int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
	FirstResponseAt  time.Time
	ResolvedAt       time.Time
	ClosedAt         time.Time
	FirstResponseDue time.Time
	ResolveDue       time.Time
	HoldStartedAt    time.Time
	Held             time.Duration
	EscalationLevel  int
	Rating           int
	RatingComment    string
	// StaffCard and ResidentCard are the outbox rows of the cards, so that
	// later changes can edit them in place.
	StaffCard    int64
	ResidentCard int64
	// MergedInto is the ticket a duplicate was merged into (Merge); 0 for
	// a ticket of its own.
	MergedInto int64
}

// Active reports whether the ticket still needs work.
func (t *Ticket) Active() bool {
	switch t.Status {
	case StatusOpen, StatusInProgress, StatusOnHold:
		return true
	}
	return false
}

const ticketCols = `id, community_id, kind, status, text, reporter_id, origin_chat_id, origin_msg_id, origin_thread,
	assignee_id, created_at, updated_at, first_response_at, resolved_at, closed_at, first_response_due, resolve_due,
	hold_started_at, held_seconds, escalation_level, rating, rating_comment, staff_card, resident_card, merged_into`

func scanTicket(row interface{ Scan(...any) error }) (*Ticket, error) {
	var t Ticket
	var assignee, firstResp, resolved, closed, holdStart, rating, staffCard, resCard, merged sql.NullInt64
	var created, updated, firstDue, resolveDue, held int64
	err := row.Scan(&t.ID, &t.CommunityID, &t.Kind, &t.Status, &t.Text, &t.ReporterID, &t.OriginChatID, &t.OriginMsgID, &t.OriginThread,
		&assignee, &created, &updated, &firstResp, &resolved, &closed, &firstDue, &resolveDue,
		&holdStart, &held, &t.EscalationLevel, &rating, &t.RatingComment, &staffCard, &resCard, &merged)
	if err != nil {
		return nil, err
	}
	t.AssigneeID = assignee.Int64
	t.CreatedAt, t.UpdatedAt = fromUnix(created), fromUnix(updated)
	t.FirstResponseAt, t.ResolvedAt, t.ClosedAt = nullTime(firstResp), nullTime(resolved), nullTime(closed)
	t.FirstResponseDue, t.ResolveDue = fromUnix(firstDue), fromUnix(resolveDue)
	t.HoldStartedAt = nullTime(holdStart)
	t.Held = time.Duration(held) * time.Second
	t.Rating = int(rating.Int64)
	t.StaffCard, t.ResidentCard = staffCard.Int64, resCard.Int64
	t.MergedInto = merged.Int64
	return &t, nil
}

// NewTicket is what a resident's message asks for.
type NewTicket struct {
	Community *Community
	Kind      string
	Text      string
	Reporter  *Person
	Chat      *Chat
	MsgID     bot.MessageID
	Thread    string
}

// CheckTicketText refuses empty and over-long ticket text.
func CheckTicketText(text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return Errorf(EINVALID, "empty_text")
	}
	if !utf8.ValidString(text) {
		return Errorf(EINVALID, "bad_text")
	}
	if n := utf8.RuneCountInString(text); n > MaxTicketText {
		return Errorf(EINVALID, "text_too_long", MaxTicketText, n)
	}
	return nil
}

// CreateTicket files a ticket with due times from the community's SLA and
// records the "created" event and a link from the resident's message.
func (tx *Tx) CreateTicket(n NewTicket) (*Ticket, error) {
	if n.Kind != KindRepair && n.Kind != KindComplaint {
		return nil, Errorf(EINVALID, "bad_kind")
	}
	if err := CheckTicketText(n.Text); err != nil {
		return nil, err
	}
	text := strings.TrimSpace(n.Text)
	now := tx.now
	created := fromUnix(unix(now))
	t := &Ticket{
		CommunityID: n.Community.ID, Kind: n.Kind, Status: StatusOpen, Text: text, ReporterID: n.Reporter.ID,
		OriginChatID: n.Chat.ID, OriginMsgID: n.MsgID, OriginThread: n.Thread, CreatedAt: created, UpdatedAt: created,
		FirstResponseDue: fromUnix(unix(now.Add(n.Community.FirstResponse))), ResolveDue: fromUnix(unix(now.Add(n.Community.Resolve))),
	}
	var err error
	t.ID, err = tx.insert(`INSERT INTO tickets (community_id, kind, status, text, reporter_id, origin_chat_id, origin_msg_id, origin_thread,
			created_at, updated_at, first_response_due, resolve_due)
		VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.CommunityID, t.Kind, t.Text, t.ReporterID, t.OriginChatID, t.OriginMsgID, t.OriginThread, unix(now), unix(now),
		unix(t.FirstResponseDue), unix(t.ResolveDue))
	if err != nil {
		return nil, fmt.Errorf("insert ticket: %w", err)
	}
	if err := tx.addEvent(t.ID, n.Reporter.ID, "created", "", StatusOpen, ""); err != nil {
		return nil, err
	}
	if n.MsgID != "" {
		if err := tx.LinkMessage(n.Chat.Platform, n.Chat.Key, n.MsgID, t.ID, "origin"); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Ticket returns a ticket by number.
func (tx *Tx) Ticket(id int64) (*Ticket, error) {
	t, err := scanTicket(tx.queryRow(`SELECT `+ticketCols+` FROM tickets WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "no_ticket", id)
	}
	return t, err
}

// TicketFilter selects tickets for listings.
type TicketFilter struct {
	CommunityID int64 // 0: every community
	ReporterID  int64
	AssigneeID  int64
	Active      bool // open, in progress or on hold
	Overdue     bool // active and past a due time
	Limit       int
}

// where is the filter's WHERE clause (with " WHERE ", or empty) and its arguments.
func (f TicketFilter) where(now time.Time) (string, []any) {
	var where []string
	var args []any
	if f.CommunityID != 0 {
		where = append(where, "community_id = ?")
		args = append(args, f.CommunityID)
	}
	if f.ReporterID != 0 {
		where = append(where, "reporter_id = ?")
		args = append(args, f.ReporterID)
	}
	if f.AssigneeID != 0 {
		where = append(where, "assignee_id = ?")
		args = append(args, f.AssigneeID)
	}
	if f.Active || f.Overdue {
		where = append(where, "status IN ('open', 'in_progress', 'on_hold')")
	}
	if f.Overdue {
		where = append(where, "status <> 'on_hold' AND ((first_response_at IS NULL AND first_response_due <= ?) OR resolve_due <= ?)")
		args = append(args, unix(now), unix(now))
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// Tickets lists tickets, newest first.
func (tx *Tx) Tickets(f TicketFilter) ([]*Ticket, error) {
	where, args := f.where(tx.now)
	q := `SELECT ` + ticketCols + ` FROM tickets`
	if f.CommunityID != 0 && (f.Active || f.Overdue) {
		// Newest first straight from the index; without statistics the
		// planner may take another of the community's indexes and sort.
		q += ` INDEXED BY tickets_community_active`
	}
	q += where + " ORDER BY id DESC"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return queryAll(tx, scanTicket, q, args...)
}

// CountTickets counts the tickets Tickets would list without a limit.
func (tx *Tx) CountTickets(f TicketFilter) (int, error) {
	where, args := f.where(tx.now)
	var n int
	err := tx.queryRow(`SELECT count(*) FROM tickets`+where, args...).Scan(&n)
	return n, err
}

// CountRecentTickets counts the tickets a person filed since a time (for the throttle).
func (tx *Tx) CountRecentTickets(reporterID int64, since time.Time) (int, error) {
	var n int
	err := tx.queryRow(`SELECT count(*) FROM tickets WHERE reporter_id = ? AND created_at >= ?`, reporterID, unix(since)).Scan(&n)
	return n, err
}

// Action is something done to a ticket.
type Action string

// Ticket actions. Each is allowed only from certain statuses (transitions).
const (
	ActTake     Action = "take"
	ActAssign   Action = "assign"
	ActProgress Action = "progress"
	ActComment  Action = "comment" // a staff reply or a resident's follow-up
	ActHold     Action = "hold"
	ActResolve  Action = "resolve"
	ActReopen   Action = "reopen"
	ActCancel   Action = "cancel"
	ActRate     Action = "rate"
	ActClose    Action = "close" // autoclose of a resolved ticket
	ActNote     Action = "note"  // a staff-only note: residents never see it
)

// transitions is the ticket lifecycle of DESIGN.md §6, in one place: for each
// action, the statuses it may start from and the status it leads to ("" keeps
// the status). Whatever is not listed is refused.
var transitions = map[Action]map[string]string{
	ActTake:     {StatusOpen: StatusInProgress, StatusInProgress: StatusInProgress, StatusOnHold: ""},
	ActAssign:   {StatusOpen: StatusInProgress, StatusInProgress: StatusInProgress, StatusOnHold: ""},
	ActProgress: {StatusOpen: StatusInProgress, StatusInProgress: StatusInProgress, StatusOnHold: StatusInProgress},
	ActComment:  {StatusOpen: "", StatusInProgress: "", StatusOnHold: "", StatusResolved: ""},
	ActHold:     {StatusOpen: StatusOnHold, StatusInProgress: StatusOnHold},
	ActResolve:  {StatusOpen: StatusResolved, StatusInProgress: StatusResolved, StatusOnHold: StatusResolved},
	ActReopen:   {StatusResolved: StatusInProgress, StatusClosed: StatusInProgress},
	ActCancel:   {StatusOpen: StatusCancelled},
	ActRate:     {StatusResolved: StatusClosed, StatusClosed: ""},
	ActClose:    {StatusResolved: StatusClosed},
	ActNote: {StatusOpen: "", StatusInProgress: "", StatusOnHold: "", StatusResolved: "", StatusClosed: "",
		StatusCancelled: ""},
}

// staffFirstResponse lists the actions that count as the first response when staff do them.
var staffFirstResponse = map[Action]bool{
	ActTake: true, ActAssign: true, ActProgress: true, ActComment: true, ActHold: true, ActResolve: true,
}

// Change is one action on a ticket.
type Change struct {
	Action   Action
	Actor    *Person // nil for the system (autoclose)
	Note     string
	Assignee *Person // for take and assign
	Rating   int     // for rate
}

// Apply performs a change on a ticket if the lifecycle allows it, stamps the
// clocks, records the event and returns the ticket as it is now. An action the
// ticket's status does not allow is refused with EINVALID "bad_transition".
func (tx *Tx) Apply(t *Ticket, c Change) (*Ticket, error) {
	allowed, ok := transitions[c.Action]
	if !ok {
		return nil, fmt.Errorf("unknown ticket action %q", c.Action)
	}
	to, ok := allowed[t.Status]
	if !ok {
		return nil, Errorf(EINVALID, "bad_transition", t.ID, string(c.Action), t.Status)
	}
	if to == "" {
		to = t.Status
	}
	if c.Action == ActRate {
		if c.Rating < 1 || c.Rating > 5 {
			return nil, Errorf(EINVALID, "bad_rating", t.ID)
		}
		if t.Rating != 0 {
			return nil, Errorf(ECONFLICT, "already_rated", t.ID)
		}
	}
	now := tx.now
	sets := []string{"status = ?", "updated_at = ?"}
	args := []any{to, unix(now)}
	set := func(col string, v any) {
		sets = append(sets, col+" = ?")
		args = append(args, v)
	}
	var actorID any
	if c.Actor != nil {
		actorID = c.Actor.ID
		if c.Actor.IsStaff() && staffFirstResponse[c.Action] && t.FirstResponseAt.IsZero() {
			set("first_response_at", unix(now))
		}
	}
	// Leaving on_hold adds the held time to both due times: the clocks stood still.
	if t.Status == StatusOnHold && to != StatusOnHold && !t.HoldStartedAt.IsZero() {
		held := now.Sub(t.HoldStartedAt)
		set("held_seconds", int64((t.Held+held)/time.Second))
		set("first_response_due", unix(t.FirstResponseDue.Add(held)))
		set("resolve_due", unix(t.ResolveDue.Add(held)))
		set("hold_started_at", nil)
	}
	if to == StatusOnHold && t.Status != StatusOnHold {
		set("hold_started_at", unix(now))
	}
	switch c.Action {
	case ActTake, ActAssign:
		if c.Assignee == nil {
			return nil, fmt.Errorf("%s without an assignee", c.Action)
		}
		set("assignee_id", c.Assignee.ID)
	case ActResolve:
		set("resolved_at", unix(now))
	case ActReopen:
		set("resolved_at", nil)
		set("closed_at", nil)
		set("rating", nil)
		set("rating_comment", "")
	case ActRate:
		set("rating", c.Rating)
		set("rating_comment", c.Note)
	}
	if to == StatusClosed && t.Status != StatusClosed {
		set("closed_at", unix(now))
	}
	if to == StatusCancelled {
		set("closed_at", unix(now))
	}
	args = append(args, t.ID)
	if _, err := tx.exec(`UPDATE tickets SET `+strings.Join(sets, ", ")+` WHERE id = ?`, args...); err != nil {
		return nil, fmt.Errorf("update ticket: %w", err)
	}
	note := c.Note
	if c.Action == ActRate {
		note = fmt.Sprintf("%d %s", c.Rating, c.Note)
	}
	if c.Assignee != nil && (c.Action == ActAssign || c.Action == ActTake) {
		note = strings.TrimSpace(c.Assignee.Label() + " " + note)
	}
	var rating any
	if c.Action == ActRate {
		rating = c.Rating // the event keeps the score: ratings are history
	}
	if err := tx.addRatedEvent(t.ID, actorID, string(c.Action), t.Status, to, strings.TrimSpace(note), rating); err != nil {
		return nil, err
	}
	return tx.Ticket(t.ID)
}

// Merge folds an active duplicate into an active ticket of the same
// community: the duplicate closes as merged into it (event "merged",
// naming it), its reporter and followers follow it, and the ticket records
// the duplicate (event "merge", naming it). actor is who merged them. It
// returns both as they are now.
func (tx *Tx) Merge(into, dup *Ticket, actor *Person) (*Ticket, *Ticket, error) {
	switch {
	case into.ID == dup.ID:
		return nil, nil, Errorf(EINVALID, "merge_self", into.ID)
	case into.CommunityID != dup.CommunityID:
		return nil, nil, Errorf(EINVALID, "merge_other_community", dup.ID, into.ID)
	case !into.Active():
		return nil, nil, Errorf(EINVALID, "bad_transition", into.ID, "merge", into.Status)
	case !dup.Active():
		return nil, nil, Errorf(EINVALID, "bad_transition", dup.ID, "merge", dup.Status)
	}
	now := unix(tx.now)
	if _, err := tx.exec(`UPDATE tickets SET status = 'closed', closed_at = ?, updated_at = ?, merged_into = ?, hold_started_at = NULL
		WHERE id = ?`, now, now, into.ID, dup.ID); err != nil {
		return nil, nil, fmt.Errorf("merge ticket: %w", err)
	}
	if _, err := tx.exec(`INSERT INTO ticket_followers (ticket_id, person_id, created_at)
		SELECT ?1, person_id, ?3 FROM (SELECT reporter_id AS person_id FROM tickets WHERE id = ?2
			UNION SELECT person_id FROM ticket_followers WHERE ticket_id = ?2)
		WHERE person_id <> (SELECT reporter_id FROM tickets WHERE id = ?1)
		ON CONFLICT DO NOTHING`, into.ID, dup.ID, now); err != nil {
		return nil, nil, fmt.Errorf("merge followers: %w", err)
	}
	var actorID any
	if actor != nil {
		actorID = actor.ID
	}
	if err := tx.addEvent(dup.ID, actorID, "merged", dup.Status, StatusClosed, fmt.Sprintf("#%d", into.ID)); err != nil {
		return nil, nil, err
	}
	if err := tx.addEvent(into.ID, actorID, "merge", into.Status, into.Status, fmt.Sprintf("#%d", dup.ID)); err != nil {
		return nil, nil, err
	}
	a, err := tx.Ticket(into.ID)
	if err != nil {
		return nil, nil, err
	}
	b, err := tx.Ticket(dup.ID)
	return a, b, err
}

// MergedFrom lists the tickets merged into a ticket, by number.
func (tx *Tx) MergedFrom(ticketID int64) ([]int64, error) {
	return queryAll(tx, func(row interface{ Scan(...any) error }) (id int64, err error) { return id, row.Scan(&id) },
		`SELECT id FROM tickets WHERE merged_into = ? ORDER BY id`, ticketID)
}

// SetEscalation records that a ticket reached an escalation level.
func (tx *Tx) SetEscalation(t *Ticket, level int, note string) error {
	if _, err := tx.exec(`UPDATE tickets SET escalation_level = ? WHERE id = ? AND escalation_level < ?`, level, t.ID, level); err != nil {
		return err
	}
	return tx.addEvent(t.ID, nil, fmt.Sprintf("escalate_%d", level), t.Status, t.Status, note)
}

// SetCards records the outbox rows of a ticket's cards (0 leaves one as it is).
func (tx *Tx) SetCards(ticketID, residentCard, staffCard int64) error {
	_, err := tx.exec(`UPDATE tickets SET
		resident_card = CASE WHEN ? <> 0 THEN ? ELSE resident_card END,
		staff_card = CASE WHEN ? <> 0 THEN ? ELSE staff_card END WHERE id = ?`,
		residentCard, residentCard, staffCard, staffCard, ticketID)
	return err
}

// Event is one entry of a ticket's history.
type Event struct {
	ID       int64
	TicketID int64
	ActorID  int64
	Action   string
	From, To string
	Note     string
	At       time.Time
}

func (tx *Tx) addEvent(ticketID int64, actorID any, action, from, to, note string) error {
	return tx.addRatedEvent(ticketID, actorID, action, from, to, note, nil)
}

// addRatedEvent is addEvent with a rating's score (nil for other events).
func (tx *Tx) addRatedEvent(ticketID int64, actorID any, action, from, to, note string, rating any) error {
	tx.reportMemo = nil // the report's event figures may change
	_, err := tx.exec(`INSERT INTO ticket_events (ticket_id, actor_id, action, from_status, to_status, note, at, rating) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		ticketID, actorID, action, from, to, note, unix(tx.now), rating)
	if err != nil {
		return fmt.Errorf("insert ticket event: %w", err)
	}
	return nil
}

// Events returns a ticket's history, oldest first.
func (tx *Tx) Events(ticketID int64) ([]*Event, error) {
	rows, err := tx.query(`SELECT id, ticket_id, actor_id, action, from_status, to_status, note, at FROM ticket_events WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Event
	for rows.Next() {
		var e Event
		var actor sql.NullInt64
		var at int64
		if err := rows.Scan(&e.ID, &e.TicketID, &actor, &e.Action, &e.From, &e.To, &e.Note, &at); err != nil {
			return nil, err
		}
		e.ActorID, e.At = actor.Int64, fromUnix(at)
		out = append(out, &e)
	}
	return out, rows.Err()
}

// LinkMessage records that a platform message belongs to a ticket.
func (tx *Tx) LinkMessage(p bot.PlatformID, chat bot.ChatID, msg bot.MessageID, ticketID int64, role string) error {
	_, err := tx.exec(`INSERT INTO ticket_links (platform, chat_key, msg_id, ticket_id, role) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, p, chat, msg, ticketID, role)
	return err
}

// TicketByMessage finds the ticket a platform message belongs to (0 when none).
func (tx *Tx) TicketByMessage(p bot.PlatformID, chat bot.ChatID, msg bot.MessageID) (int64, error) {
	var id int64
	err := tx.queryRow(`SELECT ticket_id FROM ticket_links WHERE platform = ? AND chat_key = ? AND msg_id = ?`, p, chat, msg).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// ResolvedByReporter returns the reporter's most recent resolved and unrated
// ticket (for a bare "评分 5" reply), or nil.
func (tx *Tx) ResolvedByReporter(reporterID int64) (*Ticket, error) {
	t, err := scanTicket(tx.queryRow(`SELECT `+ticketCols+` FROM tickets WHERE reporter_id = ? AND rating IS NULL
		AND status IN ('resolved', 'closed') ORDER BY resolved_at DESC, id DESC LIMIT 1`, reporterID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return t, err
}

// UnratedByReporter lists the reporter's resolved (or closed) and unrated
// tickets, the most recently resolved first, at most limit of them.
func (tx *Tx) UnratedByReporter(reporterID int64, limit int) ([]*Ticket, error) {
	return queryAll(tx, scanTicket, `SELECT `+ticketCols+` FROM tickets WHERE reporter_id = ? AND rating IS NULL
		AND status IN ('resolved', 'closed') ORDER BY resolved_at DESC, id DESC LIMIT ?`, reporterID, limit)
}

// TicketCount returns how many tickets were ever created (ids are never reused).
func (tx *Tx) TicketCount() (int64, error) {
	var n sql.NullInt64
	err := tx.queryRow(`SELECT max(id) FROM tickets`).Scan(&n)
	return n.Int64, err
}

// EscalationCounts returns how many tickets reached each escalation level.
func (tx *Tx) EscalationCounts() (map[int]int64, error) {
	rows, err := tx.query(`SELECT escalation_level, count(*) FROM tickets WHERE escalation_level > 0 GROUP BY escalation_level`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]int64{}
	for rows.Next() {
		var l int
		var n int64
		if err := rows.Scan(&l, &n); err != nil {
			return nil, err
		}
		// A ticket at level 2 has also passed level 1.
		for i := 1; i <= l; i++ {
			out[i] += n
		}
	}
	return out, rows.Err()
}
