package store

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// reportKinds counts, by kind, the tickets of a community opened and
// resolved in [f, t) and those still open at t.
//
// A ticket's status at t is the to_status of its last event before t: exact
// even for tickets reopened or closed later. Every event that changes a
// status stamps updated_at, so a ticket not updated since t is in its
// current status and only the tickets updated since need their events read.
// That keeps the report on the window's tickets and the open ones, instead
// of every ticket the community ever had.
func (tx *Tx) reportKinds(r *Report, communityID, f, t int64) error {
	add := func(field func(*KindFigures) *int) func(*sql.Rows) error {
		return func(rows *sql.Rows) error {
			var kind string
			var n int
			if err := rows.Scan(&kind, &n); err != nil {
				return err
			}
			k := r.Kinds[kind]
			*field(&k) += n
			r.Kinds[kind] = k
			return nil
		}
	}
	opened := func(k *KindFigures) *int { return &k.Opened }
	resolved := func(k *KindFigures) *int { return &k.Resolved }
	open := func(k *KindFigures) *int { return &k.Open }
	for _, q := range []struct {
		field func(*KindFigures) *int
		sql   string
	}{
		{opened, `SELECT kind, count(*) FROM tickets INDEXED BY tickets_community_opened
			WHERE community_id = ?1 AND created_at >= ?2 AND created_at < ?3 GROUP BY kind`},
		{resolved, `SELECT kind, count(*) FROM tickets INDEXED BY tickets_community_resolved
			WHERE community_id = ?1 AND resolved_at >= ?2 AND resolved_at < ?3 GROUP BY kind`},
		{open, `SELECT kind, count(*) FROM tickets INDEXED BY tickets_community_active
			WHERE status IN ('open', 'in_progress', 'on_hold') AND community_id = ?1 AND created_at < ?3 AND updated_at < ?3 GROUP BY kind`},
		{open, `SELECT t.kind, count(*) FROM tickets t INDEXED BY tickets_community_updated
			WHERE t.community_id = ?1 AND t.updated_at >= ?3 AND t.created_at < ?3 AND (
				SELECT e.to_status FROM ticket_events e INDEXED BY ticket_events_ticket_status
				WHERE e.ticket_id = t.id AND e.at < ?3 AND e.to_status <> '' ORDER BY e.id DESC LIMIT 1
			) IN ('open', 'in_progress', 'on_hold') GROUP BY t.kind`},
	} {
		if err := tx.eachRow(add(q.field), q.sql, communityID, f, t); err != nil {
			return err
		}
	}
	return nil
}

// reportOverdue counts a community's tickets with a deadline in [f, end)
// that was missed. A ticket on hold since before its deadline has its clock
// stopped, so it is not overdue; cancelled tickets are left out. The two
// deadlines are read from their own indexes, each holding what the check
// needs, and a ticket that missed both counts once.
func (tx *Tx) reportOverdue(communityID, f, end int64) (int, error) {
	var n int
	err := tx.queryRow(`SELECT count(*) FROM (
			SELECT id FROM tickets INDEXED BY tickets_community_first_due
			WHERE community_id = ?1 AND first_response_due >= ?2 AND first_response_due < ?3 AND status <> 'cancelled'
				AND (first_response_at IS NULL OR first_response_at > first_response_due)
				AND NOT (status = 'on_hold' AND hold_started_at IS NOT NULL AND hold_started_at <= first_response_due)
			UNION
			SELECT id FROM tickets INDEXED BY tickets_community_resolve_due
			WHERE community_id = ?1 AND resolve_due >= ?2 AND resolve_due < ?3 AND status <> 'cancelled'
				AND (resolved_at IS NULL OR resolved_at > resolve_due)
				AND NOT (status = 'on_hold' AND hold_started_at IS NOT NULL AND hold_started_at <= resolve_due)
		)`, communityID, f, end).Scan(&n)
	return n, err
}

// reportEvents holds the report figures that come from ticket events, for
// every community, over one window.
type reportEvents struct {
	escalated map[int64]int     // tickets escalated in the window
	ratings   map[int64]ratings // the ratings given in the window
	raters    map[int64][]int64 // who rated in the window
}

// ratings adds up ratings: how many, their sum, how many of 4 or 5.
type ratings struct{ n, sum, high int }

// raterJSON lists a community's raters as a JSON array, for json_each.
func (ev *reportEvents) raterJSON(communityID int64) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range ev.raters[communityID] {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteByte(']')
	return b.String()
}

// reportEvents reads the event figures of [f, t) for every community at
// once. Events carry no community, so reading them for one community would
// go over the whole window's events anyway; the monthly report, which asks
// for every community in turn, then reads them once. The result is kept for
// the transaction, until it writes an event (addEvent).
func (tx *Tx) reportEvents(f, t int64) (*reportEvents, error) {
	key := [2]int64{f, t}
	if ev := tx.reportMemo[key]; ev != nil {
		return ev, nil
	}
	ev := &reportEvents{escalated: map[int64]int{}, ratings: map[int64]ratings{}, raters: map[int64][]int64{}}
	err := tx.eachRow(func(rows *sql.Rows) error {
		var comm int64
		var n int
		if err := rows.Scan(&comm, &n); err != nil {
			return err
		}
		ev.escalated[comm] = n
		return nil
	}, `SELECT t.community_id, count(DISTINCT e.ticket_id)
		FROM ticket_events e INDEXED BY ticket_events_escalate JOIN tickets t INDEXED BY tickets_id_community ON t.id = e.ticket_id
		WHERE e.action IN ('escalate_1', 'escalate_2') AND e.at >= ?1 AND e.at < ?2 GROUP BY t.community_id`, f, t)
	if err != nil {
		return nil, err
	}

	// Ratings are history: each counts in the month it was given, even if
	// the ticket was reopened (which clears the ticket's rating) or rated
	// again since.
	seen := map[[2]int64]bool{}
	err = tx.eachRow(func(rows *sql.Rows) error {
		var comm int64
		var actor, rating sql.NullInt64
		if err := rows.Scan(&actor, &comm, &rating); err != nil {
			return err
		}
		if rating.Valid {
			rt := ev.ratings[comm]
			rt.n++
			rt.sum += int(rating.Int64)
			if rating.Int64 >= 4 {
				rt.high++
			}
			ev.ratings[comm] = rt
		}
		if actor.Valid && !seen[[2]int64{comm, actor.Int64}] {
			seen[[2]int64{comm, actor.Int64}] = true
			ev.raters[comm] = append(ev.raters[comm], actor.Int64)
		}
		return nil
	}, `SELECT e.actor_id, t.community_id, e.rating
		FROM ticket_events e INDEXED BY ticket_events_rate JOIN tickets t INDEXED BY tickets_id_community ON t.id = e.ticket_id
		WHERE e.action = 'rate' AND e.at >= ?1 AND e.at < ?2`, f, t)
	if err != nil {
		return nil, err
	}
	if tx.reportMemo == nil {
		tx.reportMemo = map[[2]int64]*reportEvents{}
	}
	tx.reportMemo[key] = ev
	return ev, nil
}

// reportResolution fills in the tickets resolved in [f, t): from creation to
// resolution, less the time on hold, and how many met both deadlines.
func (tx *Tx) reportResolution(r *Report, communityID, f, t int64) error {
	var resolutions []time.Duration
	err := tx.eachRow(func(rows *sql.Rows) error {
		var s int64
		var within bool
		if err := rows.Scan(&s, &within); err != nil {
			return err
		}
		resolutions = append(resolutions, time.Duration(max(s, 0))*time.Second)
		if within {
			r.WithinSLA++
		}
		return nil
	}, `SELECT resolved_at - created_at - held_seconds,
			resolved_at <= resolve_due AND first_response_at IS NOT NULL AND first_response_at <= first_response_due
		FROM tickets INDEXED BY tickets_community_resolved WHERE community_id = ? AND resolved_at >= ? AND resolved_at < ?`, communityID, f, t)
	if err != nil {
		return fmt.Errorf("report resolution: %w", err)
	}
	r.Resolution = spread(resolutions)
	return nil
}

// addRatings adds a community's ratings of the window to r. A rating counts
// in the month it was given, whatever happened to its ticket since.
func (ev *reportEvents) addRatings(r *Report, communityID int64) {
	rt := ev.ratings[communityID]
	r.Ratings += rt.n
	r.RatingSum += rt.sum
	r.RatingsHigh += rt.high
}

// reportParticipants counts the distinct residents who filed a ticket, rated
// one, signed up for an activity or raised an agenda item in [f, t): people
// who are neither staff nor a manager of the community.
func (tx *Tx) reportParticipants(communityID, f, t int64, ev *reportEvents) (int, error) {
	var n int
	if err := tx.queryRow(`SELECT count(DISTINCT x.pid) FROM (
			SELECT reporter_id AS pid FROM tickets INDEXED BY tickets_community_opened WHERE community_id = ?1 AND created_at >= ?2 AND created_at < ?3
			UNION SELECT value FROM json_each(?4)
			UNION SELECT s.person_id FROM activity_signups s JOIN activities a ON a.id = s.activity_id
				WHERE a.community_id = ?1 AND s.at >= ?2 AND s.at < ?3
			UNION SELECT person_id FROM agenda_items WHERE community_id = ?1 AND at >= ?2 AND at < ?3
		) x WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.person_id = x.pid
			AND m.role IN ('staff', 'manager') AND (m.community_id = ?1 OR m.community_id IS NULL))`, communityID, f, t, ev.raterJSON(communityID)).Scan(&n); err != nil {
		return 0, fmt.Errorf("report participation: %w", err)
	}
	return n, nil
}

// KPIReport computes only the figures the KPI comparison reads (store.KPIs:
// ratings, resolution times, participants) of a community over [from, to);
// the rest of the Report is left zero. It is the baseline month of a
// report, which needs no more, at a fraction of the cost.
func (tx *Tx) KPIReport(communityID int64, from, to time.Time) (*Report, error) {
	r := &Report{CommunityID: communityID, From: from, To: to, Kinds: map[string]KindFigures{KindRepair: {}, KindComplaint: {}}}
	f, t := unix(from), unix(to)
	ev, err := tx.reportEvents(f, t)
	if err != nil {
		return nil, err
	}
	ev.addRatings(r, communityID)
	if err := tx.reportResolution(r, communityID, f, t); err != nil {
		return nil, err
	}
	if r.Participants, err = tx.reportParticipants(communityID, f, t, ev); err != nil {
		return nil, err
	}
	return r, nil
}
