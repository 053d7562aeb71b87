package store

import (
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// OtherCategory is the category of a complaint that matches no keyword: a
// code, not a word (the catalogue names it, i18n.Category). It is empty,
// which no keyword's category can be (SetComplaintKeyword refuses it), so
// no category a manager names is ever taken for it.
const OtherCategory = ""

// KindFigures counts one kind of ticket over a report's window.
type KindFigures struct {
	Opened   int // created in the window
	Resolved int // resolved in the window (and not reopened since)
	Open     int // open, in progress or on hold at the end of the window
}

// Spread summarises durations: how many, the median and the 90th percentile.
type Spread struct {
	Count  int
	Median time.Duration
	P90    time.Duration
}

// NamedCount is a category with a count.
type NamedCount struct {
	Name  string
	Count int
}

// NamedAmount is a category with an amount in fen.
type NamedAmount struct {
	Name string
	Fen  int64
}

// Report holds the figures of the monthly work report for one community over
// [From, To). Every figure is defined by the query that computes it below.
type Report struct {
	CommunityID int64
	From, To    time.Time
	// Kinds has an entry for "repair" and for "complaint".
	Kinds map[string]KindFigures
	// FirstResponse: tickets whose first staff response came in the window,
	// from creation to that response.
	FirstResponse Spread
	// Resolution: tickets resolved in the window, from creation to
	// resolution, less the time they spent on hold.
	Resolution Spread
	// WithinSLA counts the tickets resolved in the window that met both
	// deadlines (first response and resolution); the share is WithinSLA/Resolution.Count.
	WithinSLA int
	// Overdue counts tickets with a deadline in the window (and already
	// past) that was missed; time on hold does not count as missed.
	Overdue int
	// Escalated counts tickets the escalation job raised in the window.
	Escalated int
	// Ratings counts the ratings given in the window; RatingSum adds them up
	// and RatingsHigh counts those of 4 or 5.
	Ratings, RatingSum, RatingsHigh int
	// Complaints groups the complaints filed in the window by keyword
	// category, biggest first, OtherCategory last.
	Complaints []NamedCount
	// Expenses groups the window's expenses by category, biggest first.
	Expenses     []NamedAmount
	ExpenseTotal int64
	// Participants counts the distinct residents who filed a ticket, rated
	// one, signed up for an activity or raised an agenda item in the window.
	Participants int
	// Activities counts the activities held in the window; Signups their sign-ups.
	Activities, Signups int
	// Polls are the polls put to residents in the window, with their votes so far.
	Polls []PollResult
}

// MeanRating is the average rating, 0 without ratings.
func (r *Report) MeanRating() float64 {
	if r.Ratings == 0 {
		return 0
	}
	return float64(r.RatingSum) / float64(r.Ratings)
}

// Totals adds up the kinds.
func (r *Report) Totals() KindFigures {
	var t KindFigures
	for _, k := range r.Kinds {
		t.Opened += k.Opened
		t.Resolved += k.Resolved
		t.Open += k.Open
	}
	return t
}

// Report computes the report figures of a community over [from, to). A
// window reaching past now is reported as it stands now.
func (tx *Tx) Report(communityID int64, from, to time.Time) (*Report, error) {
	r := &Report{CommunityID: communityID, From: from, To: to, Kinds: map[string]KindFigures{KindRepair: {}, KindComplaint: {}}}
	f, t := unix(from), unix(to)
	end := t
	if now := unix(tx.now); now < end {
		end = now
	}

	// Opened, resolved and still open, by kind (reportKinds).
	if err := tx.reportKinds(r, communityID, f, t); err != nil {
		return nil, fmt.Errorf("report tickets: %w", err)
	}
	// What comes from ticket events (escalations, ratings, raters) is read
	// for every community of the window at once (reportEvents).
	ev, err := tx.reportEvents(f, t)
	if err != nil {
		return nil, err
	}

	var firsts []time.Duration
	err = tx.eachRow(func(rows *sql.Rows) error {
		var s int64
		if err := rows.Scan(&s); err != nil {
			return err
		}
		firsts = append(firsts, time.Duration(s)*time.Second)
		return nil
	}, `SELECT first_response_at - created_at FROM tickets
		WHERE community_id = ? AND first_response_at >= ? AND first_response_at < ?`, communityID, f, t)
	if err != nil {
		return nil, fmt.Errorf("report first response: %w", err)
	}
	r.FirstResponse = spread(firsts)

	if err := tx.reportResolution(r, communityID, f, t); err != nil {
		return nil, err
	}

	// Overdue: a deadline that fell in the window (before now) and was
	// missed (reportOverdue).
	if r.Overdue, err = tx.reportOverdue(communityID, f, end); err != nil {
		return nil, fmt.Errorf("report overdue: %w", err)
	}

	r.Escalated = ev.escalated[communityID]

	ev.addRatings(r, communityID)

	if r.Complaints, err = tx.complaintCategories(communityID, f, t); err != nil {
		return nil, err
	}

	err = tx.eachRow(func(rows *sql.Rows) error {
		var a NamedAmount
		if err := rows.Scan(&a.Name, &a.Fen); err != nil {
			return err
		}
		r.Expenses = append(r.Expenses, a)
		r.ExpenseTotal += a.Fen
		return nil
	}, `SELECT category, sum(amount_fen) AS total FROM expenses
		WHERE community_id = ? AND at >= ? AND at < ? AND deleted_at IS NULL
		GROUP BY category ORDER BY total DESC, min(id)`, communityID, f, t)
	if err != nil {
		return nil, fmt.Errorf("report expenses: %w", err)
	}

	if r.Participants, err = tx.reportParticipants(communityID, f, t, ev); err != nil {
		return nil, err
	}

	if err := tx.queryRow(`SELECT count(*), coalesce(sum((SELECT count(*) FROM activity_signups s WHERE s.activity_id = a.id)), 0)
		FROM activities a WHERE a.community_id = ? AND a.starts_at >= ? AND a.starts_at < ? AND a.cancelled_at IS NULL`,
		communityID, f, t).Scan(&r.Activities, &r.Signups); err != nil {
		return nil, fmt.Errorf("report activities: %w", err)
	}
	if r.Polls, err = tx.PollResults(communityID, from, to); err != nil {
		return nil, err
	}
	return r, nil
}

// spread computes the median (the mean of the two middle values for an even
// count) and the 90th percentile (nearest rank: the ⌈0.9·n⌉-th smallest).
func spread(ds []time.Duration) Spread {
	n := len(ds)
	if n == 0 {
		return Spread{}
	}
	slices.Sort(ds)
	s := Spread{Count: n}
	if n%2 == 1 {
		s.Median = ds[n/2]
	} else {
		s.Median = (ds[n/2-1] + ds[n/2]) / 2
	}
	s.P90 = ds[int(math.Ceil(0.9*float64(n)))-1]
	return s
}

// ComplaintKeyword sorts complaints that mention Keyword into Category.
type ComplaintKeyword struct {
	ID       int64
	Keyword  string
	Category string
}

// ComplaintKeywords lists the keyword table in matching order.
func (tx *Tx) ComplaintKeywords() ([]ComplaintKeyword, error) {
	var out []ComplaintKeyword
	err := tx.eachRow(func(rows *sql.Rows) error {
		var k ComplaintKeyword
		if err := rows.Scan(&k.ID, &k.Keyword, &k.Category); err != nil {
			return err
		}
		out = append(out, k)
		return nil
	}, `SELECT id, keyword, category FROM complaint_categories ORDER BY id`)
	return out, err
}

// SetComplaintKeyword adds a keyword, or moves an existing one to another category.
func (tx *Tx) SetComplaintKeyword(keyword, category string) error {
	keyword, category = strings.TrimSpace(keyword), strings.TrimSpace(category)
	if keyword == "" || utf8.RuneCountInString(keyword) > 20 || category == "" || utf8.RuneCountInString(category) > 20 {
		return Errorf(EINVALID, "bad_keyword")
	}
	_, err := tx.exec(`INSERT INTO complaint_categories (keyword, category) VALUES (?, ?)
		ON CONFLICT (keyword) DO UPDATE SET category = excluded.category`, keyword, category)
	return err
}

// RemoveComplaintKeyword deletes a keyword.
func (tx *Tx) RemoveComplaintKeyword(keyword string) error {
	res, err := tx.exec(`DELETE FROM complaint_categories WHERE keyword = ?`, strings.TrimSpace(keyword))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Errorf(ENOTFOUND, "no_keyword", keyword)
	}
	return nil
}

// CategorizeComplaint returns the category of the first keyword (in table
// order) that the text contains, ignoring case, or OtherCategory.
func CategorizeComplaint(keywords []ComplaintKeyword, text string) string {
	lower := strings.ToLower(text)
	for _, k := range keywords {
		if strings.Contains(lower, strings.ToLower(k.Keyword)) {
			return k.Category
		}
	}
	return OtherCategory
}

func (tx *Tx) complaintCategories(communityID, from, to int64) ([]NamedCount, error) {
	keywords, err := tx.ComplaintKeywords()
	if err != nil {
		return nil, err
	}
	rank := map[string]int64{} // a category's first keyword id, to order ties
	for _, k := range keywords {
		if _, ok := rank[k.Category]; !ok {
			rank[k.Category] = k.ID
		}
	}
	counts := map[string]int{}
	err = tx.eachRow(func(rows *sql.Rows) error {
		var text string
		if err := rows.Scan(&text); err != nil {
			return err
		}
		counts[CategorizeComplaint(keywords, text)]++
		return nil
	}, `SELECT text FROM tickets WHERE community_id = ? AND kind = 'complaint' AND created_at >= ? AND created_at < ?`, communityID, from, to)
	if err != nil {
		return nil, fmt.Errorf("report complaints: %w", err)
	}
	var out []NamedCount
	for name, n := range counts {
		out = append(out, NamedCount{name, n})
	}
	slices.SortFunc(out, func(a, b NamedCount) int {
		if (a.Name == OtherCategory) != (b.Name == OtherCategory) {
			if a.Name == OtherCategory {
				return 1
			}
			return -1
		}
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		if rank[a.Name] != rank[b.Name] {
			return int(rank[a.Name] - rank[b.Name])
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

// KPI targets of the plan: satisfaction up 20%, resolution 30% faster,
// participation up 40%, each against the previous month.
const (
	TargetSatisfaction  = 0.20
	TargetResolution    = 0.30
	TargetParticipation = 0.40
)

// KPI names.
const (
	KPISatisfaction  = "satisfaction"
	KPIResolution    = "resolution"
	KPIParticipation = "participation"
)

// KPIStatus says how a KPI line compares with its target.
type KPIStatus int

// KPI outcomes.
const (
	KPINoBaseline KPIStatus = iota // nothing to compare with last month
	KPINoData                      // nothing measured this month
	KPIMet
	KPINotMet
)

// KPILine is one of the plan's three targets, this month against the last.
type KPILine struct {
	Name string
	// Cur and Prev are the month's values: the mean rating, the median
	// resolution time in seconds, or the number of participants.
	Cur, Prev float64
	// Change is the improvement as a fraction of Prev (0.25 is 25% better:
	// higher for satisfaction and participation, faster for resolution).
	Change float64
	Target float64
	Status KPIStatus
}

// KPIs compares a month's report with the previous month's.
func KPIs(cur, prev *Report) []KPILine {
	line := func(name string, c, p float64, haveCur, havePrev bool, target float64, lowerIsBetter bool) KPILine {
		l := KPILine{Name: name, Cur: c, Prev: p, Target: target}
		switch {
		case !havePrev || p == 0:
			l.Status = KPINoBaseline
		case !haveCur:
			l.Status = KPINoData
		default:
			l.Change = (c - p) / p
			if lowerIsBetter {
				l.Change = (p - c) / p
			}
			l.Status = KPINotMet
			if l.Change >= target-1e-9 {
				l.Status = KPIMet
			}
		}
		return l
	}
	return []KPILine{
		line(KPISatisfaction, cur.MeanRating(), prev.MeanRating(), cur.Ratings > 0, prev.Ratings > 0, TargetSatisfaction, false),
		line(KPIResolution, cur.Resolution.Median.Seconds(), prev.Resolution.Median.Seconds(),
			cur.Resolution.Count > 0, prev.Resolution.Count > 0, TargetResolution, true),
		line(KPIParticipation, float64(cur.Participants), float64(prev.Participants), true, prev.Participants > 0, TargetParticipation, false),
	}
}
