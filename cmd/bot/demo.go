package main

import (
	"context"
	"os"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/console"
	"github.com/linli/linli/store"
)

// The demo community of DESIGN.md §4.
const (
	demoCommunity = "阳光花园"
	demoManager   = "王经理"
	demoStaff     = "张师傅"
)

type demoInfo struct {
	residentTitle, staffTitle, lang string
	people                          []console.Person
}

// seedDemo creates the demo community, its groups and people once per
// database, and describes them for the console.
func (m *Main) seedDemo(ctx context.Context) (demoInfo, error) {
	info := demoInfo{residentTitle: demoCommunity + "业主群", staffTitle: demoCommunity + "物业群", lang: "zh"}
	err := m.DB.Update(ctx, func(tx *store.Tx) error {
		done, err := tx.Setting("demo_seeded")
		if err != nil {
			return err
		}
		if done == "" {
			if err := seed(tx); err != nil {
				return err
			}
			if err := tx.SetSetting("demo_seeded", "1"); err != nil {
				return err
			}
		}
		comm, err := tx.CommunityByName(demoCommunity)
		if err != nil {
			return err
		}
		info.lang = comm.Lang
		for _, name := range []string{demoManager, demoStaff, "李阿姨", "Tom"} {
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

func seed(tx *store.Tx) error {
	comm, _, err := tx.CreateCommunity(demoCommunity, "zh", "")
	if err != nil {
		return err
	}
	for _, g := range []struct {
		key   bot.ChatID
		title string
		role  string
	}{
		{console.ResidentChat, demoCommunity + "业主群", store.RoleResidentChat},
		{console.StaffChat, demoCommunity + "物业群", store.RoleStaffChat},
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
		{demoManager, store.RoleManager}, {demoStaff, store.RoleStaff}, {"李阿姨", store.RoleResident}, {"Tom", store.RoleResident},
	} {
		// Everyone lives in 阳光花园 (seen in its resident group); staff and
		// the manager hold their role there.
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

func roleLabel(lang, role string) string {
	zh := map[string]string{store.RoleManager: "经理", store.RoleStaff: "物业工作人员", store.RoleResident: "业主"}
	if lang == "en" {
		return role
	}
	return zh[role]
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
