// Package notice writes the notices that go to a community's resident
// groups (an activity, a meeting, an announcement) and posts them. Chat
// commands post them when managers add something; the jobs post the
// reminders and the scheduled announcements.
package notice

import (
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// Broadcast queues a message of a kind (announcement, survey, activity,
// meeting) in every active resident group of a community, in the community's
// language, and returns the number of groups. An announcement is kept for
// the bulletin board too (package board).
func Broadcast(tx *store.Tx, comm *store.Community, kind, text string) (int, error) {
	chats, err := tx.CommunityChats(comm.ID, store.RoleResidentChat)
	if err != nil {
		return 0, err
	}
	body := i18n.T(comm.Lang, i18n.Post(kind), strings.TrimSpace(text))
	if kind == store.ScheduleAnnouncement && len(chats) > 0 {
		if err := tx.AddAnnouncement(comm.ID, text); err != nil {
			return 0, err
		}
	}
	for _, c := range chats {
		if _, err := tx.Enqueue(store.Out{Platform: c.Platform, Chat: c.Key, Text: body}); err != nil {
			return 0, err
		}
	}
	return len(chats), nil
}

// Activity is an activity's notice body: title, time, place, places left
// and how to sign up.
func Activity(lang string, loc *time.Location, a *store.Activity) string {
	ls := []string{
		i18n.T(lang, i18n.ActivityTitle, a.ID, a.Title),
		i18n.T(lang, i18n.ActivityTime, i18n.FormatTime(lang, loc, a.StartsAt), i18n.T(lang, i18n.Weekday(a.StartsAt.In(loc).Weekday()))),
	}
	if a.Place != "" {
		ls = append(ls, i18n.T(lang, i18n.ActivityPlace, a.Place))
	}
	ls = append(ls, Signups(lang, a), i18n.T(lang, i18n.ActivityJoinHint, a.ID))
	return i18n.Lines(ls...)
}

// Signups says how many have signed up, and the capacity if there is one.
func Signups(lang string, a *store.Activity) string {
	if a.Capacity > 0 {
		return i18n.T(lang, i18n.ActivitySignupsCap, a.Signups, a.Capacity)
	}
	return i18n.T(lang, i18n.ActivitySignups, a.Signups)
}

// Meeting is a meeting's notice body: time, place, the agenda so far
// (without names) and how to add to it.
func Meeting(lang string, loc *time.Location, m *store.Meeting, agenda []*store.AgendaItem) string {
	ls := []string{
		i18n.T(lang, i18n.MeetingTime, i18n.FormatTime(lang, loc, m.StartsAt), i18n.T(lang, i18n.Weekday(m.StartsAt.In(loc).Weekday()))),
	}
	if m.Place != "" {
		ls = append(ls, i18n.T(lang, i18n.ActivityPlace, m.Place))
	}
	if len(agenda) == 0 {
		ls = append(ls, i18n.T(lang, i18n.MeetingNoAgenda))
	} else {
		ls = append(ls, i18n.T(lang, i18n.MeetingAgenda, len(agenda)))
		for i, it := range agenda {
			ls = append(ls, strconv.Itoa(i+1)+". "+i18n.Clip(it.Text, 80))
		}
	}
	ls = append(ls, i18n.T(lang, i18n.MeetingAgendaHint))
	return i18n.Lines(ls...)
}
