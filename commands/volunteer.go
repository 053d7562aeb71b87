package commands

import (
	"strings"

	"github.com/linli/linli/i18n"
)

// volunteer joins the volunteer roll ("/volunteer [SKILL]") or leaves it ("/volunteer leave").
func (r *req) volunteer() error {
	arg := strings.TrimSpace(r.p.Args)
	switch strings.ToLower(arg) {
	case "leave", "退出", "quit":
		left, err := r.tx.LeaveVolunteers(r.me.ID)
		if err != nil {
			return err
		}
		if !left {
			return r.reply(r.t(i18n.VolunteerNotIn))
		}
		return r.reply(r.t(i18n.VolunteerLeft))
	}
	comm, err := r.requireCommunity()
	if err != nil {
		return err
	}
	if len([]rune(arg)) > 60 {
		arg = string([]rune(arg)[:60])
	}
	roll, err := r.tx.Volunteers(comm.ID)
	if err != nil {
		return err
	}
	for _, v := range roll {
		if v.Person.ID == r.me.ID && (arg == "" || arg == v.Skill) {
			skill := ""
			if v.Skill != "" {
				skill = r.t(i18n.VolunteerSkill, v.Skill)
			}
			return r.reply(r.t(i18n.AlreadyVolunteer, skill))
		}
	}
	if err := r.tx.JoinVolunteers(r.me, comm.ID, arg); err != nil {
		return err
	}
	skill := ""
	if arg != "" {
		skill = r.t(i18n.VolunteerSkill, arg)
	}
	return r.reply(r.t(i18n.VolunteerJoined, skill))
}

// volunteers lists the roll for managers.
func (r *req) volunteers() error {
	var commID int64
	if r.comm != nil && !r.allCommunities() {
		commID = r.comm.ID
	}
	vs, err := r.tx.Volunteers(commID)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return r.reply(r.t(i18n.VolunteersNone))
	}
	ls := []string{r.t(i18n.VolunteersHeader, len(vs))}
	for _, v := range vs {
		skill := ""
		if v.Skill != "" {
			skill = r.t(i18n.VolunteersSkill, v.Skill)
		}
		ls = append(ls, r.t(i18n.VolunteersLine, v.Person.Label(), skill, r.when(v.JoinedAt)))
	}
	return r.reply(lines(ls...))
}
