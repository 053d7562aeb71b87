package commands

import (
	"strings"
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
			return r.reply(r.t("volunteer.not_in"))
		}
		return r.reply(r.t("volunteer.left"))
	}
	comm, err := r.requireCommunity()
	if err != nil {
		return err
	}
	if len([]rune(arg)) > 60 {
		arg = string([]rune(arg)[:60])
	}
	if err := r.tx.JoinVolunteers(r.me, comm.ID, arg); err != nil {
		return err
	}
	skill := ""
	if arg != "" {
		skill = r.t("volunteer.skill", arg)
	}
	return r.reply(r.t("volunteer.joined", skill))
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
		return r.reply(r.t("volunteers.none"))
	}
	ls := []string{r.t("volunteers.header", len(vs))}
	for _, v := range vs {
		skill := ""
		if v.Skill != "" {
			skill = "（" + v.Skill + "）"
			if r.lang == "en" {
				skill = " (" + v.Skill + ")"
			}
		}
		ls = append(ls, r.t("volunteers.line", v.Person.Label(), skill, r.when(v.JoinedAt)))
	}
	return r.reply(lines(ls...))
}
