package desk

import (
	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// chatKey names a chat on a platform.
type chatKey struct {
	p bot.PlatformID
	c bot.ChatID
}

// heard is the set of chats that already have a message.
type heard map[chatKey]bool

func (h heard) has(p bot.PlatformID, c bot.ChatID) bool { return c != "" && h[chatKey{p, c}] }
func (h heard) add(p bot.PlatformID, c bot.ChatID) {
	if c != "" {
		h[chatKey{p, c}] = true
	}
}

// toResident tells the reporter about a change, in the ticket's thread,
// and the followers where they read (toFollowers): followerText, or text
// when it is "". Buttons are for the reporter only.
func (o *op) toResident(t *store.Ticket, text, followerText string, buttons [][]bot.Button) error {
	chat, err := o.tx.ChatByID(t.OriginChatID)
	if err != nil {
		return err
	}
	h := heard{}
	h.add(chat.Platform, chat.Key)
	h.add(o.a.Platform, o.a.Chat)
	saidThere := chat.Platform == o.a.Platform && chat.Key == o.a.Chat && !o.a.Button &&
		(o.a.Person == nil || o.a.Person.ID != t.ReporterID)
	// Said in the resident's own chat already, the card edit is enough; a
	// chat the bot can no longer post in gets nothing.
	if !saidThere && chat.Active {
		if !o.d.cfg.Buttons[chat.Platform] {
			buttons = nil
		}
		if _, err = o.tx.Enqueue(store.Out{
			Platform: chat.Platform, Chat: chat.Key, Thread: t.OriginThread, ReplyTo: t.OriginMsgID,
			Text: text, Buttons: buttons, TicketID: t.ID, LinkRole: "relay",
		}); err != nil {
			return err
		}
	}
	if followerText == "" {
		followerText = text
	}
	return o.toFollowers(t, followerText, h)
}

// toFollowers tells a ticket's followers (/metoo) what its reporter hears:
// privately, or in their group when they never opened a private chat with
// the bot; never twice in one chat, and not in a chat that has it already
// (h: the resident's thread, the chat the actor spoke in). The groups go
// first, so that a private message's fallback (its group, should the
// private chat fail) is left out where the group has the message anyway.
func (o *op) toFollowers(t *store.Ticket, text string, h heard) error {
	fs, err := o.tx.Followers(t.ID)
	if err != nil {
		return err
	}
	var private []store.Out
	for _, f := range fs {
		if f.ID == t.ReporterID || (o.a.Person != nil && f.ID == o.a.Person.ID) {
			continue
		}
		if h.has(f.Platform, f.GroupChat) || h.has(f.Platform, f.PrivateChat) {
			continue // they read it there
		}
		group, err := o.followerGroup(t, f)
		if err != nil {
			return err
		}
		out := store.Out{Platform: f.Platform, Chat: f.PrivateChat, Text: text, TicketID: t.ID, LinkRole: "relay", FallbackChat: group}
		if f.PrivateChat != "" {
			h.add(f.Platform, f.PrivateChat)
			private = append(private, out)
			continue
		}
		if group == "" || h.has(f.Platform, group) {
			continue
		}
		out.Chat, out.FallbackChat = group, ""
		if _, err := o.tx.Enqueue(out); err != nil {
			return err
		}
		h.add(f.Platform, group)
	}
	for _, out := range private {
		if h.has(out.Platform, out.FallbackChat) {
			out.FallbackChat = ""
		}
		if _, err := o.tx.Enqueue(out); err != nil {
			return err
		}
	}
	return nil
}

// followerGroup is the group a follower is answered in when they cannot be
// reached privately: their group, if it is one of the ticket's
// community's and the bot can post there; "" otherwise.
func (o *op) followerGroup(t *store.Ticket, f *store.Person) (bot.ChatID, error) {
	if f.GroupChat == "" {
		return "", nil
	}
	c, err := o.tx.ChatByKey(f.Platform, f.GroupChat)
	if store.ErrorCode(err) == store.ENOTFOUND {
		return "", nil
	} else if err != nil {
		return "", err
	}
	if !c.Active || c.CommunityID != t.CommunityID || c.Role != store.RoleResidentChat {
		return "", nil
	}
	return c.Key, nil
}

// toStaff passes words about a ticket to its community's staff groups,
// except the one the actor spoke in.
func (o *op) toStaff(t *store.Ticket, text string) error {
	chats, err := o.tx.CommunityChats(t.CommunityID, store.RoleStaffChat)
	if err != nil {
		return err
	}
	for _, c := range chats {
		if c.Platform == o.a.Platform && c.Key == o.a.Chat {
			continue
		}
		if _, err := o.tx.Enqueue(store.Out{Platform: c.Platform, Chat: c.Key, Text: text, TicketID: t.ID, LinkRole: "relay"}); err != nil {
			return err
		}
	}
	return nil
}

// notifyManagers tells a community's managers (and the company-wide ones)
// privately about something of that community.
func (o *op) notifyManagers(communityID int64, text func(lang string) string) error {
	return NotifyCommunityManagers(o.tx, o.d.cfg.Lang, communityID, text)
}

// NotifyCommunityManagers queues a private message about a community to
// its managers and the company-wide managers whose private chat is known,
// in the community's language. With communityID 0 (something no community
// owns yet, such as a new group) only the company-wide managers hear it,
// in defLang. No other community's manager hears anything of it.
func NotifyCommunityManagers(tx *store.Tx, defLang string, communityID int64, text func(lang string) string) error {
	lang := defLang
	if communityID != 0 {
		c, err := tx.CommunityByID(communityID)
		if err != nil {
			return err
		}
		lang = c.Lang
	}
	ms, err := tx.ManagersOf(communityID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.PrivateChat == "" {
			continue
		}
		if _, err := tx.Enqueue(store.Out{Platform: m.Platform, Chat: m.PrivateChat, Text: text(lang)}); err != nil {
			return err
		}
	}
	return nil
}

// NotifyManagers queues a private message about the bot itself (a platform
// logged out, a session to confirm) to every manager of every community
// whose private chat is known, each in the language of their first
// community, skipping managers on the platform named by except (an alert
// about that platform cannot go over it). It carries nothing of any one
// community: for that, NotifyCommunityManagers.
func NotifyManagers(tx *store.Tx, defLang string, except bot.PlatformID, text func(lang string) string) error {
	ms, err := tx.Managers()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.PrivateChat == "" || (except != "" && m.Platform == except) {
			continue
		}
		lang, err := tx.LangOf(m, defLang)
		if err != nil {
			return err
		}
		if _, err := tx.Enqueue(store.Out{Platform: m.Platform, Chat: m.PrivateChat, Text: text(lang)}); err != nil {
			return err
		}
	}
	return nil
}
