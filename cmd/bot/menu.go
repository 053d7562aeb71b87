package main

import (
	"slices"

	"github.com/linli/linli/bot/telegram"
	"github.com/linli/linli/i18n"
)

// menuCommand is a command of the Telegram menu and its description.
type menuCommand struct {
	name string
	desc i18n.Key
}

// The menu: residents' commands in groups; everyone's in private chats,
// where staff and managers do their work. Commands typed outside the menu
// work all the same.
var (
	residentMenu = []menuCommand{
		{"repair", i18n.MenuRepair}, {"complain", i18n.MenuComplain}, {"status", i18n.MenuStatus},
		{"mine", i18n.MenuMine}, {"cancel", i18n.MenuCancel}, {"rate", i18n.MenuRate},
		{"notices", i18n.MenuNotices}, {"join", i18n.MenuJoin}, {"volunteer", i18n.MenuVolunteer},
		{"agenda", i18n.MenuAgenda}, {"help", i18n.MenuHelp},
	}
	privateMenu = []menuCommand{
		{"suggest", i18n.MenuSuggest}, {"take", i18n.MenuTake}, {"assign", i18n.MenuAssign},
		{"progress", i18n.MenuProgress}, {"hold", i18n.MenuHold}, {"resolve", i18n.MenuResolve},
		{"reopen", i18n.MenuReopen}, {"tickets", i18n.MenuTickets}, {"grant", i18n.MenuGrant},
		{"revoke", i18n.MenuRevoke}, {"announce", i18n.MenuAnnounce}, {"poll", i18n.MenuPoll},
		{"survey", i18n.MenuSurvey}, {"schedule", i18n.MenuSchedule}, {"activity", i18n.MenuActivity},
		{"meeting", i18n.MenuMeeting}, {"expense", i18n.MenuExpense}, {"sla", i18n.MenuSLA},
		{"report", i18n.MenuReport}, {"kpi", i18n.MenuKPI}, {"export", i18n.MenuExport},
		{"jobs", i18n.MenuJobs}, {"runjob", i18n.MenuRunJob},
	}
)

// telegramMenu is Linli's command menu in every language of the catalogue.
func telegramMenu() *telegram.Menu {
	m := &telegram.Menu{Group: map[string][]telegram.Command{}, Private: map[string][]telegram.Command{}}
	for _, lang := range i18n.Langs() {
		say := func(cs []menuCommand) []telegram.Command {
			out := make([]telegram.Command, len(cs))
			for i, c := range cs {
				out[i] = telegram.Command{Name: c.name, Description: i18n.T(lang, c.desc)}
			}
			return out
		}
		m.Group[lang] = say(residentMenu)
		m.Private[lang] = append(slices.Clone(m.Group[lang]), say(privateMenu)...)
	}
	return m
}
