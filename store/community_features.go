package store

import (
	"database/sql"
	"errors"
	"time"
)

// Follow makes a person a co-reporter of a ticket ("me too"); it reports
// whether they were not following it already.
func (tx *Tx) Follow(ticketID, personID int64) (bool, error) {
	res, err := tx.exec(`INSERT INTO ticket_followers (ticket_id, person_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		ticketID, personID, unix(tx.now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Followers lists a ticket's co-reporters.
func (tx *Tx) Followers(ticketID int64) ([]*Person, error) {
	return queryAll(tx, scanPerson, `SELECT `+prefixCols("p", personCols)+` FROM ticket_followers f JOIN people p ON p.id = f.person_id
		WHERE f.ticket_id = ? ORDER BY f.created_at`, ticketID)
}

// TicketBrief is the little of a ticket that the duplicate hint compares.
type TicketBrief struct {
	ID, ReporterID int64
	Status, Text   string
	CreatedAt      time.Time
}

// Active reports whether the ticket still needs work.
func (t TicketBrief) Active() bool { return (&Ticket{Status: t.Status}).Active() }

const ticketBriefCols = `id, reporter_id, status, text, created_at`

func scanTicketBrief(row interface{ Scan(...any) error }) (TicketBrief, error) {
	var t TicketBrief
	var created int64
	err := row.Scan(&t.ID, &t.ReporterID, &t.Status, &t.Text, &created)
	t.CreatedAt = fromUnix(created)
	return t, err
}

// RecentActiveTickets lists a community's tickets created since a time that
// still need work, newest first (for the duplicate hint). It reads only what
// TicketBrief holds.
func (tx *Tx) RecentActiveTickets(communityID int64, since time.Time, limit int) ([]TicketBrief, error) {
	return queryAll(tx, scanTicketBrief, `SELECT `+ticketBriefCols+` FROM tickets
		WHERE community_id = ? AND status IN ('open', 'in_progress', 'on_hold') AND created_at >= ?
		ORDER BY created_at DESC LIMIT ? -- tickets_community_opened read backwards: no sort`,
		communityID, unix(since), limit)
}

// TicketBrief returns a ticket's number, reporter, status, text and time.
func (tx *Tx) TicketBrief(id int64) (*TicketBrief, error) {
	t, err := scanTicketBrief(tx.queryRow(`SELECT `+ticketBriefCols+` FROM tickets WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "no_ticket", id)
	} else if err != nil {
		return nil, err
	}
	return &t, nil
}

// Volunteer is someone on the volunteer roll.
type Volunteer struct {
	Person   *Person
	Skill    string
	JoinedAt time.Time
}

// JoinVolunteers puts a person on their community's roll (updating the skill).
func (tx *Tx) JoinVolunteers(p *Person, communityID int64, skill string) error {
	_, err := tx.exec(`INSERT INTO volunteers (person_id, community_id, skill, joined_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (person_id) DO UPDATE SET skill = excluded.skill, community_id = excluded.community_id`,
		p.ID, communityID, skill, unix(tx.now))
	return err
}

// LeaveVolunteers takes a person off the roll; it reports whether they were on it.
func (tx *Tx) LeaveVolunteers(personID int64) (bool, error) {
	res, err := tx.exec(`DELETE FROM volunteers WHERE person_id = ?`, personID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Volunteers lists a community's roll (every community's for 0).
func (tx *Tx) Volunteers(communityID int64) ([]Volunteer, error) {
	rows, err := tx.query(`SELECT `+prefixCols("p", personCols)+`, v.skill, v.joined_at FROM volunteers v JOIN people p ON p.id = v.person_id
		WHERE ? = 0 OR v.community_id = ? ORDER BY v.joined_at`, communityID, communityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Volunteer
	for rows.Next() {
		var v Volunteer
		var p Person
		var last any
		var joined int64
		if err := rows.Scan(&p.ID, &p.Platform, &p.Key, &p.Username, &p.Name, &last, &p.PrivateChat, &p.GroupChat, &v.Skill, &joined); err != nil {
			return nil, err
		}
		if c, ok := last.(int64); ok {
			p.LastCommunityID = c
		}
		v.Person, v.JoinedAt = &p, fromUnix(joined)
		out = append(out, v)
	}
	return out, rows.Err()
}
