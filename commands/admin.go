package commands

import (
	"fmt"
	"golang.org/x/text/width"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// bind binds the group it is typed in to a community (created if new). A
// manager binds only to a community they manage, and moves a group away
// only from one they manage; a community they create, they manage.
func (r *req) bind() error {
	f := Fields(r.p.Args)
	// A trailing "confirm" answers the question a move or a near-duplicate
	// name asked.
	confirmed := false
	if n := len(f); n > 1 && (strings.EqualFold(f[n-1], "confirm") || f[n-1] == "确认") {
		confirmed, f = true, f[:n-1]
	}
	if len(f) == 0 {
		return usage(i18n.UsageBind)
	}
	role := store.RoleResidentChat
	name := strings.Join(f, " ")
	if last := strings.ToLower(f[len(f)-1]); len(f) > 1 {
		switch last {
		case "resident", "业主", "业主群":
			name = strings.Join(f[:len(f)-1], " ")
		case "staff", "物业", "物业群", "员工":
			role, name = store.RoleStaffChat, strings.Join(f[:len(f)-1], " ")
		}
	}
	name = strings.Trim(name, `"“”「」 `)
	roles := r.me.Memberships
	if r.chat.Bound() && !roles.Manager(r.chat.CommunityID) {
		return store.Errorf(store.EUNAUTHORIZED, "bind_not_yours")
	}
	existing, err := r.tx.CommunityByName(name)
	if err == nil && !roles.Manager(existing.ID) {
		return store.Errorf(store.EUNAUTHORIZED, "bind_not_yours")
	} else if err != nil && store.ErrorCode(err) != store.ENOTFOUND {
		return err
	}
	again := fmt.Sprintf("/%s %s %s confirm", r.p.Cmd, quoteName(name), role)
	if existing == nil && !confirmed {
		// "SunnyGarden" when "Sunny Garden" exists is a typo, not a second community.
		like, err := r.similarCommunity(name)
		if err != nil {
			return err
		}
		if like != nil {
			return r.reply(r.t(i18n.BindSimilar, like.Name, name, fmt.Sprintf("/%s %s %s", r.p.Cmd, quoteName(like.Name), role), again))
		}
	}
	if r.chat.Bound() && !confirmed && (existing == nil || existing.ID != r.chat.CommunityID || r.chat.Role != role) {
		// Moving a group takes it from its community: its tickets stay
		// there, and its staff no longer hear of this group.
		old, err := r.tx.CommunityByID(r.chat.CommunityID)
		if err != nil {
			return err
		}
		open, err := r.tx.CountTickets(store.TicketFilter{CommunityID: old.ID, Active: true})
		if err != nil {
			return err
		}
		return r.reply(r.t(i18n.BindConfirmMove, old.Name, r.t(chatRoleName(r.chat.Role)), open, name, r.t(chatRoleName(role)), again))
	}
	comm, created, err := r.tx.CreateCommunity(name, r.s.cfg.Lang, "")
	if err != nil {
		return err
	}
	if created && !roles.CompanyWide() {
		if _, err := r.tx.Grant(r.me.ID, comm.ID, store.RoleManager, r.me.ID); err != nil {
			return err
		}
	}
	if err := r.tx.BindChat(r.chat.ID, comm.ID, role); err != nil {
		return err
	}
	r.setCommunity(comm)
	var msg []string
	var missed []*store.Ticket // for a staff group: the cards no staff group received
	if created {
		msg = append(msg, r.t(i18n.BindCreated, comm.Name))
	}
	if role == store.RoleStaffChat {
		msg = append(msg, r.t(i18n.BindStaff, comm.Name))
		if missed, err = r.s.desk.MissedTickets(r.tx, comm.ID); err != nil {
			return err
		}
		if len(missed) > 0 {
			msg = append(msg, r.t(i18n.BindMissed, len(missed)))
		}
	} else {
		msg = append(msg, r.t(i18n.BindResident, comm.Name))
	}
	if r.s.cfg.PrivacyMode(r.m.Platform) {
		msg = append(msg, r.t(i18n.BindPrivacy))
	}
	if err := r.reply(lines(msg...)); err != nil {
		return err
	}
	if len(missed) == 0 {
		return nil
	}
	chat, err := r.tx.ChatByID(r.chat.ID)
	if err != nil {
		return err
	}
	return r.s.desk.PostMissedCards(r.tx, chat, missed)
}

// quoteName quotes a community name with spaces, as a command takes it.
func quoteName(name string) string {
	if strings.ContainsFunc(name, unicode.IsSpace) {
		return `"` + name + `"`
	}
	return name
}

func chatRoleName(role string) i18n.Key {
	if role == store.RoleStaffChat {
		return i18n.ChatRoleStaff
	}
	return i18n.ChatRoleResident
}

// similarCommunity finds a community the manager runs whose name differs
// from name only in case, width, spaces or punctuation.
func (r *req) similarCommunity(name string) (*store.Community, error) {
	all, err := r.tx.Communities()
	if err != nil {
		return nil, err
	}
	want := nameKey(name)
	for _, c := range all {
		if r.me.Memberships.Manager(c.ID) && nameKey(c.Name) == want {
			return c, nil
		}
	}
	return nil, nil
}

// nameKey is a community name with case, full-width forms, spaces and
// punctuation folded away: "Sunny Garden", "SunnyGarden" and "ｓｕｎｎｙ-garden"
// give the same key.
func nameKey(name string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(width.Fold.String(name)) {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func (r *req) unbind() error {
	if !r.chat.Bound() {
		return r.reply(r.t(i18n.UnbindNotBound))
	}
	if !r.me.Memberships.Manager(r.chat.CommunityID) {
		return store.Errorf(store.EUNAUTHORIZED, "bind_not_yours")
	}
	if err := r.tx.UnbindChat(r.chat.ID); err != nil {
		return err
	}
	return r.reply(r.t(i18n.UnbindDone))
}

// roleWord reads "staff" or "manager" in either language.
func roleWord(s string) (string, bool) {
	switch strings.ToLower(s) {
	case "staff", "工作人员", "员工":
		return store.RoleStaff, true
	case "manager", "经理":
		return store.RoleManager, true
	}
	return "", false
}

// grantTarget is what /grant and /revoke name: a role (may be "" for
// /revoke), a person as typed, and a community (nil with all: every one).
type grantTarget struct {
	role string
	ref  string
	comm *store.Community
	all  bool
}

// where is the community's name, or "every community".
func (g grantTarget) where(lang string) string {
	if g.all {
		return i18n.T(lang, i18n.CommunityAll)
	}
	return g.comm.Name
}

func (g grantTarget) commID() int64 {
	if g.all {
		return 0
	}
	return g.comm.ID
}

// grantArgs reads "ROLE PERSON [COMMUNITY|all]". The person may hold
// spaces, or be quoted ("3-201 李阿姨"); the community is the longest tail
// of the words that names one, and may be left out when the manager runs
// only one community.
func (r *req) grantArgs(line i18n.Key, roleRequired bool) (grantTarget, error) {
	var g grantTarget
	f := Fields(r.p.Args)
	if len(f) > 0 {
		if role, ok := roleWord(f[0]); ok {
			g.role, f = role, f[1:]
		} else if roleRequired {
			return g, store.Errorf(store.EINVALID, "bad_role", truncate(f[0], 20))
		}
	}
	if g.role == "" && roleRequired {
		return g, usage(line)
	}
	roles := r.me.Memberships
	for k := 1; k < len(f) && g.comm == nil && !g.all; k++ {
		tail := strings.Join(f[k:], " ")
		if allWords[strings.ToLower(tail)] {
			if !roles.CompanyWide() {
				return g, store.Errorf(store.EUNAUTHORIZED, "grant_all_only")
			}
			g.all, f = true, f[:k]
			break
		}
		c, err := r.tx.CommunityByName(tail)
		if store.ErrorCode(err) == store.ENOTFOUND {
			continue
		} else if err != nil {
			return g, err
		}
		if !roles.Manager(c.ID) {
			return g, store.Errorf(store.ENOTFOUND, "no_community", c.Name)
		}
		g.comm, f = c, f[:k]
	}
	g.ref = strings.Join(f, " ")
	if g.ref == "" && r.m.ReplyToSender == "" {
		return g, usage(line)
	}
	if g.all && g.role == store.RoleStaff {
		return g, store.Errorf(store.EINVALID, "grant_needs_community")
	}
	if g.comm == nil && !g.all {
		managed, err := r.managedCommunities()
		if err != nil {
			return g, err
		}
		switch len(managed) {
		case 0:
			return g, store.Errorf(store.EINVALID, "grant_no_community")
		case 1:
			g.comm = managed[0]
		default:
			var names []string
			for _, c := range managed {
				names = append(names, c.Name)
			}
			return g, store.Errorf(store.EINVALID, "grant_which", strings.Join(names, r.t(i18n.ListSep)), "/"+string(r.p.Cmd), managed[0].Name)
		}
	}
	return g, nil
}

// grant gives someone the staff or manager role in one community (or, for
// a company-wide manager, every community). Someone not seen yet is
// looked up in the platform's directory (WeChat: the groups' members and
// the account's friends), or else the grant waits for their first message.
func (r *req) grant() error {
	g, err := r.grantArgs(i18n.UsageGrant, true)
	if err != nil {
		return err
	}
	p, err := r.personArg(g.ref, g.commID())
	if store.ErrorCode(err) == store.ENOTFOUND {
		if p, err = r.fromDirectory(g); err != nil {
			return err
		}
		if p == nil {
			return r.pendingGrant(g)
		}
	} else if err != nil {
		return err
	}
	if p == nil {
		return usage(i18n.UsageGrant)
	}
	roles, err := r.tx.Memberships(p.ID)
	if err != nil {
		return err
	}
	if roles.Role(g.commID()) == store.RoleManager || (g.role == store.RoleStaff && roles.Staff(g.commID())) {
		return r.reply(r.t(i18n.GrantAlready, p.Label(), g.where(r.lang), r.t(i18n.Role(roles.Role(g.commID())))))
	}
	if _, err := r.tx.Grant(p.ID, g.commID(), g.role, r.me.ID); err != nil {
		return err
	}
	msg := r.t(i18n.GrantDone, p.Label(), g.where(r.lang), r.t(i18n.Role(g.role)))
	if dir := r.s.cfg.Directories[p.Platform]; dir != nil {
		if friend, _ := dir.LookupName(string(p.Key), nil); !friend {
			msg = lines(msg, r.t(i18n.GrantFriendRule, p.Label()))
		}
	}
	return r.reply(msg)
}

// fromDirectory finds someone the bot has not seen yet in the platform's
// directory: a member of one of the community's bound groups, or a friend
// of the account. It returns nil when the platform has no directory or
// does not know the name.
func (r *req) fromDirectory(g grantTarget) (*store.Person, error) {
	dir := r.s.cfg.Directories[r.m.Platform]
	name := strings.TrimPrefix(strings.TrimSpace(g.ref), "@")
	if dir == nil || name == "" {
		return nil, nil
	}
	var groups []bot.ChatID
	var comms []int64
	if g.all {
		all, err := r.tx.Communities()
		if err != nil {
			return nil, err
		}
		for _, c := range all {
			comms = append(comms, c.ID)
		}
	} else {
		comms = []int64{g.comm.ID}
	}
	groupComm := map[bot.ChatID]int64{}
	for _, id := range comms {
		for _, role := range []string{store.RoleResidentChat, store.RoleStaffChat} {
			cs, err := r.tx.CommunityChats(id, role)
			if err != nil {
				return nil, err
			}
			for _, c := range cs {
				if c.Platform == r.m.Platform {
					groups = append(groups, c.Key)
					groupComm[c.Key] = id
				}
			}
		}
	}
	friend, in := dir.LookupName(name, groups)
	if !friend && len(in) == 0 {
		return nil, nil
	}
	// On such a platform a person is their name (bot/wechat): this is the
	// person their first message will come from.
	p, err := r.tx.SeePerson(store.Sighting{Platform: r.m.Platform, Key: bot.UserID(name), Name: name})
	if err != nil {
		return nil, err
	}
	for _, chat := range in {
		if _, err := r.tx.Grant(p.ID, groupComm[chat], store.RoleResident, 0); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// pendingGrant records a grant for someone not seen yet.
func (r *req) pendingGrant(g grantTarget) error {
	pg := store.PendingGrant{Platform: r.m.Platform, CommunityID: g.commID(), Role: g.role, GrantedBy: r.me.ID}
	ref := strings.TrimSpace(g.ref)
	msg := i18n.GrantPendingName
	if u, ok := strings.CutPrefix(ref, "@"); ok && r.s.cfg.Directories[r.m.Platform] == nil {
		pg.Username, msg = u, i18n.GrantPendingUsername
	} else {
		pg.Name = strings.TrimPrefix(ref, "@")
	}
	saved, err := r.tx.AddPendingGrant(pg)
	if err != nil {
		return err
	}
	return r.reply(r.t(msg, saved.Ref(), g.where(r.lang), r.t(i18n.Role(g.role))))
}

// revoke takes one role in one community back: /revoke [staff|manager]
// PERSON [COMMUNITY|all]. Without a role, the one they hold there. A grant
// still waiting for that name is cancelled.
func (r *req) revoke() error {
	g, err := r.grantArgs(i18n.UsageRevoke, false)
	if err != nil {
		return err
	}
	p, err := r.personArg(g.ref, g.commID())
	if store.ErrorCode(err) == store.ENOTFOUND {
		gone, cerr := r.tx.CancelPendingGrants(r.m.Platform, g.commID(), g.ref)
		if cerr != nil {
			return cerr
		}
		if len(gone) == 0 {
			return err
		}
		return r.reply(r.t(i18n.RevokePending, gone[0].Ref(), g.where(r.lang)))
	} else if err != nil {
		return err
	}
	if p == nil {
		return usage(i18n.UsageRevoke)
	}
	roles, err := r.tx.Memberships(p.ID)
	if err != nil {
		return err
	}
	role := g.role
	if role == "" {
		for _, x := range []string{store.RoleManager, store.RoleStaff} {
			if roles.Has(g.commID(), x) {
				role = x
				break
			}
		}
	}
	if role == store.RoleStaff && roles.Has(g.commID(), store.RoleManager) {
		// A manager is staff by being a manager: there is no staff role to
		// take back on its own.
		return r.reply(r.t(i18n.RevokeIsManager, p.Label(), g.where(r.lang)))
	}
	if role == store.RoleManager && roles.Has(g.commID(), store.RoleManager) {
		// A community (or the company) is never left without a manager:
		// nobody could grant or revoke there again.
		others, err := r.tx.ManagersOf(g.commID())
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(others, func(o *store.Person) bool { return o.ID != p.ID }) {
			return store.Errorf(store.EINVALID, "last_manager", p.Label(), g.where(r.lang))
		}
	}
	done := false
	if role != "" {
		if done, err = r.tx.Revoke(p.ID, g.commID(), role); err != nil {
			return err
		}
	}
	if !done {
		return r.reply(r.t(i18n.RevokeNone, p.Label(), g.where(r.lang)))
	}
	msg := r.t(i18n.RevokeDone, p.Label(), g.where(r.lang), r.t(i18n.Role(role)))
	if role == store.RoleManager && g.commID() != 0 {
		// Revoke takes back one role: a manager was staff too, and stays so.
		if _, err := r.tx.Grant(p.ID, g.commID(), store.RoleStaff, r.me.ID); err != nil {
			return err
		}
		msg = lines(msg, r.t(i18n.RevokeStillStaff, p.Label(), g.where(r.lang), p.Label()))
	}
	return r.reply(msg)
}

// roles lists the staff, managers and waiting grants of the communities the
// manager runs: /roles [COMMUNITY].
func (r *req) roles() error {
	var comms []*store.Community
	if name := strings.TrimSpace(r.p.Args); name != "" {
		c, err := r.managedCommunity(name)
		if err != nil {
			return err
		}
		comms = []*store.Community{c}
	} else {
		var err error
		if comms, err = r.managedCommunities(); err != nil {
			return err
		}
	}
	ids := make([]int64, len(comms))
	for i, c := range comms {
		ids[i] = c.ID
	}
	holders, err := r.tx.RoleHolders(ids)
	if err != nil {
		return err
	}
	pending, err := r.tx.PendingGrants(ids)
	if err != nil {
		return err
	}
	section := func(id int64, title string) []string {
		ls := []string{title}
		for _, role := range []string{store.RoleManager, store.RoleStaff} {
			var names []string
			for _, h := range holders {
				if h.CommunityID == id && h.Role == role {
					names = append(names, h.Person.Label())
				}
			}
			if len(names) > 0 {
				ls = append(ls, r.t(i18n.RolesLine, r.t(i18n.Role(role)), strings.Join(names, r.t(i18n.ListSep))))
			}
		}
		for _, pg := range pending {
			if pg.CommunityID == id {
				ls = append(ls, r.t(i18n.RolesPending, pg.Ref(), r.t(i18n.Role(pg.Role))))
			}
		}
		if len(ls) == 1 {
			ls = append(ls, r.t(i18n.RolesNobody))
		}
		return ls
	}
	var ls []string
	for _, c := range comms {
		ls = append(ls, section(c.ID, r.t(i18n.RolesTitle, c.Name))...)
	}
	if company := section(0, r.t(i18n.RolesTitle, r.t(i18n.CommunityAll))); len(company) > 2 || company[1] != r.t(i18n.RolesNobody) {
		ls = append(ls, company...)
	}
	return r.reply(lines(ls...))
}

// community shows, or with a name changes, the community a private chat
// acts in for someone who belongs to several.
func (r *req) community() error {
	name := strings.TrimSpace(r.p.Args)
	roles := r.me.Memberships
	if name == "" {
		if r.comm == nil {
			return r.reply(r.t(i18n.StrangerPrivate))
		}
		return r.reply(r.t(i18n.CommunityCurrent, r.comm.Name))
	}
	c, err := r.tx.CommunityByName(name)
	if err != nil {
		return err
	}
	if !roles.Member(c.ID) {
		return store.Errorf(store.ENOTFOUND, "no_community", c.Name)
	}
	if err := r.tx.SetLastCommunity(r.me.ID, c.ID); err != nil {
		return err
	}
	r.me.LastCommunityID = c.ID
	if err := r.focusOn(c.ID); err != nil {
		return err
	}
	return r.reply(r.t(i18n.CommunitySwitched, c.Name))
}

// sla sets a community's clocks: /sla COMMUNITY first=24h resolve=7d.
func (r *req) sla() error {
	f := Fields(r.p.Args)
	if len(f) == 0 {
		return usage(i18n.UsageSLA)
	}
	var first, resolve time.Duration
	// The limits echo as typed (24h stays 24h), the ones not given as stored.
	var firstText, resolveText string
	var nameParts []string
	for _, x := range f {
		k, v, ok := strings.Cut(x, "=")
		if !ok {
			nameParts = append(nameParts, x)
			continue
		}
		d, err := ParseDuration(v)
		if err != nil {
			return store.Errorf(store.EINVALID, "bad_sla")
		}
		switch strings.ToLower(k) {
		case "first", "首次":
			first, firstText = d, strings.ToLower(strings.TrimSpace(foldWidth(v)))
		case "resolve", "解决":
			resolve, resolveText = d, strings.ToLower(strings.TrimSpace(foldWidth(v)))
		default:
			return store.Errorf(store.EINVALID, "bad_sla")
		}
	}
	if len(nameParts) == 0 {
		return usage(i18n.UsageSLA)
	}
	comm, err := r.managedCommunity(strings.Join(nameParts, " "))
	if err != nil {
		return err
	}
	if first == 0 && resolve == 0 {
		// "/sla COMMUNITY" alone shows the limits.
		return r.reply(r.t(i18n.SLAShow, comm.Name, FormatDuration(comm.FirstResponse), FormatDuration(comm.Resolve), quoteName(comm.Name)))
	}
	if first == 0 {
		first, firstText = comm.FirstResponse, FormatDuration(comm.FirstResponse)
	}
	if resolve == 0 {
		resolve, resolveText = comm.Resolve, FormatDuration(comm.Resolve)
	}
	if resolve < first {
		// A ticket cannot be fixed before anyone has answered it.
		return store.Errorf(store.EINVALID, "sla_order", resolveText, firstText)
	}
	if err := r.tx.SetSLA(comm.ID, first, resolve); err != nil {
		return err
	}
	return r.reply(r.t(i18n.SLADone, comm.Name, firstText, resolveText))
}

// ParseDuration reads a positive duration such as 2s (staff drills), 30m,
// 24h, 7d or 1d12h, of at most 366 days.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(foldWidth(s))) // "２４ｈ" is 24h
	var total time.Duration
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) || i > 6 {
			return 0, store.Errorf(store.EINVALID, "bad_duration", s)
		}
		var n int64
		for _, c := range rest[:i] {
			n = n*10 + int64(c-'0')
		}
		unit := time.Duration(0)
		switch rest[i] {
		case 'd':
			unit = 24 * time.Hour
		case 'h':
			unit = time.Hour
		case 'm':
			unit = time.Minute
		case 's':
			unit = time.Second
		default:
			return 0, store.Errorf(store.EINVALID, "bad_duration", s)
		}
		total += time.Duration(n) * unit
		rest = rest[i+1:]
	}
	if total <= 0 || total > 366*24*time.Hour {
		return 0, store.Errorf(store.EINVALID, "bad_duration", s)
	}
	return total, nil
}

// FormatDuration writes a duration the way ParseDuration reads it, to the
// second: what /sla set is what its answer shows (2s, 1m30s, 1d12h).
func FormatDuration(d time.Duration) string {
	var b strings.Builder
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.unit; n > 0 {
			b.WriteString(itoa(int64(n)) + u.name)
			d -= n * u.unit
		}
	}
	if b.Len() == 0 {
		return "0s"
	}
	return b.String()
}
