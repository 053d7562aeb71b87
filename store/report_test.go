package store_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// reportFixture builds October and November 2026 of one community (times in
// Asia/Shanghai) and returns the database, its clock and the zone. Every
// figure the tests expect is worked out by hand in the comments.
//
// November:
//
//	T1 repair    li    created 11-02 09:00, taken 10:00 (1h), resolved 11-03 09:00 (24h), rated 5
//	T2 complaint tom   "楼下晚上太吵了" (噪音) created 11-05 20:00, progress 11-06 08:00 (12h), resolved 11-07 20:00 (48h), rated 4
//	T3 repair    wang  created 11-10 09:00, escalated 11-11 09:01, taken 11-12 09:00 (48h, late), resolved 11-13 09:00 (72h), autoclosed 11-16
//	T4 complaint li    "小区垃圾没人清理，电梯里也很脏" (电梯: the first keyword wins) created 11-15 10:00,
//	                   taken 10:30 (30m), held 11-16 10:00 to 11-18 10:00 (48h), resolved 11-23 10:00 (144h on the clock), rated 2
//	T5 complaint tom   "有人乱停车占用消防通道" (停车) created 11-20 09:00, never answered, escalated 1 and 2
//	T6 repair    li    created 11-28 09:00, taken 09:20 (20m), resolved 12-01 08:00 (after the month)
//	T7 complaint wang  "物业费太贵" (其他) created 11-29 09:00, cancelled 10:00
//	T8 repair    tom   created 10-28 09:00, taken 10:00, resolved 11-02 09:00 (120h), rated 5 on 11-02
//	T9 complaint zhao  "半夜装修噪音" (噪音) created 11-29 21:00, never answered (first reply due 11-30 21:00)
//
// October: O1 repair li 10-10 10:00, taken 12:00, resolved 10-12 10:00 (48h), rated 3;
// O2 repair tom 10-20 10:00, taken 11:00, resolved 10-21 10:00 (24h), rated 4.
//
// Also: an activity on 11-25 with sign-ups by li, wang and qian; agenda items by
// sun (a resident) and zhang (staff); expenses in November 维修 1200.50 and
// 99.50, 绿化 300, 保洁 500 (removed), in October 维修 1000, in December 维修 50.
func reportFixture(t *testing.T) (*store.DB, *clock, *time.Location, store.Community) {
	t.Helper()
	db, c := MustOpen(t)
	f := setup(t, db)
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, sh)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	do := func(when string, fn func(tx *store.Tx) error) {
		t.Helper()
		c.now = at(when)
		mustUpdate(t, db, fn)
	}
	people := map[string]*store.Person{"li": f.li, "zhang": f.zhang}
	do("2026-10-01 08:00", func(tx *store.Tx) error {
		for i, name := range []string{"tom", "wang", "zhao", "qian", "sun"} {
			p, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: bot.UserID(fmt.Sprint(10 + i)), Name: name, Chat: f.resident})
			if err != nil {
				return err
			}
			people[name] = p
		}
		return nil
	})
	msg := 0
	create := func(when, who, kind, text string) int64 {
		var id int64
		do(when, func(tx *store.Tx) error {
			msg++
			tk, err := tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: kind, Text: text, Reporter: people[who], Chat: f.resident, MsgID: bot.MessageID(fmt.Sprint("m", msg))})
			if tk != nil {
				id = tk.ID
			}
			return err
		})
		return id
	}
	act := func(when string, id int64, who string, a store.Action, rating int) {
		do(when, func(tx *store.Tx) error {
			tk, err := tx.Ticket(id)
			if err != nil {
				return err
			}
			ch := store.Change{Action: a, Actor: people[who], Rating: rating}
			if a == store.ActTake {
				ch.Assignee = people[who]
			}
			if a == store.ActClose {
				ch.Actor = nil
			}
			_, err = tx.Apply(tk, ch)
			return err
		})
	}
	escalate := func(when string, id int64, level int) {
		do(when, func(tx *store.Tx) error {
			tk, err := tx.Ticket(id)
			if err != nil {
				return err
			}
			return tx.SetEscalation(tk, level, "")
		})
	}
	r, cm := store.KindRepair, store.KindComplaint

	o1 := create("2026-10-10 10:00", "li", r, "水管漏水")
	act("2026-10-10 12:00", o1, "zhang", store.ActTake, 0)
	act("2026-10-12 10:00", o1, "zhang", store.ActResolve, 0)
	act("2026-10-12 11:00", o1, "li", store.ActRate, 3)
	o2 := create("2026-10-20 10:00", "tom", r, "门锁坏了")
	act("2026-10-20 11:00", o2, "zhang", store.ActTake, 0)
	act("2026-10-21 10:00", o2, "zhang", store.ActResolve, 0)
	act("2026-10-21 12:00", o2, "tom", store.ActRate, 4)
	t8 := create("2026-10-28 09:00", "tom", r, "窗户关不上")
	act("2026-10-28 10:00", t8, "zhang", store.ActTake, 0)

	t1 := create("2026-11-02 09:00", "li", r, "3号楼电梯按钮坏了")
	act("2026-11-02 09:00", t8, "zhang", store.ActResolve, 0)
	act("2026-11-02 10:00", t1, "zhang", store.ActTake, 0)
	act("2026-11-02 10:00", t8, "tom", store.ActRate, 5)
	act("2026-11-03 09:00", t1, "zhang", store.ActResolve, 0)
	act("2026-11-03 10:00", t1, "li", store.ActRate, 5)
	t2 := create("2026-11-05 20:00", "tom", cm, "楼下晚上太吵了")
	act("2026-11-06 08:00", t2, "zhang", store.ActProgress, 0)
	act("2026-11-07 20:00", t2, "zhang", store.ActResolve, 0)
	act("2026-11-08 09:00", t2, "tom", store.ActRate, 4)
	t3 := create("2026-11-10 09:00", "wang", r, "车库门禁坏了")
	escalate("2026-11-11 09:01", t3, 1)
	act("2026-11-12 09:00", t3, "zhang", store.ActTake, 0)
	act("2026-11-13 09:00", t3, "zhang", store.ActResolve, 0)
	act("2026-11-16 09:00", t3, "", store.ActClose, 0)
	t4 := create("2026-11-15 10:00", "li", cm, "小区垃圾没人清理，电梯里也很脏")
	act("2026-11-15 10:30", t4, "zhang", store.ActTake, 0)
	act("2026-11-16 10:00", t4, "zhang", store.ActHold, 0)
	act("2026-11-18 10:00", t4, "zhang", store.ActProgress, 0)
	act("2026-11-23 10:00", t4, "zhang", store.ActResolve, 0)
	act("2026-11-24 09:00", t4, "li", store.ActRate, 2)
	t5 := create("2026-11-20 09:00", "tom", cm, "有人乱停车占用消防通道")
	escalate("2026-11-21 09:01", t5, 1)
	escalate("2026-11-27 09:01", t5, 2)
	t6 := create("2026-11-28 09:00", "li", r, "楼道灯不亮")
	act("2026-11-28 09:20", t6, "zhang", store.ActTake, 0)
	t7 := create("2026-11-29 09:00", "wang", cm, "物业费太贵")
	act("2026-11-29 10:00", t7, "wang", store.ActCancel, 0)
	create("2026-11-29 21:00", "zhao", cm, "半夜装修噪音")
	act("2026-12-01 08:00", t6, "zhang", store.ActResolve, 0)

	var activity int64
	do("2026-11-10 12:00", func(tx *store.Tx) error {
		a, err := tx.AddActivity(store.Activity{CommunityID: f.comm.ID, Title: "包饺子", StartsAt: at("2026-11-25 14:00"), Capacity: 10})
		if a != nil {
			activity = a.ID
		}
		return err
	})
	for i, who := range []string{"li", "wang", "qian"} {
		do(fmt.Sprintf("2026-11-11 0%d:00", 7+i), func(tx *store.Tx) error {
			_, err := tx.JoinActivity(activity, people[who].ID)
			return err
		})
	}
	do("2026-11-20 12:00", func(tx *store.Tx) error {
		if _, _, err := tx.AddAgendaItem(f.comm.ID, people["sun"].ID, "增加充电桩"); err != nil {
			return err
		}
		_, _, err := tx.AddAgendaItem(f.comm.ID, people["zhang"].ID, "员工也有议题")
		return err
	})
	expense := func(when string, fen int64, cat string) int64 {
		var id int64
		do(when, func(tx *store.Tx) error {
			e, err := tx.AddExpense(store.Expense{CommunityID: f.comm.ID, AmountFen: fen, Category: cat, Text: "x"})
			if e != nil {
				id = e.ID
			}
			return err
		})
		return id
	}
	expense("2026-10-30 10:00", 100000, "维修")
	expense("2026-11-05 10:00", 120050, "维修")
	expense("2026-11-06 10:00", 30000, "绿化")
	expense("2026-11-20 10:00", 9950, "维修")
	gone := expense("2026-11-21 10:00", 50000, "保洁")
	do("2026-11-22 10:00", func(tx *store.Tx) error { return tx.RemoveExpense(gone, f.zhang.ID) })
	expense("2026-12-01 08:00", 5000, "维修")

	c.now = at("2026-12-01 09:00")
	return db, c, sh, *f.comm
}

func monthReport(t *testing.T, db *store.DB, comm store.Community, loc *time.Location, year int, month time.Month) *store.Report {
	t.Helper()
	from := time.Date(year, month, 1, 0, 0, 0, 0, loc)
	var r *store.Report
	mustUpdate(t, db, func(tx *store.Tx) (err error) {
		r, err = tx.Report(comm.ID, from, from.AddDate(0, 1, 0))
		return err
	})
	return r
}

func TestReportFixtureMonth(t *testing.T) {
	db, _, sh, comm := reportFixture(t)
	nov := monthReport(t, db, comm, sh, 2026, time.November)

	// Opened: T1 T3 T6 repairs, T2 T4 T5 T7 T9 complaints. Resolved in
	// November: T1 T3 T8 repairs, T2 T4 complaints (T6 only on 12-01). Open
	// on 11-30 24:00: T6 (in progress then, resolved since), T5 and T9.
	wantKinds := map[string]store.KindFigures{
		store.KindRepair:    {Opened: 3, Resolved: 3, Open: 1},
		store.KindComplaint: {Opened: 5, Resolved: 2, Open: 2},
	}
	if !reflect.DeepEqual(nov.Kinds, wantKinds) {
		t.Errorf("kinds = %+v, want %+v", nov.Kinds, wantKinds)
	}
	if got, want := nov.Totals(), (store.KindFigures{Opened: 8, Resolved: 5, Open: 3}); got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}
	// First replies in November: 20m (T6), 30m (T4), 1h (T1), 12h (T2), 48h (T3).
	// Median: the 3rd of 5 = 1h; p90: the ⌈4.5⌉ = 5th = 48h.
	if got, want := nov.FirstResponse, (store.Spread{Count: 5, Median: time.Hour, P90: 48 * time.Hour}); got != want {
		t.Errorf("first response = %+v, want %+v", got, want)
	}
	// Resolutions: 24h (T1), 48h (T2), 72h (T3), 120h (T8), 144h (T4: 8 days less 2 on hold).
	if got, want := nov.Resolution, (store.Spread{Count: 5, Median: 72 * time.Hour, P90: 144 * time.Hour}); got != want {
		t.Errorf("resolution = %+v, want %+v", got, want)
	}
	// Within both limits: T1, T2, T8, and T4 (its deadlines moved by the 48h
	// on hold); not T3 (its first reply was a day late).
	if nov.WithinSLA != 4 {
		t.Errorf("within SLA = %d, want 4", nov.WithinSLA)
	}
	// Missed deadlines falling in November: T3's first reply (11-11), T5's
	// (11-21; its resolve-by 11-27 too, one ticket), T9's (11-30 21:00). T7 was cancelled.
	if nov.Overdue != 3 {
		t.Errorf("overdue = %d, want 3", nov.Overdue)
	}
	if nov.Escalated != 2 {
		t.Errorf("escalated = %d, want 2 (T3, T5)", nov.Escalated)
	}
	// Ratings given in November: 5 (T8), 5 (T1), 4 (T2), 2 (T4): mean 4.0, three of four ≥ 4.
	if nov.Ratings != 4 || nov.RatingSum != 16 || nov.RatingsHigh != 3 || nov.MeanRating() != 4.0 {
		t.Errorf("ratings = %d sum %d high %d mean %v, want 4, 16, 3, 4.0", nov.Ratings, nov.RatingSum, nov.RatingsHigh, nov.MeanRating())
	}
	// Complaints: 噪音 T2 T9; 电梯 T4 (before 卫生's 垃圾 in the table); 停车 T5; 其他 T7 last.
	wantComplaints := []store.NamedCount{{"噪音", 2}, {"电梯", 1}, {"停车", 1}, {store.OtherCategory, 1}}
	if !reflect.DeepEqual(nov.Complaints, wantComplaints) {
		t.Errorf("complaints = %v, want %v", nov.Complaints, wantComplaints)
	}
	// Expenses: 维修 1200.50 + 99.50, 绿化 300; 保洁 was removed.
	wantExpenses := []store.NamedAmount{{"维修", 130000}, {"绿化", 30000}}
	if !reflect.DeepEqual(nov.Expenses, wantExpenses) || nov.ExpenseTotal != 160000 {
		t.Errorf("expenses = %v total %d, want %v total 160000", nov.Expenses, nov.ExpenseTotal, wantExpenses)
	}
	// Residents who filed (li tom wang zhao), rated (li tom), joined (li wang
	// qian) or raised a topic (sun; zhang is staff): six.
	if nov.Participants != 6 {
		t.Errorf("participants = %d, want 6", nov.Participants)
	}
	if nov.Activities != 1 || nov.Signups != 3 {
		t.Errorf("activities = %d with %d sign-ups, want 1 with 3", nov.Activities, nov.Signups)
	}

	oct := monthReport(t, db, comm, sh, 2026, time.October)
	wantOct := map[string]store.KindFigures{store.KindRepair: {Opened: 3, Resolved: 2, Open: 1}, store.KindComplaint: {}}
	if !reflect.DeepEqual(oct.Kinds, wantOct) {
		t.Errorf("October kinds = %+v, want %+v", oct.Kinds, wantOct)
	}
	if got, want := oct.Resolution, (store.Spread{Count: 2, Median: 36 * time.Hour, P90: 48 * time.Hour}); got != want {
		t.Errorf("October resolution = %+v, want %+v", got, want)
	}
	if oct.MeanRating() != 3.5 || oct.Participants != 2 || oct.ExpenseTotal != 100000 || oct.Overdue != 0 {
		t.Errorf("October: mean %v participants %d expenses %d overdue %d, want 3.5, 2, 100000, 0",
			oct.MeanRating(), oct.Participants, oct.ExpenseTotal, oct.Overdue)
	}

	// KPIs, November against October: satisfaction 4.0 vs 3.5 is +14.3%
	// (target +20%: not met); the median resolution went from 36h to 72h,
	// 100% slower (not met); participation 6 vs 2 is +200% (met).
	kpis := store.KPIs(nov, oct)
	want := []struct {
		name   string
		cur    float64
		prev   float64
		change float64
		status store.KPIStatus
	}{
		{store.KPISatisfaction, 4.0, 3.5, 0.5 / 3.5, store.KPINotMet},
		{store.KPIResolution, 72 * 3600, 36 * 3600, -1, store.KPINotMet},
		{store.KPIParticipation, 6, 2, 2, store.KPIMet},
	}
	for i, w := range want {
		k := kpis[i]
		if k.Name != w.name || k.Cur != w.cur || k.Prev != w.prev || k.Status != w.status || !near(k.Change, w.change) {
			t.Errorf("KPI %d = %+v, want %+v", i, k, w)
		}
	}

	// October against an empty September: no baseline for any of the three.
	sep := monthReport(t, db, comm, sh, 2026, time.September)
	for _, k := range store.KPIs(oct, sep) {
		if k.Status != store.KPINoBaseline {
			t.Errorf("October vs September %s = %v, want no baseline", k.Name, k.Status)
		}
	}
	// December so far (12-01 09:00): no ratings yet, so satisfaction has no
	// data; T6 resolved in 71h against November's 72h median: 1.4% faster, not met.
	dec := monthReport(t, db, comm, sh, 2026, time.December)
	dk := store.KPIs(dec, nov)
	if dk[0].Status != store.KPINoData {
		t.Errorf("December satisfaction = %v, want no data", dk[0].Status)
	}
	if dk[1].Status != store.KPINotMet || !near(dk[1].Change, 1.0/72) {
		t.Errorf("December resolution = %+v, want 1/72 faster, not met", dk[1])
	}
	if dec.ExpenseTotal != 5000 || dec.Kinds[store.KindRepair].Resolved != 1 {
		t.Errorf("December = %+v", dec)
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestKPITargetsAreInclusive(t *testing.T) {
	prev := &store.Report{Ratings: 2, RatingSum: 5, Participants: 10, Resolution: store.Spread{Count: 1, Median: 10 * time.Hour}}
	cur := &store.Report{Ratings: 2, RatingSum: 6, Participants: 14, Resolution: store.Spread{Count: 1, Median: 7 * time.Hour}}
	for _, k := range store.KPIs(cur, prev) {
		if k.Status != store.KPIMet {
			t.Errorf("%s exactly on target = %v (change %v), want met", k.Name, k.Status, k.Change)
		}
	}
}

func TestComplaintKeywordsAreEditable(t *testing.T) {
	db, _ := MustOpen(t)
	mustUpdate(t, db, func(tx *store.Tx) error {
		ks, err := tx.ComplaintKeywords()
		if err != nil {
			return err
		}
		if got := store.CategorizeComplaint(ks, "楼道里漏水了"); got != store.OtherCategory {
			t.Errorf("漏水 before editing = %q", got)
		}
		if got := store.CategorizeComplaint(ks, "The LIFT is stuck"); got != "电梯" {
			t.Errorf("LIFT = %q, want 电梯 (case-insensitive)", got)
		}
		if err := tx.SetComplaintKeyword("漏水", "维修"); err != nil {
			return err
		}
		if err := tx.SetComplaintKeyword("吵", "邻里"); err != nil { // moves an existing keyword
			return err
		}
		if err := tx.RemoveComplaintKeyword("lift"); err != nil {
			return err
		}
		if err := tx.RemoveComplaintKeyword("nothing"); store.ErrorCode(err) != store.ENOTFOUND {
			t.Errorf("removing an unknown keyword: %v", err)
		}
		if err := tx.SetComplaintKeyword("", "x"); store.ErrorCode(err) != store.EINVALID {
			t.Errorf("empty keyword: %v", err)
		}
		ks, err = tx.ComplaintKeywords()
		if err != nil {
			return err
		}
		for text, want := range map[string]string{"楼道里漏水了": "维修", "太吵了": "邻里", "The LIFT is stuck": store.OtherCategory} {
			if got := store.CategorizeComplaint(ks, text); got != want {
				t.Errorf("%q = %q, want %q", text, got, want)
			}
		}
		return nil
	})
}

// OtherCategory is a code no category a manager names can be: "其他" or
// "other" typed as a category stays the manager's own, and a blank
// category is refused.
func TestOtherCategoryIsACodeNoManagerTypes(t *testing.T) {
	db, _ := MustOpen(t)
	mustUpdate(t, db, func(tx *store.Tx) error {
		for _, c := range []string{"其他", "other"} {
			if err := tx.SetComplaintKeyword("关键词"+c, c); err != nil {
				return err
			}
		}
		if err := tx.SetComplaintKeyword("空", " "); store.ErrorCode(err) != store.EINVALID {
			t.Errorf("a blank category: %v", err)
		}
		ks, err := tx.ComplaintKeywords()
		if err != nil {
			return err
		}
		for text, want := range map[string]string{"有关键词其他的事": "其他", "关键词other": "other", "楼道里漏水了": store.OtherCategory} {
			if got := store.CategorizeComplaint(ks, text); got != want {
				t.Errorf("%q = %q, want %q", text, got, want)
			}
		}
		return nil
	})
	for _, c := range []string{"其他", "other", "电梯"} {
		if c == store.OtherCategory {
			t.Errorf("OtherCategory is the word %q", c)
		}
	}
}
