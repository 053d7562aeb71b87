package wechattest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type entryKind int

const (
	kindGroupText entryKind = iota
	kindGroupImage
	kindPrivateText
	kindSelfText
	kindGroupSystem
	kindNotify
	kindGroupQuote
)

// entry is one message in the account's log. Its wire form is rendered at
// delivery time with the UserNames of the session that receives it.
type entry struct {
	seq       int64
	msgID     string
	created   int64
	kind      entryKind
	group     *groupState // group of the message (or target of a self text)
	from      *person     // group member or friend who wrote it
	to        *person     // friend target of a self text
	text      string      // plain text, escaped when rendered
	sys       string      // content of a system message
	img       []byte
	imgW      int
	imgH      int
	chatSet   string
	modGroups []*groupState // contacts changed by this message (rename)
	quote     *quoted       // the message a quote (kindGroupQuote) replies to
}

// quoted is what a quote message carries of the message it quotes.
type quoted struct {
	svrID   string // its server id (MsgId / NewMsgId)
	fromUsr string // the chat it was in
	chatUsr string // who wrote it
	name    string // their name as shown
	text    string
}

type keyVal struct{ Key, Val int64 }

type syncKey struct {
	Count int
	List  []keyVal
}

// wireMsg is a message in AddMsgList as the real server encodes it.
type wireMsg struct {
	MsgId                string
	FromUserName         string
	ToUserName           string
	MsgType              int
	Content              string
	Status               int
	ImgStatus            int
	CreateTime           int64
	VoiceLength          int
	PlayLength           int
	FileName             string
	FileSize             string
	MediaId              string
	Url                  string
	AppMsgType           int
	StatusNotifyCode     int
	StatusNotifyUserName string
	RecommendInfo        wireRecommend
	ForwardFlag          int
	AppInfo              struct {
		AppID string
		Type  int
	}
	HasProductId  int
	Ticket        string
	ImgHeight     int
	ImgWidth      int
	SubMsgType    int
	NewMsgId      int64
	OriContent    string
	EncryFileName string
}

type wireRecommend struct {
	UserName   string
	NickName   string
	QQNum      int64
	Province   string
	City       string
	Content    string
	Signature  string
	Alias      string
	Scene      int
	VerifyFlag int
	AttrStatus int64
	Sex        int
	Ticket     string
	OpCode     int
}

// maxSyncBatch is how many messages one webwxsync answer carries at most;
// the rest come with the next one (ContinueFlag).
const maxSyncBatch = 50

// Mention is the text WeChat puts in a message for an @mention of name:
// "@" + name + U+2005 (four-per-em space).
func Mention(name string) string { return "@" + name + "\u2005" }

// xmlEscape escapes text inside an XML element.
var xmlEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;", "'", "&apos;").Replace

// wxEscape escapes text the way the server puts it in Content.
var wxEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r\n", "<br/>", "\n", "<br/>").Replace

func (s *Server) newMsgIDLocked() string {
	s.nextID++
	return strconv.FormatInt(s.nextID, 10)
}

func (s *Server) headLocked() int64 { return int64(len(s.log)) }

func (s *Server) appendLocked(e *entry) *entry {
	e.seq = s.headLocked() + 1
	if e.msgID == "" {
		e.msgID = s.newMsgIDLocked()
	}
	if e.created == 0 {
		e.created = time.Now().Unix()
	}
	s.log = append(s.log, e)
	s.notifyLocked()
	return e
}

// keyLocked is the sync key whose cursor is the log position cursor.
func (s *Server) keyLocked(cursor int64) syncKey {
	v := s.syncBase + cursor
	return syncKey{Count: 4, List: []keyVal{{1, v}, {2, v + 40}, {3, s.syncBase}, {1000, time.Now().Unix()}}}
}

// issueKeyLocked hands out the key at the head of the log.
func (s *Server) issueKeyLocked() syncKey { return s.issueKeyAtLocked(s.headLocked()) }

func (s *Server) issueKeyAtLocked(cursor int64) syncKey {
	k := s.keyLocked(cursor)
	v := k.List[0].Val
	s.issuedKeys[v] = true
	s.newestKey = max(s.newestKey, v)
	return k
}

// GroupText injects a text message written by memberNick in groupNick and
// returns its MsgId. Content goes out as "@<member UserName>:<br/>" followed
// by the HTML-escaped text with newlines as <br/>, like the real server.
// It panics on an unknown group or member.
func (s *Server) GroupText(groupNick, memberNick, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.mustGroupLocked(groupNick)
	m := g.mustMember(memberNick)
	return s.appendLocked(&entry{kind: kindGroupText, group: g, from: m.p, text: text}).msgID
}

// GroupQuote injects a quote ("引用") written by memberNick in groupNick: the
// reply text with the quoted message, as WeChat sends it since 2020 — an app
// message (MsgType 49, AppMsgType 57) whose XML has the reply as its title
// and a <refermsg> naming the quoted message by its server id. quotedMsgID is
// a message the server knows: one a member wrote, or one the account sent
// (SentMessage.MsgID). It returns the quote's MsgId; it panics on an unknown
// group, member or message.
func (s *Server) GroupQuote(groupNick, memberNick, quotedMsgID, reply string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.mustGroupLocked(groupNick)
	m := g.mustMember(memberNick)
	q := &quoted{svrID: quotedMsgID, fromUsr: g.userName}
	for _, e := range s.log {
		if e.msgID == quotedMsgID && e.from != nil {
			q.chatUsr, q.name, q.text = e.from.userName, e.from.nick, e.text
		}
	}
	for _, sm := range s.sent {
		if sm.MsgID == quotedMsgID {
			q.chatUsr, q.name, q.text = s.selfUserNm, s.selfNick, sm.Content
		}
	}
	if q.chatUsr == "" {
		panic(fmt.Sprintf("wechattest: no message %s to quote", quotedMsgID))
	}
	return s.appendLocked(&entry{kind: kindGroupQuote, group: g, from: m.p, text: reply, quote: q}).msgID
}

// quoteXML is the app message of a quote, trimmed of the empty elements the
// real one also carries; the quoted text is escaped once more inside it.
const quoteXML = "<?xml version=\"1.0\"?>\n<msg>\n\t<appmsg appid=\"\" sdkver=\"0\">\n\t\t<title>%s</title>\n\t\t<des />\n" +
	"\t\t<type>57</type>\n\t\t<showtype>0</showtype>\n\t\t<appattach>\n\t\t\t<totallen>0</totallen>\n\t\t</appattach>\n" +
	"\t\t<refermsg>\n\t\t\t<type>1</type>\n\t\t\t<svrid>%s</svrid>\n\t\t\t<fromusr>%s</fromusr>\n" +
	"\t\t\t<chatusr>%s</chatusr>\n\t\t\t<displayname>%s</displayname>\n\t\t\t<content>%s</content>\n\t\t</refermsg>\n" +
	"\t</appmsg>\n\t<fromusername>%s</fromusername>\n\t<scene>0</scene>\n</msg>\n"

// GroupMention injects a group text that @mentions the account itself
// (by its display name in the group, or its nickname), followed by text.
func (s *Server) GroupMention(groupNick, memberNick, text string) string {
	s.mu.Lock()
	name := s.selfNick
	if g := s.mustGroupLocked(groupNick); g.selfDisplay != "" {
		name = g.selfDisplay
	}
	s.mu.Unlock()
	return s.GroupText(groupNick, memberNick, Mention(name)+text)
}

// PrivateText injects a text message from a friend to the account.
func (s *Server) PrivateText(friendNick, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustFriendLocked(friendNick)
	return s.appendLocked(&entry{kind: kindPrivateText, from: p, text: text}).msgID
}

// SelfText injects a message the account sent itself from the phone to a
// group or friend named toNick (FromUserName = self).
func (s *Server) SelfText(toNick, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := &entry{kind: kindSelfText, text: text}
	if g := s.groupLocked(toNick); g != nil {
		e.group = g
	} else {
		e.to = s.mustFriendLocked(toNick)
	}
	return s.appendLocked(e).msgID
}

// GroupImage injects a picture (MsgType 3) sent by memberNick in groupNick;
// the client fetches the bytes through webwxgetmsgimg?MsgID=….
func (s *Server) GroupImage(groupNick, memberNick string, jpegBytes []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.mustGroupLocked(groupNick)
	m := g.mustMember(memberNick)
	e := &entry{kind: kindGroupImage, group: g, from: m.p, img: append([]byte(nil), jpegBytes...)}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(jpegBytes)); err == nil {
		e.imgW, e.imgH = cfg.Width, cfg.Height
	}
	e = s.appendLocked(e)
	s.msgImages[e.msgID] = e.img
	return e.msgID
}

// RenameGroup renames a group and injects the system message (MsgType 10000)
// `"<byMember>"修改群名为“<newNick>”` (`你修改群名为“…”` when byMember is "" or
// the account itself). The group keeps its UserName.
func (s *Server) RenameGroup(oldNick, newNick, byMember string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.mustGroupLocked(oldNick)
	if s.groupLocked(newNick) != nil {
		panic(fmt.Sprintf("wechattest: group %q already exists", newNick))
	}
	content := "你修改群名为“" + newNick + "”"
	if byMember != "" && byMember != s.selfNick {
		content = "\"" + g.mustMember(byMember).p.nick + "\"修改群名为“" + newNick + "”"
	}
	g.nick = newNick
	return s.appendLocked(&entry{kind: kindGroupSystem, group: g, sys: content, modGroups: []*groupState{g}}).msgID
}

// ReplayOld delivers an already injected message again, same MsgId, as the
// real server sometimes does (for example after a hot login).
func (s *Server) ReplayOld(msgID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.log {
		if e.msgID == msgID {
			c := *e
			s.appendLocked(&c)
			return nil
		}
	}
	return fmt.Errorf("wechattest: no message %s", msgID)
}

// Delivered is how many times the message went out in a webwxsync answer.
func (s *Server) Delivered(msgID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delivered[msgID]
}

// WaitDelivered waits until the message has gone out in a webwxsync answer.
func (s *Server) WaitDelivered(msgID string, timeout time.Duration) error {
	if !s.waitUntil(context.Background(), timeout, func() bool { return s.delivered[msgID] > 0 }) {
		return fmt.Errorf("wechattest: message %s not delivered within %v", msgID, timeout)
	}
	return nil
}

// SyncKeyErrors counts webwxsync requests whose SyncKey the server never
// issued; a correct client keeps it at 0.
func (s *Server) SyncKeyErrors() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.syncKeyErrors
}

// StaleSyncs counts webwxsync requests whose SyncKey was older than the
// newest one the server had issued, i.e. that made the server send messages
// again (a hot login from an old dump, or two clients on one session).
func (s *Server) StaleSyncs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.staleSyncs
}

const imgXML = "<?xml version=\"1.0\"?>\n<msg>\n\t<img aeskey=\"%s\" encryver=\"1\" cdnthumbaeskey=\"%s\" " +
	"cdnthumburl=\"3057020100044b304902010002040%s\" cdnthumblength=\"%d\" cdnthumbheight=\"%d\" cdnthumbwidth=\"%d\" " +
	"cdnmidheight=\"0\" cdnmidwidth=\"0\" cdnhdheight=\"0\" cdnhdwidth=\"0\" cdnmidimgurl=\"3057020100044b304902010002040%s\" " +
	"length=\"%d\" md5=\"%s\" />\n\t<platform_signature></platform_signature>\n\t<imgdatahash></imgdatahash>\n</msg>\n"

// renderLocked gives the wire form of e for the current session.
func (s *Server) renderLocked(e *entry) wireMsg {
	m := wireMsg{
		MsgId: e.msgID, CreateTime: e.created, Status: 3, ImgStatus: 1,
		ToUserName: s.selfUserNm,
	}
	m.NewMsgId, _ = strconv.ParseInt(e.msgID, 10, 64)
	switch e.kind {
	case kindGroupText:
		m.MsgType, m.FromUserName = 1, e.group.userName
		m.Content = e.from.userName + ":<br/>" + wxEscape(e.text)
	case kindGroupImage:
		sum := md5.Sum(e.img)
		x := fmt.Sprintf(imgXML, randHex(16), randHex(16), randHex(24), len(e.img)/4, e.imgH, e.imgW, randHex(24),
			len(e.img), hex.EncodeToString(sum[:]))
		m.MsgType, m.FromUserName, m.ImgStatus = 3, e.group.userName, 2
		m.Content = e.from.userName + ":<br/>" + wxEscape(x)
		m.ImgWidth, m.ImgHeight = e.imgW, e.imgH
	case kindPrivateText:
		m.MsgType, m.FromUserName, m.Content = 1, e.from.userName, wxEscape(e.text)
	case kindSelfText:
		m.MsgType, m.FromUserName, m.Content = 1, s.selfUserNm, wxEscape(e.text)
		if e.group != nil {
			m.ToUserName = e.group.userName
		} else {
			m.ToUserName = e.to.userName
		}
	case kindGroupQuote:
		x := fmt.Sprintf(quoteXML, xmlEscape(e.text), e.quote.svrID, e.quote.fromUsr, e.quote.chatUsr,
			xmlEscape(e.quote.name), xmlEscape(e.quote.text), e.from.userName)
		m.MsgType, m.AppMsgType, m.FromUserName = 49, 57, e.group.userName
		m.Content = e.from.userName + ":<br/>" + wxEscape(x)
	case kindGroupSystem:
		m.MsgType, m.FromUserName, m.Content = 10000, e.group.userName, e.sys
	case kindNotify:
		m.MsgType, m.FromUserName, m.StatusNotifyCode = 51, s.selfUserNm, 4
		names := []string{"filehelper"}
		for _, g := range s.groups {
			if g.saved {
				names = append(names, g.userName)
			}
		}
		m.StatusNotifyUserName = strings.Join(names, ",")
		m.Content = wxEscape("<msg>\n<op id='4'>\n<username>" + m.StatusNotifyUserName + "</username>\n" +
			"<unreadchatlist>\n</unreadchatlist>\n<unreadfunctionlist>\n</unreadfunctionlist>\n</op>\n</msg>")
	}
	return m
}

// cursorOf reads the log position from a sync key's Key 1.
func (s *Server) cursorOf(v int64) int64 { return max(v-s.syncBase, 0) }

func parseSyncKeyParam(p string) (int64, bool) {
	for _, kv := range strings.Split(p, "|") {
		k, v, ok := strings.Cut(kv, "_")
		if ok && k == "1" {
			n, err := strconv.ParseInt(v, 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

func (s *Server) syncCheckValidLocked(q map[string][]string) bool {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	return s.sess != nil && s.sess.valid && get("sid") == s.sess.sid && get("skey") == s.sess.skey &&
		get("uin") == strconv.FormatInt(s.uin, 10)
}

// handleSyncCheck is the long-poll: selector "2" when messages past the
// client's sync key are waiting, else it holds until one is injected or the
// hold ends ("0"); retcode "1101" once the session is invalid.
func (s *Server) handleSyncCheck(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	key, _ := parseSyncKeyParam(q.Get("synckey"))
	s.mu.Lock()
	cursor := s.cursorOf(key)
	s.mu.Unlock()

	s.waitUntil(r.Context(), s.pollHold, func() bool {
		return s.down || !s.syncCheckValidLocked(q) || s.headLocked() > cursor
	})
	if r.Context().Err() != nil {
		return
	}
	s.mu.Lock()
	down := s.down
	retcode, selector := "0", "0"
	switch {
	case !s.syncCheckValidLocked(q):
		retcode = "1101"
	case s.headLocked() > cursor:
		selector = "2"
	}
	s.mu.Unlock()
	if down {
		hangUp(w)
		return
	}
	writeText(w, fmt.Sprintf(`window.synccheck={retcode:"%s",selector:"%s"}`, retcode, selector))
}

type syncResponse struct {
	BaseResponse           baseResponse
	AddMsgCount            int
	AddMsgList             []wireMsg
	ModContactCount        int
	ModContactList         []wireUser
	DelContactCount        int
	DelContactList         []wireUser
	ModChatRoomMemberCount int
	ModChatRoomMemberList  []wireUser
	ContinueFlag           int
	SyncKey                syncKey
	SyncCheckKey           syncKey
	SKey                   string
}

func (s *Server) handleSync(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var body struct {
		BaseRequest baseRequest
		SyncKey     syncKey
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	resp := syncResponse{
		AddMsgList: []wireMsg{}, ModContactList: []wireUser{}, DelContactList: []wireUser{},
		ModChatRoomMemberList: []wireUser{}, SyncKey: syncKey{List: []keyVal{}}, SyncCheckKey: syncKey{List: []keyVal{}},
	}
	s.mu.Lock()
	defer func() {
		s.mu.Unlock()
		writeJSON(w, resp)
	}()
	if !s.authLocked(r, &body.BaseRequest) || q.Get("sid") != s.sess.sid || q.Get("skey") != s.sess.skey ||
		q.Get("pass_ticket") != s.sess.passTicket {
		resp.BaseResponse.Ret = 1101
		return
	}
	var key int64
	for _, kv := range body.SyncKey.List {
		if kv.Key == 1 {
			key = kv.Val
		}
	}
	if !s.issuedKeys[key] {
		s.syncKeyErrors++
	} else if key < s.newestKey {
		s.staleSyncs++
	}
	cursor := s.cursorOf(key)
	end := min(s.headLocked(), cursor+maxSyncBatch)
	for _, e := range s.log[min(cursor, end):end] {
		resp.AddMsgList = append(resp.AddMsgList, s.renderLocked(e))
		s.delivered[e.msgID]++
		for _, g := range e.modGroups {
			resp.ModContactList = append(resp.ModContactList, s.groupWireLocked(g, true))
		}
	}
	if end < s.headLocked() {
		resp.ContinueFlag = 1
	}
	resp.AddMsgCount = len(resp.AddMsgList)
	resp.ModContactCount = len(resp.ModContactList)
	resp.SyncKey = s.issueKeyAtLocked(max(end, cursor))
	resp.SyncCheckKey = resp.SyncKey
	resp.SKey = s.sess.skey
	s.notifyLocked()
}

// handleGetMsgImg serves the picture of an injected image message.
func (s *Server) handleGetMsgImg(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	ok := s.authLocked(r, nil) && q.Get("skey") == s.sess.skey
	img := s.msgImages[q.Get("MsgID")]
	s.mu.Unlock()
	if !ok || img == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Length", strconv.Itoa(len(img)))
	_, _ = w.Write(img)
}
