package store

import (
	"database/sql"
	"fmt"
	"time"
)

// ExportData is what a month's workbook holds for one community: the tickets
// worked on in the window, their events, ratings, expenses and suggestions.
type ExportData struct {
	Community *Community
	From, To  time.Time
	// Now is when the data was read (a window reaching past it is partial).
	Now         time.Time
	Tickets     []ExportTicket
	Events      []ExportEvent
	Ratings     []ExportRating
	Expenses    []ExportExpense
	Suggestions []ExportSuggestion
}

// ExportTicket is a ticket as it stands now, with the names of its reporter
// and assignee (as Person.Label shows them; "" for no assignee).
type ExportTicket struct {
	Ticket
	Reporter string
	Assignee string
}

// ExportEvent is one event of a ticket. Actor is "" for the system.
type ExportEvent struct {
	TicketID int64
	At       time.Time
	Action   string
	Actor    string
	From, To string
	Note     string
}

// ExportRating is a ticket's rating, counted in the month it was given (the
// same rule as Report's ratings).
type ExportRating struct {
	TicketID int64
	Kind     string
	Rating   int
	Comment  string
	At       time.Time
	Assignee string
}

// ExportExpense is an expense with the name of whoever recorded it.
type ExportExpense struct {
	Expense
	RecordedBy string
}

// ExportSuggestion is an anonymous suggestion as the workbook shows it: the
// day it came in, its text and the answer. There is nothing else to show:
// suggestions carry no sender.
type ExportSuggestion struct {
	Day    string // YYYY-MM-DD
	Text   string
	Answer string
}

// personLabel is Person.Label in SQL, for the people row aliased p.
func personLabel(p string) string {
	return `CASE WHEN ` + p + `.display_name <> '' THEN ` + p + `.display_name
		WHEN ` + p + `.username <> '' THEN '@' || ` + p + `.username ELSE coalesce(` + p + `.user_key, '') END`
}

// Export reads a community's records over [from, to):
//   - tickets created in the window or with any event in it (a ticket carried
//     over from last month and resolved this month is in both months);
//   - the events in the window of the community's tickets;
//   - the ratings given in the window, each in the month it was given (a
//     reopened or re-rated ticket keeps its earlier ratings there);
//   - expenses dated in the window (removed ones left out);
//   - suggestions whose day falls within the dates of from and to, read in
//     their own location (a suggestion keeps only its day, not its time).
func (tx *Tx) Export(communityID int64, from, to time.Time) (*ExportData, error) {
	c, err := tx.CommunityByID(communityID)
	if err != nil {
		return nil, err
	}
	d := &ExportData{Community: c, From: from, To: to, Now: tx.now}
	f, t := unix(from), unix(to)

	rows, err := tx.query(`SELECT `+prefixCols("t", ticketCols)+`, `+personLabel("r")+`, coalesce(`+personLabel("a")+`, '')
		FROM tickets t
		JOIN people r ON r.id = t.reporter_id
		LEFT JOIN people a ON a.id = t.assignee_id
		WHERE t.community_id = ?1 AND ((t.created_at >= ?2 AND t.created_at < ?3)
			OR EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.at >= ?2 AND e.at < ?3))
		ORDER BY t.id`, communityID, f, t)
	if err != nil {
		return nil, fmt.Errorf("export tickets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var et ExportTicket
		var reporter, assignee string
		tk, err := scanTicket(scanTail{rows, []any{&reporter, &assignee}})
		if err != nil {
			return nil, fmt.Errorf("export tickets: %w", err)
		}
		et.Ticket, et.Reporter, et.Assignee = *tk, reporter, assignee
		d.Tickets = append(d.Tickets, et)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("export tickets: %w", err)
	}

	err = tx.eachRow(func(rows *sql.Rows) error {
		var e ExportEvent
		var at int64
		if err := rows.Scan(&e.TicketID, &at, &e.Action, &e.Actor, &e.From, &e.To, &e.Note); err != nil {
			return err
		}
		e.At = fromUnix(at)
		d.Events = append(d.Events, e)
		return nil
	}, `SELECT e.ticket_id, e.at, e.action, coalesce(`+personLabel("p")+`, ''), e.from_status, e.to_status, e.note
		FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id LEFT JOIN people p ON p.id = e.actor_id
		WHERE t.community_id = ? AND e.at >= ? AND e.at < ? ORDER BY e.at, e.id`, communityID, f, t)
	if err != nil {
		return nil, fmt.Errorf("export events: %w", err)
	}

	err = tx.eachRow(func(rows *sql.Rows) error {
		var r ExportRating
		var at int64
		if err := rows.Scan(&r.TicketID, &r.Kind, &r.Rating, &r.Comment, &at, &r.Assignee); err != nil {
			return err
		}
		r.At = fromUnix(at)
		d.Ratings = append(d.Ratings, r)
		return nil
	}, `SELECT t.id, t.kind, e.rating, trim(substr(e.note, 2)), e.at, coalesce(`+personLabel("a")+`, '')
		FROM ticket_events e INDEXED BY ticket_events_rate JOIN tickets t ON t.id = e.ticket_id
		LEFT JOIN people a ON a.id = t.assignee_id
		WHERE t.community_id = ? AND e.action = 'rate' AND e.rating IS NOT NULL AND e.at >= ? AND e.at < ? ORDER BY e.at, e.id`, communityID, f, t)
	if err != nil {
		return nil, fmt.Errorf("export ratings: %w", err)
	}

	err = tx.eachRow(func(rows *sql.Rows) error {
		var e ExportExpense
		var by sql.NullInt64
		var at int64
		if err := rows.Scan(&e.ID, &e.CommunityID, &e.AmountFen, &e.Category, &e.Text, &by, &at, &e.RecordedBy); err != nil {
			return err
		}
		e.CreatedBy, e.At = by.Int64, fromUnix(at)
		d.Expenses = append(d.Expenses, e)
		return nil
	}, `SELECT `+prefixCols("x", expenseCols)+`, coalesce(`+personLabel("p")+`, '')
		FROM expenses x LEFT JOIN people p ON p.id = x.created_by
		WHERE x.community_id = ? AND x.at >= ? AND x.at < ? AND x.deleted_at IS NULL ORDER BY x.at, x.id`, communityID, f, t)
	if err != nil {
		return nil, fmt.Errorf("export expenses: %w", err)
	}

	err = tx.eachRow(func(rows *sql.Rows) error {
		var s ExportSuggestion
		if err := rows.Scan(&s.Day, &s.Text, &s.Answer); err != nil {
			return err
		}
		d.Suggestions = append(d.Suggestions, s)
		return nil
	}, `SELECT day, text, answer FROM suggestions WHERE community_id = ? AND day >= ? AND day < ? ORDER BY day, id`,
		communityID, from.Format(time.DateOnly), to.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("export suggestions: %w", err)
	}
	return d, nil
}

// scanTail scans a row whose first columns are read by another scanner and
// whose last columns go to tail.
type scanTail struct {
	row  interface{ Scan(...any) error }
	tail []any
}

func (s scanTail) Scan(dest ...any) error { return s.row.Scan(append(dest, s.tail...)...) }

// DayFigures counts one day's tickets: opened (created that day), resolved
// (resolved that day and not reopened since) and, of those resolved, the ones
// that met both deadlines (Report's WithinSLA, day by day).
type DayFigures struct {
	Day                         time.Time // midnight, in the window's location
	Opened, Resolved, WithinSLA int
}

// DailyFigures counts a community's tickets day by day over [from, to), in
// from's location. Days that have not begun yet (after the transaction's
// now) are left out; the days returned add up to Report's totals.
func (tx *Tx) DailyFigures(communityID int64, from, to time.Time) ([]DayFigures, error) {
	loc := from.Location()
	var days []DayFigures
	index := map[string]int{}
	for d := from; d.Before(to) && !d.After(tx.now); d = d.AddDate(0, 0, 1) {
		index[d.Format(time.DateOnly)] = len(days)
		days = append(days, DayFigures{Day: d})
	}
	dayOf := func(s int64) (int, bool) {
		i, ok := index[fromUnix(s).In(loc).Format(time.DateOnly)]
		return i, ok
	}
	f, t := unix(from), unix(to)
	err := tx.eachRow(func(rows *sql.Rows) error {
		var created int64
		var resolved sql.NullInt64
		var within bool
		if err := rows.Scan(&created, &resolved, &within); err != nil {
			return err
		}
		if i, ok := dayOf(created); ok && created >= f && created < t {
			days[i].Opened++
		}
		if resolved.Valid && resolved.Int64 >= f && resolved.Int64 < t {
			if i, ok := dayOf(resolved.Int64); ok {
				days[i].Resolved++
				if within {
					days[i].WithinSLA++
				}
			}
		}
		return nil
	}, `SELECT created_at, resolved_at,
			coalesce(resolved_at <= resolve_due AND first_response_at IS NOT NULL AND first_response_at <= first_response_due, 0)
		FROM tickets WHERE community_id = ?1
			AND ((created_at >= ?2 AND created_at < ?3) OR (resolved_at >= ?2 AND resolved_at < ?3))`, communityID, f, t)
	if err != nil {
		return nil, fmt.Errorf("daily figures: %w", err)
	}
	return days, nil
}
