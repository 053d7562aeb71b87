package main

import (
	"context"
	"os"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/console"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// demoNames are the demo community of DESIGN.md §4 and its people, in the
// language it is seeded in (-lang of the run that made the database).
type demoNames struct {
	lang, community, residentGroup, staffGroup string
	manager, staff, resident                   string
}

func namesIn(lang string) demoNames {
	comm := i18n.T(lang, i18n.DemoCommunity)
	return demoNames{
		lang: lang, community: comm,
		residentGroup: i18n.T(lang, i18n.DemoResidentGroup, comm), staffGroup: i18n.T(lang, i18n.DemoStaffGroup, comm),
		manager: i18n.T(lang, i18n.DemoManager), staff: i18n.T(lang, i18n.DemoStaff), resident: i18n.T(lang, i18n.DemoResident),
	}
}

type demoInfo struct {
	residentTitle, staffTitle, lang, operator string
	people                                    []console.Person
}

// seedDemo creates the demo community, its groups and people once per
// database, in the -lang language, and describes them for the console. The
// setting demo_seeded keeps the language it was seeded in ("1", from before
// the seed followed -lang, is Chinese).
func (m *Main) seedDemo(ctx context.Context) (demoInfo, error) {
	var info demoInfo
	err := m.DB.Update(ctx, func(tx *store.Tx) error {
		done, err := tx.Setting("demo_seeded")
		if err != nil {
			return err
		}
		lang := i18n.Normalize(m.Config.Lang)
		if done == "" {
			if err := seed(tx, namesIn(lang)); err != nil {
				return err
			}
			if err := tx.SetSetting("demo_seeded", lang); err != nil {
				return err
			}
		} else {
			lang = i18n.Normalize(done)
		}
		n := namesIn(lang)
		comm, err := tx.CommunityByName(n.community)
		if err != nil {
			return err
		}
		info = demoInfo{residentTitle: n.residentGroup, staffTitle: n.staffGroup, lang: comm.Lang, operator: n.manager}
		for _, name := range []string{n.manager, n.staff, n.resident, "Tom"} {
			p, err := tx.PersonByKey(bot.Console, bot.UserID(name))
			if err != nil {
				return err
			}
			roles, err := tx.Memberships(p.ID)
			if err != nil {
				return err
			}
			info.people = append(info.people, console.Person{Name: name, Role: roleLabel(comm.Lang, roles.Role(comm.ID))})
		}
		return nil
	})
	return info, err
}

func seed(tx *store.Tx, n demoNames) error {
	comm, _, err := tx.CreateCommunity(n.community, n.lang, "")
	if err != nil {
		return err
	}
	for _, g := range []struct {
		key   bot.ChatID
		title string
		role  string
	}{
		{console.ResidentChat, n.residentGroup, store.RoleResidentChat},
		{console.StaffChat, n.staffGroup, store.RoleStaffChat},
	} {
		chat, err := tx.SeeChat(bot.Console, g.key, bot.Group, g.title)
		if err != nil {
			return err
		}
		if err := tx.BindChat(chat.ID, comm.ID, g.role); err != nil {
			return err
		}
	}
	resident, err := tx.ChatByKey(bot.Console, console.ResidentChat)
	if err != nil {
		return err
	}
	for _, p := range []struct{ name, role string }{
		{n.manager, store.RoleManager}, {n.staff, store.RoleStaff}, {n.resident, store.RoleResident}, {"Tom", store.RoleResident},
	} {
		// Everyone lives in the community (seen in its resident group);
		// staff and the manager hold their role there.
		person, err := tx.SeePerson(store.Sighting{Platform: bot.Console, Key: bot.UserID(p.name), Name: p.name, Chat: resident})
		if err != nil {
			return err
		}
		if p.role != store.RoleResident {
			if _, err := tx.Grant(person.ID, comm.ID, p.role, 0); err != nil {
				return err
			}
		}
		if p.role == store.RoleManager {
			// Managers hear about escalations privately.
			private, err := tx.SeeChat(bot.Console, console.PrivateChat(p.name), bot.Private, "")
			if err != nil {
				return err
			}
			if _, err := tx.SeePerson(store.Sighting{Platform: bot.Console, Key: bot.UserID(p.name), Chat: private}); err != nil {
				return err
			}
		}
	}
	return nil
}

// isTerminal reports whether r is an interactive terminal (then the console
// shows a prompt; piped input is echoed instead).
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	if err != nil {
		return false
	}
	return st.Mode()&os.ModeCharDevice != 0
}
