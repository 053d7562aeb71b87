package commands

import (
	"strings"
	"time"

	"github.com/linli/linli/store"
)

// bind binds the group it is typed in to a community (created if new).
func (r *req) bind() error {
	f := Fields(r.p.Args)
	if len(f) == 0 {
		return usage("bind")
	}
	role := store.RoleResidentChat
	name := strings.TrimSpace(r.p.Args)
	if last := strings.ToLower(f[len(f)-1]); len(f) > 1 {
		switch last {
		case "resident", "业主", "业主群":
			name = strings.Join(f[:len(f)-1], " ")
		case "staff", "物业", "物业群", "员工":
			role, name = store.RoleStaffChat, strings.Join(f[:len(f)-1], " ")
		}
	}
	name = strings.Trim(name, `"“”「」 `)
	comm, created, err := r.tx.CreateCommunity(name, r.s.cfg.Lang, "")
	if err != nil {
		return err
	}
	if err := r.tx.BindChat(r.chat.ID, comm.ID, role); err != nil {
		return err
	}
	r.setCommunity(comm)
	if r.me.CommunityID == 0 {
		if err := r.tx.SetRole(r.me.ID, r.me.Role, comm.ID); err != nil {
			return err
		}
	}
	var msg []string
	if created {
		msg = append(msg, r.t("bind.created", comm.Name))
	}
	if role == store.RoleStaffChat {
		msg = append(msg, r.t("bind.staff", comm.Name))
	} else {
		msg = append(msg, r.t("bind.resident", comm.Name))
	}
	if r.s.cfg.PrivacyMode(r.m.Platform) {
		msg = append(msg, r.t("bind.privacy"))
	}
	return r.reply(lines(msg...))
}

func (r *req) unbind() error {
	if !r.chat.Bound() {
		return r.reply(r.t("unbind.not_bound"))
	}
	if err := r.tx.UnbindChat(r.chat.ID); err != nil {
		return err
	}
	return r.reply(r.t("unbind.done"))
}

// grant gives someone the staff or manager role.
func (r *req) grant() error {
	f := Fields(r.p.Args)
	if len(f) < 1 {
		return usage("grant")
	}
	role := strings.ToLower(f[0])
	switch role {
	case "staff", "工作人员", "员工":
		role = store.RoleStaff
	case "manager", "经理":
		role = store.RoleManager
	default:
		return store.Errorf(store.EINVALID, "bad_role", f[0])
	}
	var commID int64
	if r.comm != nil {
		commID = r.comm.ID
	}
	p, err := r.personArg(strings.Join(f[1:], " "), commID)
	if err != nil {
		return err
	}
	if p == nil {
		return usage("grant")
	}
	if p.CommunityID != 0 {
		commID = 0 // keep the community they were seen in
	}
	if err := r.tx.SetRole(p.ID, role, commID); err != nil {
		return err
	}
	return r.reply(r.t("grant.done", p.Label(), r.t("role."+role)))
}

func (r *req) revoke() error {
	var commID int64
	if r.comm != nil {
		commID = r.comm.ID
	}
	p, err := r.personArg(r.p.Args, commID)
	if err != nil {
		return err
	}
	if p == nil {
		return usage("revoke")
	}
	old := p.Role
	if err := r.tx.SetRole(p.ID, store.RoleResident, 0); err != nil {
		return err
	}
	return r.reply(r.t("revoke.done", p.Label(), r.t("role."+old)))
}

// sla sets a community's clocks: /sla COMMUNITY first=24h resolve=7d.
func (r *req) sla() error {
	f := Fields(r.p.Args)
	if len(f) < 2 {
		return usage("sla")
	}
	var first, resolve time.Duration
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
			first = d
		case "resolve", "解决":
			resolve = d
		default:
			return store.Errorf(store.EINVALID, "bad_sla")
		}
	}
	if len(nameParts) == 0 || (first == 0 && resolve == 0) {
		return usage("sla")
	}
	comm, err := r.tx.CommunityByName(strings.Join(nameParts, " "))
	if err != nil {
		return err
	}
	if first == 0 {
		first = comm.FirstResponse
	}
	if resolve == 0 {
		resolve = comm.Resolve
	}
	if err := r.tx.SetSLA(comm.ID, first, resolve); err != nil {
		return err
	}
	return r.reply(r.t("sla.done", comm.Name, FormatDuration(first), FormatDuration(resolve)))
}

// ParseDuration reads a positive duration such as 2s (staff drills), 30m,
// 24h, 7d or 1d12h, of at most 366 days.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
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
