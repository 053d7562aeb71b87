package wechat

import (
	"context"
	"fmt"
	"time"

	"github.com/eatmoreapple/openwechat"

	"github.com/linli/linli/bot"
)

// contact is a group or friend of the current session, under the name the
// adapter keys it by (see the package doc).
type contact struct {
	userName string // this session's "@…" / "@@…"
	name     string // the chat id: group name, or friend remark / nickname
	group    bool
	// saved is true when the contact came with the contact list; a group
	// learned only from its messages is not saved to contacts (保存到通讯录)
	// and will not be found after the next login.
	saved bool
}

// directory maps this session's UserNames to names and back. It is guarded
// by WeChat.mu.
type directory struct {
	byUser map[string]*contact
	// members holds the names of each group's members (group card, or
	// nickname without one), by the group's UserName: from the groups'
	// details after each contact fetch, and from their messages.
	members map[string]map[string]bool
	fetched time.Time
	// missed records names that were not found, and when the contact list
	// was fetched again for them, so a name costs one fetch, not one per row.
	missed map[string]time.Time
}

func newDirectory() directory {
	return directory{byUser: map[string]*contact{}, members: map[string]map[string]bool{}, missed: map[string]time.Time{}}
}

// addMember records that a group (by UserName) has a member of that name.
func (d *directory) addMember(group, name string) {
	if group == "" || name == "" {
		return
	}
	if d.members[group] == nil {
		d.members[group] = map[string]bool{}
	}
	d.members[group][name] = true
}

// memberName is how a group member is named: their group card, or their
// nickname without one (as identify names a group message's sender).
func memberName(u *openwechat.User) string {
	if card := openwechat.FormatEmoji(u.DisplayName); card != "" {
		return card
	}
	return openwechat.FormatEmoji(u.NickName)
}

// LookupName implements commands.NameDirectory: whether name is the
// account's friend under that very name, shared by no other contact (only
// then does a group card of that name count as them, see identify), and
// which of groups (group names, as bound) have a member of that name. It
// reads what the current session knows, without a request; logged out, it
// knows nothing.
func (w *WeChat) LookupName(name string, groups []bot.ChatID) (friend bool, in []bot.ChatID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sess == nil || name == "" {
		return false, nil
	}
	d := &w.sess.dir
	cs := d.lookup(name)
	friend = len(cs) == 1 && !cs[0].group
	for _, g := range groups {
		for _, c := range d.lookup(string(g)) {
			if c.group && d.members[c.userName][name] {
				in = append(in, g)
				break
			}
		}
	}
	return friend, in
}

// refetchEvery is how often an unknown name may cause another contact fetch.
const refetchEvery = time.Minute

// lookup returns the contacts keyed by name.
func (d *directory) lookup(name string) []*contact {
	var out []*contact
	for _, c := range d.byUser {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

// name returns the name of a UserName, or "".
func (d *directory) name(userName string) string {
	if c := d.byUser[userName]; c != nil {
		return c.name
	}
	return ""
}

// learn records a contact seen in a message; a known one keeps its saved flag.
func (d *directory) learn(userName, name string, group bool) {
	if userName == "" || name == "" {
		return
	}
	if c := d.byUser[userName]; c != nil {
		c.name = name
		return
	}
	d.byUser[userName] = &contact{userName: userName, name: name, group: group}
}

// load merges a fetched contact list: listed contacts are saved; contacts
// learned from messages stay, as unsaved.
func (d *directory) load(list []contact, at time.Time) {
	for _, c := range d.byUser {
		c.saved = false
	}
	for _, c := range list {
		c.saved = true
		d.byUser[c.userName] = &c
	}
	d.fetched = at
}

// shared returns the names that more than one contact has.
func (d *directory) shared() map[string]int {
	count := map[string]int{}
	for _, c := range d.byUser {
		count[c.name]++
	}
	for name, n := range count {
		if n < 2 {
			delete(count, name)
		}
	}
	return count
}

// fetchContactsLocked fetches the contact list through the Caller (not
// openwechat's cache, which belongs to the sync goroutine) and merges it
// into the session's directory. w.callMu is held.
func (w *WeChat) fetchContactsLocked(ctx context.Context, s *session) error {
	members, err := s.b.Caller.WebWxGetContact(ctx, s.b.Storage.LoginInfo)
	if err != nil {
		return err
	}
	var list []contact
	var groups openwechat.Members
	for _, u := range members {
		switch {
		case u.IsGroup():
			if name := openwechat.FormatEmoji(u.NickName); name != "" {
				list = append(list, contact{userName: u.UserName, name: name, group: true})
				groups = append(groups, u)
			}
		case u.IsFriend():
			name := openwechat.FormatEmoji(u.RemarkName)
			if name == "" {
				name = openwechat.FormatEmoji(u.NickName)
			}
			if name != "" && u.UserName != s.selfUser {
				list = append(list, contact{userName: u.UserName, name: name})
			}
		}
	}
	// The groups' member lists, for /grant of someone who has not written
	// yet (LookupName). A failure leaves them to be learned from messages.
	names := map[string]map[string]bool{}
	for i := 0; i < len(groups); i += batchContacts {
		detailed, err := s.b.Caller.WebWxBatchGetContact(ctx, groups[i:min(i+batchContacts, len(groups))], s.b.Storage.Request)
		if err != nil {
			w.log.Warn("wechat: fetch the groups' members", "err", err)
			break
		}
		for _, g := range detailed {
			set := map[string]bool{}
			for _, m := range g.MemberList {
				if m.UserName != s.selfUser {
					set[memberName(m)] = true
				}
			}
			names[g.UserName] = set
		}
	}
	w.mu.Lock()
	s.dir.load(list, time.Now())
	for g, set := range names {
		s.dir.members[g] = set
	}
	for name, n := range s.dir.shared() {
		s.alertOnceLocked("shared:"+name, sharedNameAlert(name, n))
	}
	w.mu.Unlock()
	w.log.Info("wechat contacts fetched", "contacts", len(list))
	return nil
}

// batchContacts is how many contacts one webwxbatchgetcontact asks for (the
// web client asks for at most 50).
const batchContacts = 50

// refreshAsync fetches the contact list again in the background (after a
// rename), at most one fetch at a time per session.
func (w *WeChat) refreshAsync(s *session) {
	w.mu.Lock()
	if s.refreshing {
		w.mu.Unlock()
		return
	}
	s.refreshing = true
	w.mu.Unlock()
	go func() {
		defer func() {
			w.mu.Lock()
			s.refreshing = false
			w.mu.Unlock()
			w.flushAlerts()
		}()
		w.callMu.Lock()
		defer w.callMu.Unlock()
		if s.ctx.Err() != nil {
			return
		}
		if err := w.fetchContactsLocked(s.ctx, s); err != nil {
			w.log.Warn("wechat: fetch contacts after a rename", "err", err)
		}
	}()
}

func sharedNameAlert(name string, n int) string {
	return fmt.Sprintf("微信里有 %d 个群或好友都叫「%s」，机器人分不清，不会往这个名字发消息，也不处理来自它们的消息。请把其中一个改名（绑定的群改名后请在群里重新 /bind）。\n"+
		"WeChat: %d chats are named %q. The bot cannot tell them apart, so it will neither post there nor handle their messages until one is renamed.", n, name, n, name)
}

func missingAlert(name string) string {
	return fmt.Sprintf("微信：通讯录里找不到「%s」，发往它的消息暂时发不出去。如果这是已绑定的群，请在手机上打开这个群 → 聊天信息 → 打开「保存到通讯录」；群名必须和绑定时完全一致。\n"+
		"WeChat: no group or friend named %q in the contact list, so messages to it wait. If it is a bound group, open it on the phone → Chat Info → turn on \"Save to Contacts\" (保存到通讯录); the name must match the binding exactly.", name, name)
}

func unsavedAlert(name string) string {
	return fmt.Sprintf("微信：群「%s」没有保存到通讯录。现在还能发消息，但下次登录后机器人会找不到它。请在手机上打开这个群 → 聊天信息 → 打开「保存到通讯录」。\n"+
		"WeChat: group %q is not saved to contacts. Sending works now, but after the next login the bot will not find it. Open it on the phone → Chat Info → turn on \"Save to Contacts\" (保存到通讯录).", name, name)
}
