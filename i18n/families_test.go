package i18n_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// Each lookup function, over every code it can be given: store's constants,
// and the codes store writes as literals (store/ticket.go: "created",
// "escalate_N" for levels 1 and 2).
func TestLookupsKnowEveryCode(t *testing.T) {
	actions := []string{"created", "escalate_1", "escalate_2"}
	for _, a := range []store.Action{store.ActTake, store.ActAssign, store.ActProgress, store.ActComment, store.ActHold,
		store.ActResolve, store.ActReopen, store.ActCancel, store.ActRate, store.ActClose, store.ActNote} {
		actions = append(actions, string(a))
	}
	scheduleKinds := []string{store.ScheduleAnnouncement, store.ScheduleSurvey, store.ScheduleActivity, store.ScheduleMeeting}
	kpis := []string{store.KPISatisfaction, store.KPIResolution, store.KPIParticipation}
	families := []struct {
		name  string
		codes []string
		look  func(string) (i18n.Key, bool)
	}{
		{"Kind", []string{store.KindRepair, store.KindComplaint}, total(i18n.Kind)},
		{"Status", []string{store.StatusOpen, store.StatusInProgress, store.StatusOnHold, store.StatusResolved, store.StatusClosed, store.StatusCancelled}, total(i18n.Status)},
		{"Why", []string{store.StatusOpen, store.StatusInProgress, store.StatusOnHold, store.StatusResolved, store.StatusClosed, store.StatusCancelled}, total(i18n.Why)},
		{"Refused", actions[3:], total(i18n.Refused)},
		{"Role", []string{store.RoleResident, store.RoleStaff, store.RoleManager}, total(i18n.Role)},
		{"Event", actions, total(i18n.Event)},
		{"ExportAction", actions, i18n.ExportAction},
		{"ScheduleKind", scheduleKinds, total(i18n.ScheduleKind)},
		{"Post", scheduleKinds, total(i18n.Post)},
		{"KPIName", kpis, total(i18n.KPIName)},
		{"KPITarget", kpis, total(i18n.KPITarget)},
		{"Category", []string{store.OtherCategory, "其他"}, i18n.Category},
		// The errors schedules/spec.go names by the field's index.
		{"Err", []string{"spec_range_0", "spec_range_1", "spec_range_2", "spec_range_3", "spec_range_4",
			"spec_value_0", "spec_value_1", "spec_value_2", "spec_value_3", "spec_value_4"}, i18n.Err},
	}
	for _, f := range families {
		distinct := map[i18n.Key]bool{}
		for _, code := range f.codes {
			k, ok := f.look(code)
			if !ok || !i18n.Has(k) {
				t.Errorf("%s(%q) = %v, which the catalogue does not have", f.name, code, k)
			}
			distinct[k] = true
		}
		if f.name != "Category" && len(distinct) != len(f.codes) {
			t.Errorf("%s gives %d keys for %d codes", f.name, len(distinct), len(f.codes))
		}
		if k, ok := f.look("no-such-code"); ok || i18n.Has(k) {
			t.Errorf("%s knows a code nobody has: %v", f.name, k)
		}
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		if k := i18n.Weekday(d); !i18n.Has(k) {
			t.Errorf("Weekday(%v) = %v, which the catalogue does not have", d, k)
		}
	}
	if got := i18n.T(i18n.English, i18n.Status(store.StatusOnHold)); got != "on hold (clock paused)" {
		t.Errorf("Status(on_hold) reads %q", got)
	}
}

// The complaint categories a new database holds (migration 0002 seeds
// them) are each named by Category.
func TestCategoryKnowsTheSeededCategories(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "linli.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var ks []store.ComplaintKeyword
	if err := db.View(context.Background(), func(tx *store.Tx) (err error) {
		ks, err = tx.ComplaintKeywords()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(ks) < 5 {
		t.Fatalf("the new database has %d keywords", len(ks))
	}
	for _, k := range ks {
		key, ok := i18n.Category(k.Category)
		if !ok {
			t.Errorf("the seeded category %q has no name in the catalogue", k.Category)
			continue
		}
		if zh := i18n.T(i18n.Chinese, key); zh != k.Category {
			t.Errorf("%q reads %q in Chinese", k.Category, zh)
		}
	}
}

func total(f func(string) i18n.Key) func(string) (i18n.Key, bool) {
	return func(code string) (i18n.Key, bool) { k := f(code); return k, i18n.Has(k) }
}
