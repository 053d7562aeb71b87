package store_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// TestMigrationMakesMemberships applies 0013 to a database of the schema
// before it: every role and community becomes one membership row, and
// nothing that was known is lost.
func TestMigrationMakesMemberships(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	names, _ := filepath.Glob("migrations/*.sql")
	sort.Strings(names)
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := raw.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	mustExec(`CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`)
	for _, n := range names {
		if filepath.Base(n) >= "0013" {
			break
		}
		body, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		mustExec(string(body))
		mustExec(`INSERT INTO schema_migrations VALUES (?, 0)`, "migrations/"+filepath.Base(n))
	}
	mustExec(`INSERT INTO communities (id, name, created_at) VALUES (1, '阳光花园', 0), (2, '月亮湾', 0)`)
	mustExec(`INSERT INTO chats (id, platform, chat_key, kind, community_id, role, created_at) VALUES
		(1, 'telegram', '-100', 'group', 1, 'resident', 0), (2, 'telegram', '-200', 'group', 1, 'staff', 0),
		(3, 'telegram', '-110', 'group', 2, 'resident', 0)`)
	// key, role, community, group chat
	mustExec(`INSERT INTO people (id, platform, user_key, display_name, role, community_id, group_chat, created_at, last_seen_at) VALUES
		(1, 'telegram', '100', '王总', 'manager', NULL, '', 0, 0),
		(2, 'telegram', '101', '赵经理', 'manager', 1, '', 0, 0),
		(3, 'telegram', '200', '张师傅', 'staff', 1, '', 0, 0),
		(4, 'telegram', '201', '周师傅', 'staff', NULL, '', 0, 0),
		(5, 'telegram', '1', '李阿姨', 'resident', 1, '-100', 0, 0),
		(6, 'telegram', '2', 'Tom', 'resident', NULL, '-110', 0, 0),
		(7, 'telegram', '3', '路人', 'resident', NULL, '', 0, 0),
		(8, 'telegram', '202', '孙师傅', 'staff', 2, '-100', 0, 0)`)
	raw.Close()

	db, err := store.Open(ctx(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := map[string]store.Memberships{
		"100": {{CommunityID: 0, Role: store.RoleManager}},                                           // company-wide
		"101": {{CommunityID: 1, Role: store.RoleManager}},                                           // one community's manager
		"200": {{CommunityID: 1, Role: store.RoleStaff}},                                             // one community's staff
		"201": {{CommunityID: 0, Role: store.RoleStaff}},                                             // staff of no community: kept, sees nothing
		"1":   {{CommunityID: 1, Role: store.RoleResident}},                                          // resident with a community
		"2":   {{CommunityID: 2, Role: store.RoleResident}},                                          // seen in a bound resident group
		"202": {{CommunityID: 1, Role: store.RoleResident}, {CommunityID: 2, Role: store.RoleStaff}}, // staff, seen in another's group
	}
	mustUpdate(t, db, func(tx *store.Tx) error {
		for _, key := range []string{"100", "101", "200", "201", "1", "2", "3", "202"} {
			p, err := tx.PersonByKey(bot.Telegram, bot.UserID(key))
			if err != nil {
				return err
			}
			got, err := tx.Memberships(p.ID)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, want[key]) {
				t.Errorf("%s (%s): memberships %+v, want %+v", key, p.Name, got, want[key])
			}
		}
		// The old community stays as the last one seen, granting nothing.
		p, err := tx.PersonByKey(bot.Telegram, "200")
		if err != nil || p.LastCommunityID != 1 {
			t.Errorf("张师傅's last community = %+v, %v", p, err)
		}
		return nil
	})
	var cols []string
	rows, err := db.SQL().Query(`SELECT name FROM pragma_table_info('people')`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		rows.Scan(&c)
		cols = append(cols, c)
	}
	rows.Close()
	if slices.Contains(cols, "role") || slices.Contains(cols, "community_id") {
		t.Errorf("people still has the old columns: %v", cols)
	}
}

func TestMembershipRules(t *testing.T) {
	const a, b = 1, 2
	cases := []struct {
		name                       string
		ms                         store.Memberships
		roleA, roleB, role0        string
		anyStaff, anyManager, wide bool
		belongs                    bool
	}{
		{"nobody", nil, "", "", "", false, false, false, false},
		{"resident of A", store.Memberships{{a, store.RoleResident}}, store.RoleResident, "", "", false, false, false, true},
		{"staff of A", store.Memberships{{a, store.RoleStaff}}, store.RoleStaff, "", "", true, false, false, true},
		{"staff of A, resident of B", store.Memberships{{a, store.RoleStaff}, {b, store.RoleResident}}, store.RoleStaff, store.RoleResident, "", true, false, false, true},
		{"manager of B", store.Memberships{{b, store.RoleManager}}, "", store.RoleManager, "", true, true, false, true},
		{"company-wide", store.Memberships{{0, store.RoleManager}}, store.RoleManager, store.RoleManager, store.RoleManager, true, true, true, true},
		{"staff of no community", store.Memberships{{0, store.RoleStaff}}, "", "", "", false, false, false, false},
	}
	for _, c := range cases {
		ms := c.ms
		if got := [3]string{ms.Role(a), ms.Role(b), ms.Role(0)}; got != [3]string{c.roleA, c.roleB, c.role0} {
			t.Errorf("%s: roles in A, B, none = %q", c.name, got)
		}
		if ms.AnyStaff() != c.anyStaff || ms.AnyManager() != c.anyManager || ms.CompanyWide() != c.wide || ms.Belongs() != c.belongs {
			t.Errorf("%s: anyStaff=%v anyManager=%v companyWide=%v belongs=%v", c.name, ms.AnyStaff(), ms.AnyManager(), ms.CompanyWide(), ms.Belongs())
		}
		if ms.Staff(a) != (c.roleA == store.RoleStaff || c.roleA == store.RoleManager) || ms.Member(a) != (c.roleA != "") {
			t.Errorf("%s: Staff(A)=%v Member(A)=%v", c.name, ms.Staff(a), ms.Member(a))
		}
	}
}

func TestGrantAndRevoke(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	roles := func(tx *store.Tx, id int64) store.Memberships {
		ms, err := tx.Memberships(id)
		if err != nil {
			t.Fatal(err)
		}
		return ms
	}
	mustUpdate(t, db, func(tx *store.Tx) error {
		// 张师傅 is staff of 阳光花园 (setup); manager replaces staff there.
		if ok, err := tx.Grant(f.zhang.ID, f.comm.ID, store.RoleManager, f.li.ID); err != nil || !ok {
			t.Fatalf("grant manager = %v, %v", ok, err)
		}
		if got := roles(tx, f.zhang.ID); !reflect.DeepEqual(got, store.Memberships{{f.comm.ID, store.RoleManager}, {f.comm.ID, store.RoleResident}}) {
			t.Errorf("after manager: %+v", got)
		}
		// Staff is no news to a manager; a second grant is no news either.
		for _, role := range []string{store.RoleStaff, store.RoleManager} {
			if ok, err := tx.Grant(f.zhang.ID, f.comm.ID, role, 0); err != nil || ok {
				t.Errorf("grant %s again = %v, %v", role, ok, err)
			}
		}
		if _, err := tx.Grant(f.li.ID, 0, store.RoleStaff, 0); store.ErrorCode(err) != store.EINVALID {
			t.Errorf("staff of every community: err = %v", err)
		}
		if ok, err := tx.Revoke(f.zhang.ID, f.comm.ID, store.RoleManager); err != nil || !ok {
			t.Errorf("revoke = %v, %v", ok, err)
		}
		if ok, _ := tx.Revoke(f.zhang.ID, f.comm.ID, store.RoleManager); ok {
			t.Error("revoked twice")
		}
		if got := roles(tx, f.zhang.ID); got.Staff(f.comm.ID) || !got.Member(f.comm.ID) {
			t.Errorf("after revoke: %+v", got)
		}
		return nil
	})
}

// TestSightingsAddMembershipOnly: writing in a bound group makes someone a
// resident of its community, and never moves or grants another role.
func TestSightingsAddMembershipOnly(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	mustUpdate(t, db, func(tx *store.Tx) error {
		other, _, err := tx.CreateCommunity("月亮湾", "zh", "")
		if err != nil {
			return err
		}
		ch, err := tx.SeeChat(bot.Telegram, "-110", bot.Group, "月亮湾业主群")
		if err != nil {
			return err
		}
		if err := tx.BindChat(ch.ID, other.ID, store.RoleResidentChat); err != nil {
			return err
		}
		if ch, err = tx.ChatByID(ch.ID); err != nil {
			return err
		}
		// Staff of 阳光花园 writes in 月亮湾's group.
		p, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "2", Chat: ch})
		if err != nil {
			return err
		}
		want := store.Memberships{{f.comm.ID, store.RoleResident}, {f.comm.ID, store.RoleStaff}, {other.ID, store.RoleResident}}
		if !reflect.DeepEqual(p.Memberships, want) {
			t.Errorf("memberships after a sighting elsewhere = %+v, want %+v", p.Memberships, want)
		}
		if p.Memberships.Staff(other.ID) || !p.Memberships.Staff(f.comm.ID) {
			t.Error("the sighting moved the staff role")
		}
		if p.LastCommunityID != other.ID {
			t.Errorf("last community = %d", p.LastCommunityID)
		}
		// In a private chat nothing changes.
		private := &store.Chat{Platform: bot.Telegram, Key: "2", Kind: bot.Private}
		q, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "2", Chat: private})
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(q.Memberships, want) {
			t.Errorf("after a private message: %+v", q.Memberships)
		}
		return nil
	})
}

func TestPendingGrants(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	mustUpdate(t, db, func(tx *store.Tx) error {
		for _, g := range []store.PendingGrant{
			{Platform: bot.Telegram, CommunityID: f.comm.ID, Role: store.RoleStaff, Username: "@newbie", GrantedBy: f.li.ID},
			{Platform: bot.Telegram, CommunityID: f.comm.ID, Role: store.RoleStaff, Name: "王师傅", GrantedBy: f.li.ID},
			{Platform: bot.Telegram, CommunityID: f.comm.ID, Role: store.RoleManager, Name: "王师傅", GrantedBy: f.zhang.ID}, // replaces
		} {
			if _, err := tx.AddPendingGrant(g); err != nil {
				return err
			}
		}
		if _, err := tx.AddPendingGrant(store.PendingGrant{Platform: bot.Telegram, Role: store.RoleStaff, Name: "x", GrantedBy: f.li.ID}); store.ErrorCode(err) != store.EINVALID {
			t.Errorf("staff of every community pending: err = %v", err)
		}
		all, err := tx.PendingGrants([]int64{f.comm.ID})
		if err != nil {
			return err
		}
		if len(all) != 2 || all[1].Role != store.RoleManager || all[1].GrantedBy != f.zhang.ID {
			t.Errorf("pending = %+v", all)
		}
		// A name in the resident group is anyone's: it does not apply there.
		p, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "50", Name: "王师傅", Chat: f.resident})
		if err != nil {
			return err
		}
		if len(p.Granted) != 0 || p.Memberships.Staff(f.comm.ID) {
			t.Errorf("a name applied in the resident group: %+v", p)
		}
		// In the staff group it does, once; also for someone who wrote in
		// the resident group first.
		if _, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "51", Name: "王师傅", Chat: f.resident}); err != nil {
			return err
		}
		p, err = tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "51", Name: "王师傅", Chat: f.staff})
		if err != nil {
			return err
		}
		if len(p.Granted) != 1 || p.Granted[0].GrantedBy != f.zhang.ID || !p.Memberships.Manager(f.comm.ID) {
			t.Errorf("the name's grant in the staff group: granted %+v, memberships %+v", p.Granted, p.Memberships)
		}
		// A username applies in any of the community's groups, whatever the case.
		p, err = tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "52", Username: "NewBie", Name: "小新", Chat: f.resident})
		if err != nil {
			return err
		}
		if len(p.Granted) != 1 || p.Granted[0].Ref() != "@newbie" || !p.Memberships.Staff(f.comm.ID) {
			t.Errorf("the username's grant: granted %+v, memberships %+v", p.Granted, p.Memberships)
		}
		if left, _ := tx.PendingGrants([]int64{f.comm.ID}); len(left) != 0 {
			t.Errorf("applied grants still pending: %+v", left)
		}
		// Seen again: nothing more to apply.
		p, err = tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "52", Username: "NewBie", Chat: f.staff})
		if err != nil || len(p.Granted) != 0 {
			t.Errorf("seen again: %+v, %v", p, err)
		}
		// A grant can be withdrawn before it applies.
		if _, err := tx.AddPendingGrant(store.PendingGrant{Platform: bot.Telegram, CommunityID: f.comm.ID, Role: store.RoleStaff, Name: "刘师傅", GrantedBy: f.li.ID}); err != nil {
			return err
		}
		gone, err := tx.CancelPendingGrants(bot.Telegram, f.comm.ID, "刘师傅")
		if err != nil || len(gone) != 1 {
			t.Errorf("cancel = %+v, %v", gone, err)
		}
		return nil
	})
}

func TestManagersOfACommunityOnly(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	mustUpdate(t, db, func(tx *store.Tx) error {
		other, _, err := tx.CreateCommunity("月亮湾", "zh", "")
		if err != nil {
			return err
		}
		wide, err := tx.EnsureManager(bot.Telegram, "100", "王总", "100")
		if err != nil {
			return err
		}
		if !wide.Memberships.CompanyWide() {
			t.Errorf("bootstrap manager: %+v", wide.Memberships)
		}
		mine, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "101", Name: "赵经理"})
		if err != nil {
			return err
		}
		theirs, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "102", Name: "钱经理"})
		if err != nil {
			return err
		}
		tx.Grant(mine.ID, f.comm.ID, store.RoleManager, wide.ID)
		tx.Grant(theirs.ID, other.ID, store.RoleManager, wide.ID)
		names := func(ps []*store.Person) string {
			var s []string
			for _, p := range ps {
				s = append(s, p.Name)
			}
			return strings.Join(s, ",")
		}
		for _, c := range []struct {
			id   int64
			want string
		}{{f.comm.ID, "王总,赵经理"}, {other.ID, "王总,钱经理"}, {0, "王总"}} {
			ps, err := tx.ManagersOf(c.id)
			if err != nil {
				return err
			}
			if got := names(ps); got != c.want {
				t.Errorf("ManagersOf(%d) = %s, want %s", c.id, got, c.want)
			}
		}
		all, err := tx.Managers()
		if err != nil {
			return err
		}
		if got := names(all); got != "王总,赵经理,钱经理" {
			t.Errorf("Managers() = %s", got)
		}
		return nil
	})
}

// TestAccessRule is the ticket rule of store.Access, cell by cell.
func TestAccessRule(t *testing.T) {
	const a, b = 1, 2
	tk := &store.Ticket{ID: 7, CommunityID: a, ReporterID: 10, Kind: store.KindComplaint}
	people := map[string]*store.Person{
		"reporter":       {ID: 10, Memberships: store.Memberships{{a, store.RoleResident}}},
		"neighbour":      {ID: 11, Memberships: store.Memberships{{a, store.RoleResident}}},
		"other resident": {ID: 12, Memberships: store.Memberships{{b, store.RoleResident}}},
		"staff":          {ID: 13, Memberships: store.Memberships{{a, store.RoleStaff}}},
		"other staff":    {ID: 14, Memberships: store.Memberships{{b, store.RoleStaff}, {a, store.RoleResident}}},
		"unplaced staff": {ID: 15, Memberships: store.Memberships{{0, store.RoleStaff}}},
		"manager":        {ID: 16, Memberships: store.Memberships{{a, store.RoleManager}}},
		"other manager":  {ID: 17, Memberships: store.Memberships{{b, store.RoleManager}}},
		"company":        {ID: 18, Memberships: store.Memberships{{0, store.RoleManager}}},
		"stranger":       {ID: 19},
	}
	// scope 0 (a private chat), a (the ticket's group), b (another community's group)
	want := map[string][3]store.TicketAccess{
		"reporter":       {{Reporter: true, Member: true}, {Reporter: true, Member: true}, {}},
		"neighbour":      {{Member: true}, {Member: true}, {}},
		"other resident": {{}, {}, {}},
		"staff":          {{Staff: true, Member: true}, {Staff: true, Member: true}, {}},
		"other staff":    {{Member: true}, {Member: true}, {}},
		"unplaced staff": {{}, {}, {}},
		"manager":        {{Staff: true, Member: true}, {Staff: true, Member: true}, {}},
		"other manager":  {{}, {}, {}},
		"company":        {{Staff: true, Member: true}, {Staff: true, Member: true}, {}},
		"stranger":       {{}, {}, {}},
	}
	for name, p := range people {
		for i, scope := range []int64{0, a, b} {
			if got := store.Access(p, scope, tk, false); got != want[name][i] {
				t.Errorf("%s, scope %d: %+v, want %+v", name, scope, got, want[name][i])
			}
		}
	}
	// Only the reporter and staff read a complaint; a repair filed in a
	// group its members read too, one filed privately its followers only.
	repair := *tk
	repair.Kind = store.KindRepair
	for _, c := range []struct {
		acc          store.TicketAccess
		t            *store.Ticket
		public, want bool
	}{
		{store.TicketAccess{Member: true}, tk, true, false},
		{store.TicketAccess{Member: true, Follower: true}, tk, true, false},
		{store.TicketAccess{Staff: true}, tk, false, true},
		{store.TicketAccess{Reporter: true}, tk, false, true},
		{store.TicketAccess{Member: true}, &repair, true, true},
		{store.TicketAccess{Member: true}, &repair, false, false},
		{store.TicketAccess{Member: true, Follower: true}, &repair, false, true},
	} {
		if got := c.acc.SeesText(c.t, c.public); got != c.want {
			t.Errorf("%+v SeesText(%s, public=%v) = %v", c.acc, c.t.Kind, c.public, got)
		}
	}
}

func TestTicketForAndFollowers(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	mustUpdate(t, db, func(tx *store.Tx) error {
		li, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "1", Chat: f.resident})
		if err != nil {
			return err
		}
		tk, err := tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindRepair, Text: "电梯坏了", Reporter: li, Chat: f.resident, MsgID: "9"})
		if err != nil {
			return err
		}
		tom, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "3", Chat: f.resident})
		if err != nil {
			return err
		}
		stranger, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "4"})
		if err != nil {
			return err
		}
		if _, acc, err := tx.TicketFor(tom, 0, tk.ID); err != nil || acc != (store.TicketAccess{Member: true}) {
			t.Errorf("neighbour: %+v, %v", acc, err)
		}
		if _, err := tx.Follow(tk.ID, tom.ID); err != nil {
			return err
		}
		if _, acc, err := tx.TicketFor(tom, 0, tk.ID); err != nil || !acc.Follower {
			t.Errorf("follower: %+v, %v", acc, err)
		}
		if _, _, err := tx.TicketFor(stranger, 0, tk.ID); store.ErrorCode(err) != store.ENOTFOUND {
			t.Errorf("stranger: err = %v, want not found", err)
		}
		if _, _, err := tx.TicketFor(li, 99, tk.ID); store.ErrorCode(err) != store.ENOTFOUND {
			t.Errorf("reporter in another community's group: err = %v, want not found", err)
		}
		return nil
	})
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"李阿姨":                     "李阿姨",
		"\u202e姨阿李":               "姨阿李", // right-to-left override
		"张\u200b师\u200d傅\ufeff":   "张师傅", // zero-width space, joiner, BOM
		"\u2066王经理\u2069 (staff)": "王经理 (staff)",
		"  3-201\n李阿姨\t ":         "3-201 李阿姨",
		"Tom\u00ad":               "Tom", // soft hyphen
		"\u061c\u200e\u200f":      "",
		"3-201\u3000李阿姨":          "3-201 李阿姨",
	} {
		if got := store.CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
	p := &store.Person{Name: "\u202e理经王"}
	if p.Label() != "理经王" {
		t.Errorf("Label = %q", p.Label())
	}
}
