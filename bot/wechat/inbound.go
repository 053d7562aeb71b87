package wechat

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/eatmoreapple/openwechat"

	"github.com/linli/linli/bot"
)

// maxPicture caps a downloaded picture.
const maxPicture = 20 << 20

// inboundJob is a translated message on its way to the router. fetch, if
// set, downloads the attachment first; wait makes the delivery goroutine wait
// until the message is handled before it hands over the next one.
type inboundJob struct {
	msg   bot.Message
	fetch func(ctx context.Context) (*bot.Attachment, error)
	wait  bool
}

// personKey names a person in a chat (for the picture window).
type personKey struct {
	chat bot.ChatID
	user bot.UserID
}

// Held messages: web WeChat hands each message over once (the sync key
// moves past it at once), so a message the bot could not store (the
// database locked by another process, a full disk: bot.ErrUnavailable)
// lives only here until it is. It is handed in again, with growing waits,
// before any later message of its chat; at most maxHeld are held, and the
// sync loop waits while that many are.
const (
	maxHeld   = 1000
	retryBase = 500 * time.Millisecond
	retryMax  = 30 * time.Second
)

// deliver hands translated messages to the router, each chat's in the
// order they arrived, until ctx ends; then what is still queued is handed
// over too, for a short while, since the saved sync key has already moved
// past it.
func (w *WeChat) deliver(ctx context.Context, in bot.Inbound) {
	l := newLanes(w, in)
	defer l.stop()
	for {
		select {
		case j := <-w.jobs:
			w.take(ctx, l, j)
		case <-ctx.Done():
			grace, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			for {
				select {
				case j := <-w.jobs:
					w.take(grace, l, j)
				default:
					return
				}
			}
		}
	}
}

// take downloads a job's attachment and puts the message in its chat's
// lane; for a job that asks to, it waits until the message is handled.
func (w *WeChat) take(ctx context.Context, l *lanes, j inboundJob) {
	if j.fetch != nil {
		att, err := j.fetch(ctx)
		if err != nil {
			w.log.Warn("wechat: download picture", "chat", j.msg.Chat, "msg", j.msg.ID, "err", bot.Redact(err))
			return
		}
		j.msg.Attachments = []bot.Attachment{*att}
	}
	var handled chan struct{}
	if j.wait {
		handled = make(chan struct{})
	}
	if !l.add(ctx, j.msg, handled) {
		return
	}
	if handled != nil {
		select {
		case <-handled:
		case <-ctx.Done():
		}
	}
}

// heldMsg is one message in its chat's lane.
type heldMsg struct {
	m        bot.Message
	attempts int
	handled  chan struct{} // closed once done with (nil: nobody waits)
	timer    *time.Timer
}

// lanes keep each chat's messages in order while the Router handles them:
// one message per chat is with the Router at a time, and one that could not
// be stored is handed in again before the rest of its chat.
type lanes struct {
	w        *WeChat
	in       bot.Inbound
	ctx      context.Context // for the Router: never cancelled
	wg       sync.WaitGroup
	mu       sync.Mutex
	chats    map[bot.ChatID][]*heldMsg
	n        int
	room     chan struct{} // signalled when a message leaves
	retrying int
	stopped  bool
}

func newLanes(w *WeChat, in bot.Inbound) *lanes {
	return &lanes{w: w, in: in, ctx: context.Background(), chats: map[bot.ChatID][]*heldMsg{}, room: make(chan struct{}, 1)}
}

// add queues m in its chat's lane, waiting while maxHeld messages are held
// (the sync loop then waits too, and WeChat keeps the rest). It reports
// false if ctx ended first.
func (l *lanes) add(ctx context.Context, m bot.Message, handled chan struct{}) bool {
	for {
		l.mu.Lock()
		if l.n < maxHeld {
			break
		}
		l.mu.Unlock()
		select {
		case <-l.room:
		case <-ctx.Done():
			l.w.log.Error("wechat message lost: too many messages wait to be stored", "chat", m.Chat, "msg", m.ID)
			return false
		}
	}
	h := &heldMsg{m: m, handled: handled}
	l.n++
	q := append(l.chats[m.Chat], h)
	l.chats[m.Chat] = q
	first := len(q) == 1
	l.mu.Unlock()
	if first {
		l.handIn(h)
	}
	return true
}

func (l *lanes) handIn(h *heldMsg) {
	l.wg.Add(1)
	err := l.in.Enqueue(l.ctx, h.m, func(err error) {
		defer l.wg.Done()
		l.after(h, err)
	})
	if err != nil {
		l.wg.Done()
		l.w.log.Warn("wechat: hand over message", "chat", h.m.Chat, "msg", h.m.ID, "err", err)
		l.drop(h.m.Chat, true)
	}
}

// after takes the Router's report on h.
func (l *lanes) after(h *heldMsg, err error) {
	w := l.w
	if errors.Is(err, bot.ErrUnavailable) {
		l.mu.Lock()
		h.attempts++
		if h.attempts == 1 {
			l.retrying++
			if l.retrying == 1 {
				w.log.Warn("wechat messages cannot be stored now; keeping them in memory and trying again until they are", "err", err)
			}
		}
		stopped := l.stopped
		if !stopped {
			l.wg.Add(1)
			h.timer = time.AfterFunc(backoff(h.attempts-1, retryBase, retryMax), func() {
				defer l.wg.Done()
				l.mu.Lock()
				h.timer = nil
				l.mu.Unlock()
				l.handIn(h)
			})
		}
		l.mu.Unlock()
		if stopped {
			l.drop(h.m.Chat, true)
		}
		return
	}
	// Never log the text or the sender: an anonymous suggestion must stay anonymous.
	if err != nil && !errors.Is(err, bot.ErrNoRoute) {
		w.log.Warn("wechat message not handled", "chat", h.m.Chat, "msg", h.m.ID, "err", err)
	}
	l.mu.Lock()
	if h.attempts > 0 {
		l.retrying--
		if l.retrying == 0 {
			w.log.Info("wechat messages are stored again; the held ones are handled", "attempts", h.attempts+1)
		}
	}
	var next *heldMsg
	if q := l.chats[h.m.Chat]; len(q) > 0 && q[0] == h {
		q = q[1:]
		l.n--
		if len(q) == 0 {
			delete(l.chats, h.m.Chat)
		} else {
			l.chats[h.m.Chat] = q
			next = q[0]
		}
	}
	l.mu.Unlock()
	l.signalRoom()
	if h.handled != nil {
		close(h.handled)
	}
	if next != nil {
		// Not on the Router's worker: Enqueue may wait for room in the
		// very queue that worker drains.
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.handIn(next)
		}()
	}
}

func (l *lanes) signalRoom() {
	select {
	case l.room <- struct{}{}:
	default:
	}
}

// drop gives up a chat's lane; lost says the messages were never stored,
// which is logged (by count: the texts may be anonymous suggestions).
func (l *lanes) drop(chat bot.ChatID, lost bool) {
	l.mu.Lock()
	q := l.chats[chat]
	delete(l.chats, chat)
	for _, h := range q {
		l.n--
		if h.attempts > 0 {
			l.retrying--
		}
	}
	l.mu.Unlock()
	l.signalRoom()
	if lost && len(q) > 0 {
		l.w.log.Error("wechat messages lost: they could not be stored before the bot stopped, and web WeChat does not deliver them again",
			"chat", chat, "messages", len(q))
	}
	for _, h := range q {
		if h.handled != nil {
			close(h.handled)
		}
	}
}

// stop ends the retries and waits for the messages with the Router. Those
// still held are lost (and logged).
func (l *lanes) stop() {
	l.mu.Lock()
	l.stopped = true
	var waiting []bot.ChatID
	for chat, q := range l.chats {
		if h := q[0]; h.timer != nil && h.timer.Stop() {
			h.timer = nil
			l.wg.Done()
			waiting = append(waiting, chat)
		}
	}
	l.mu.Unlock()
	for _, chat := range waiting {
		l.drop(chat, true)
	}
	l.wg.Wait()
}

// push queues a translated message. It blocks only while the queue is full,
// and not after the session ended.
func (s *session) push(j inboundJob) {
	select {
	case s.w.jobs <- j:
	case <-s.ctx.Done():
	}
}

// onMessage is openwechat's MessageHandler, run on the sync goroutine after
// the library's processors. It translates; the delivery goroutine enqueues.
func (s *session) onMessage(m *openwechat.Message) {
	defer func() {
		if p := recover(); p != nil {
			s.w.log.Error("wechat message handler panic", "msg", m.MsgId, "type", int(m.MsgType), "panic", p, "stack", string(debug.Stack()))
		}
	}()
	defer s.w.flushAlerts()
	// MsgType 51 is the status notice from self to self that follows every
	// login; the account's own messages (sent from the phone, or our sends
	// echoed) are not for the bot.
	if m.StatusNotify() || m.IsSendBySelf() {
		return
	}
	switch {
	case m.IsSystem():
		if m.IsRenameGroup() && m.IsSendByGroup() {
			s.onRename(m)
		}
	case m.IsText():
		s.onText(m, m.Content, "")
	case m.MsgType == openwechat.MsgTypeApp:
		if reply, svrid, ok := parseReferMsg(m.Content); ok {
			s.onText(m, reply, svrid)
		}
	case m.IsPicture():
		s.onPicture(m)
	}
}

// who is the chat and sender of a message, as this adapter keys them.
type who struct {
	chat       bot.ChatID
	kind       bot.ChatKind
	sender     bot.UserID
	senderName string
	botNames   []string
	weak       bool // a group card nobody vouches for
}

// identify finds the chat and sender of a message. The look-ups go through
// openwechat's cache, which is why this runs on the sync goroutine; they
// may cost a request (a new group, a new member), serialized with ours.
func (s *session) identify(m *openwechat.Message) (who, bool) {
	w := s.w
	self := m.Owner()
	selfNick := openwechat.FormatEmoji(self.NickName)
	if m.IsSendByGroup() {
		w.callMu.Lock()
		grp, err := m.Sender()
		var member *openwechat.User
		if err == nil {
			member, err = m.SenderInGroup()
		}
		w.callMu.Unlock()
		if err != nil {
			w.log.Warn("wechat: who sent a group message", "msg", m.MsgId, "err", err)
			return who{}, false
		}
		name, ok := s.chatName(m.FromUserName, openwechat.FormatEmoji(grp.NickName), true)
		if !ok {
			return who{}, false
		}
		names := []string{selfNick}
		if me := grp.MemberList.SearchByUserName(1, self.UserName); me.Count() > 0 {
			if card := openwechat.FormatEmoji(me.First().DisplayName); card != "" && card != selfNick {
				names = append(names, card)
			}
		}
		person := openwechat.FormatEmoji(member.DisplayName)
		if person == "" {
			person = openwechat.FormatEmoji(member.NickName)
		}
		// Anyone can set their group card to a manager's name. The sender is
		// vouched for only when they are also the bot account's friend under
		// that very name (a remark only the bot account can set, or a
		// nickname no other contact shares).
		w.mu.Lock()
		vouched := s.dir.name(member.UserName) == person && len(s.dir.lookup(person)) == 1
		s.dir.addMember(m.FromUserName, person) // known to be in the group now (LookupName)
		w.mu.Unlock()
		return who{chat: bot.ChatID(name), kind: bot.Group, sender: bot.UserID(person), senderName: person, botNames: names, weak: !vouched}, true
	}
	if !m.IsSendByFriend() {
		return who{}, false
	}
	w.callMu.Lock()
	u, err := m.Sender()
	w.callMu.Unlock()
	if err != nil {
		w.log.Warn("wechat: who sent a private message", "msg", m.MsgId, "err", err)
		return who{}, false
	}
	if u.IsMP() || u.IsGroup() {
		return who{}, false // official accounts and the like
	}
	key := openwechat.FormatEmoji(u.RemarkName)
	if key == "" {
		key = openwechat.FormatEmoji(u.NickName)
	}
	name, ok := s.chatName(m.FromUserName, key, false)
	if !ok {
		return who{}, false
	}
	return who{chat: bot.ChatID(name), kind: bot.Private, sender: bot.UserID(name), senderName: name, botNames: []string{selfNick}}, true
}

// chatName is the name of the chat a message came from: the directory's,
// which follows renames, or else the one openwechat gave (then learned). A
// name two chats share is refused, as for sending.
func (s *session) chatName(userName, fallback string, group bool) (string, bool) {
	w := s.w
	w.mu.Lock()
	defer w.mu.Unlock()
	name := s.dir.name(userName)
	if name == "" {
		name = fallback
		s.dir.learn(userName, name, group)
	}
	if name == "" {
		w.log.Warn("wechat: message from a chat without a name; ignored (give the group a name)")
		return "", false
	}
	if n := len(s.dir.lookup(name)); n > 1 {
		s.alertOnceLocked("shared:"+name, sharedNameAlert(name, n))
		w.log.Warn("wechat: message from a chat whose name another chat has; ignored", "chat", name)
		return "", false
	}
	return name, true
}

func (s *session) message(m *openwechat.Message, id who) bot.Message {
	t := s.w.cfg.Now()
	if m.CreateTime > 0 {
		t = time.Unix(m.CreateTime, 0)
	}
	msg := bot.Message{
		Platform: bot.WeChat, Chat: id.chat, ChatKind: id.kind,
		ID: bot.MessageID(m.MsgId), Sender: id.sender, SenderName: id.senderName,
		BotNames: id.botNames, Time: t, WeakIdentity: id.weak,
	}
	if id.kind == bot.Group {
		msg.ChatTitle = string(id.chat)
	}
	return msg
}

// onText delivers a text (or a quote's reply text; refer is the quoted
// message's svrid).
func (s *session) onText(m *openwechat.Message, text, refer string) {
	id, ok := s.identify(m)
	if !ok {
		return
	}
	w := s.w
	msg := s.message(m, id)
	msg.Text = stripInlineQuote(text)
	if id.kind == bot.Group {
		msg.MentionsBot = m.IsAt() || mentionsAny(msg.Text, id.botNames)
	}
	w.mu.Lock()
	if refer != "" && w.known.has(refer) {
		msg.ReplyTo = bot.MessageID(refer)
	}
	w.known.add(m.MsgId)
	if looksTagged(msg.Text, msg.MentionsBot) {
		w.tagLocked(personKey{id.chat, id.sender})
	}
	w.mu.Unlock()
	s.push(inboundJob{msg: msg})
}

// tagLocked starts a person's picture window. w.mu is held.
func (w *WeChat) tagLocked(k personKey) {
	now := w.cfg.Now()
	if len(w.tagged) > 1000 {
		for old, at := range w.tagged {
			if now.Sub(at) > PhotoWindow {
				delete(w.tagged, old)
			}
		}
	}
	w.tagged[k] = now
}

// onPicture delivers a picture, with its bytes and no text, when its sender
// wrote a tagged message in the same chat within PhotoWindow: the core
// attaches it to the ticket that message opened. Other pictures are not for
// the bot.
func (s *session) onPicture(m *openwechat.Message) {
	id, ok := s.identify(m)
	if !ok {
		return
	}
	w := s.w
	w.mu.Lock()
	at, tagged := w.tagged[personKey{id.chat, id.sender}]
	since := w.cfg.Now().Sub(at)
	w.known.add(m.MsgId)
	w.mu.Unlock()
	if !tagged || since < 0 || since > PhotoWindow {
		return
	}
	msg := s.message(m, id)
	s.push(inboundJob{msg: msg, fetch: func(context.Context) (*bot.Attachment, error) {
		return w.downloadPicture(m)
	}})
}

// downloadPicture fetches a picture message's image (serialized with our
// other calls; it ends with the session's context).
func (w *WeChat) downloadPicture(m *openwechat.Message) (*bot.Attachment, error) {
	w.callMu.Lock()
	defer w.callMu.Unlock()
	resp, err := m.GetPicture()
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("picture %s: HTTP %s", m.MsgId, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxPicture+1))
	if err != nil {
		return nil, fmt.Errorf("picture %s: %w", m.MsgId, err)
	}
	if len(data) > maxPicture {
		return nil, fmt.Errorf("picture %s: larger than %d bytes", m.MsgId, maxPicture)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("picture %s: empty", m.MsgId)
	}
	mimeType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if !strings.HasPrefix(mimeType, "image/") {
		mimeType = http.DetectContentType(data)
	}
	ext := ".jpg"
	if exts, _ := mime.ExtensionsByType(mimeType); len(exts) > 0 && mimeType != "image/jpeg" {
		ext = exts[0]
	}
	return &bot.Attachment{Kind: "photo", Ref: m.MsgId, Name: m.MsgId + ext, MIMEType: mimeType, Data: data}, nil
}

// onRename reports a group's new name (bot.EventRenamed: Chat is the old
// name, ChatTitle and NewChat the new one, since the name is the chat's id
// here) and fetches the contacts again. The delivery goroutine waits for the
// event to be handled, so that the group's next messages, under the new
// name, find the binding already moved.
func (s *session) onRename(m *openwechat.Message) {
	newName := parseRename(m.Content)
	if newName == "" {
		return
	}
	w := s.w
	w.callMu.Lock()
	grp, err := m.Sender()
	w.callMu.Unlock()
	cached := ""
	if err == nil {
		cached = openwechat.FormatEmoji(grp.NickName)
	}
	w.mu.Lock()
	old := s.dir.name(m.FromUserName)
	if old == "" {
		old = cached
	}
	if old == "" {
		old = newName
	}
	if c := s.dir.byUser[m.FromUserName]; c != nil {
		c.name = newName
	} else {
		s.dir.learn(m.FromUserName, newName, true)
	}
	if n := len(s.dir.lookup(newName)); n > 1 {
		s.alertOnceLocked("shared:"+newName, sharedNameAlert(newName, n))
	}
	w.mu.Unlock()
	w.log.Info("wechat group renamed", "from", old, "to", newName)

	msg := bot.Message{
		Platform: bot.WeChat, Chat: bot.ChatID(old), ChatKind: bot.Group, ChatTitle: newName,
		ID: bot.MessageID(m.MsgId), Event: bot.EventRenamed, Time: s.w.cfg.Now(),
		BotNames: []string{openwechat.FormatEmoji(m.Owner().NickName)},
	}
	if m.CreateTime > 0 {
		msg.Time = time.Unix(m.CreateTime, 0)
	}
	if old != newName {
		msg.NewChat = bot.ChatID(newName)
	}
	s.push(inboundJob{msg: msg, wait: true})
	w.refreshAsync(s)
}

// parseRename reads the new name from a rename notice:
// `"张三"修改群名为“新名字”` or `你修改群名为“新名字”`.
func parseRename(content string) string {
	_, after, ok := strings.Cut(content, "修改群名为")
	if !ok {
		return ""
	}
	after = strings.TrimSpace(after)
	for _, q := range [][2]string{{"“", "”"}, {"\"", "\""}, {"「", "」"}} {
		if rest, ok := strings.CutPrefix(after, q[0]); ok {
			if i := strings.LastIndex(rest, q[1]); i > 0 {
				return rest[:i]
			}
		}
	}
	return ""
}

// quoteSep is the line WeChat puts between an inline quote and the reply:
// "- - - - - - - - - - - - - - -".
var quoteSep = regexp.MustCompile(`^[ \t]*-([ \t]*-){2,}[ \t]*$`)

// stripInlineQuote returns the reply of a quote that arrives as text,
// "「name：quoted」\n- - - - - - -\nreply", or the text unchanged when it does
// not have exactly that shape (the quoted part may span lines).
func stripInlineQuote(text string) string {
	if !strings.HasPrefix(text, "「") {
		return text
	}
	lines := strings.Split(text, "\n")
	for i := 1; i < len(lines); i++ {
		if !quoteSep.MatchString(lines[i]) {
			continue
		}
		if !strings.HasSuffix(strings.TrimSpace(strings.Join(lines[:i], "\n")), "」") {
			continue
		}
		if reply := strings.TrimSpace(strings.Join(lines[i+1:], "\n")); reply != "" {
			return reply
		}
		return text
	}
	return text
}

// referMsg is the part of a quote message (MsgType 49, AppMsgType 57) we read.
type referMsg struct {
	AppMsg struct {
		Title    string `xml:"title"`
		Type     int    `xml:"type"`
		ReferMsg *struct {
			SvrID   string `xml:"svrid"`
			Content string `xml:"content"`
		} `xml:"refermsg"`
	} `xml:"appmsg"`
}

// parseReferMsg reads a quote message's XML: the reply text (the title) and
// the quoted message's server id. openwechat does not model refermsg.
func parseReferMsg(content string) (reply, svrid string, ok bool) {
	i := strings.Index(content, "<msg")
	if i < 0 {
		return "", "", false
	}
	var r referMsg
	if err := xml.Unmarshal([]byte(content[i:]), &r); err != nil {
		return "", "", false
	}
	if r.AppMsg.Type != 57 || r.AppMsg.ReferMsg == nil {
		return "", "", false
	}
	reply = strings.TrimSpace(r.AppMsg.Title)
	if reply == "" {
		return "", "", false
	}
	return reply, strings.TrimSpace(r.AppMsg.ReferMsg.SvrID), true
}

// mentionsAny reports whether text mentions one of the names: "@name"
// followed by WeChat's U+2005, a space, the end, or anything but an ASCII
// letter or digit.
func mentionsAny(text string, names []string) bool {
	for _, n := range names {
		if n == "" {
			continue
		}
		at := "@" + n
		for rest := text; ; {
			i := strings.Index(rest, at)
			if i < 0 {
				break
			}
			rest = rest[i+len(at):]
			if rest == "" || !isWordByte(rest[0]) {
				return true
			}
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}

// looksTagged reports a message that may open a ticket (a #tag, 【tag】, a
// slash command, or a mention of the bot): its sender's pictures in the next
// PhotoWindow are delivered.
func looksTagged(text string, mentionsBot bool) bool {
	if mentionsBot {
		return true
	}
	t := strings.TrimSpace(text)
	for _, p := range []string{"#", "＃", "/", "／", "【"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}
