package wechattest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
)

// Group describes a group chat of the fake account.
type Group struct {
	// NickName is the group name (群名称).
	NickName string
	// Saved is true when the group is saved to the address book
	// (保存到通讯录); only saved groups are listed by webwxgetcontact.
	Saved bool
	// SelfDisplayName is the account's own card name in the group (我在本群的昵称);
	// openwechat matches "@<name>\u2005" against it (or the nickname) for IsAt.
	SelfDisplayName string
	// Members are the other members; the account itself is always a member.
	Members []Member
}

// Member is one member of a Group.
type Member struct {
	NickName string
	// DisplayName is the member's card in the group (群昵称), e.g. "3-201 张三".
	DisplayName string
}

type person struct {
	nick     string
	remark   string
	friend   bool
	userName string
	seq      int64
}

type membership struct {
	p       *person
	display string
}

type groupState struct {
	nick        string
	saved       bool
	selfDisplay string
	members     []*membership
	userName    string
	encryID     string
	seq         int64
}

type session struct {
	sid, skey, passTicket, dataTicket, authTicket string
	valid                                         bool
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randInt(n int64) int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:])>>1) % n
}

func randB64(n int, enc *base64.Encoding) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return enc.EncodeToString(b)
}

func (s *Server) addFriendLocked(nick, remark string) {
	p := s.personLocked(nick)
	p.friend, p.remark = true, remark
}

// personLocked returns the person with that nickname, creating one.
func (s *Server) personLocked(nick string) *person {
	if p, ok := s.people[nick]; ok {
		return p
	}
	p := &person{nick: nick}
	s.people[nick] = p
	s.peopleOrder = append(s.peopleOrder, p)
	if s.sess != nil {
		s.nameLocked(p)
	}
	return p
}

func (s *Server) addGroupLocked(g Group) {
	if s.groupLocked(g.NickName) != nil {
		panic(fmt.Sprintf("wechattest: group %q already exists", g.NickName))
	}
	gs := &groupState{nick: g.NickName, saved: g.Saved, selfDisplay: g.SelfDisplayName}
	for _, m := range g.Members {
		gs.members = append(gs.members, &membership{p: s.personLocked(m.NickName), display: m.DisplayName})
	}
	s.groups = append(s.groups, gs)
	if s.sess != nil {
		s.nameGroupLocked(gs)
	}
}

func (s *Server) groupLocked(nick string) *groupState {
	for _, g := range s.groups {
		if g.nick == nick {
			return g
		}
	}
	return nil
}

func (s *Server) mustGroupLocked(nick string) *groupState {
	g := s.groupLocked(nick)
	if g == nil {
		panic(fmt.Sprintf("wechattest: no group %q", nick))
	}
	return g
}

func (g *groupState) member(nick string) *membership {
	for _, m := range g.members {
		if m.p.nick == nick {
			return m
		}
	}
	return nil
}

func (g *groupState) mustMember(nick string) *membership {
	m := g.member(nick)
	if m == nil {
		panic(fmt.Sprintf("wechattest: %q is not a member of group %q", nick, g.nick))
	}
	return m
}

func (s *Server) mustFriendLocked(nick string) *person {
	p, ok := s.people[nick]
	if !ok || !p.friend {
		panic(fmt.Sprintf("wechattest: no friend %q", nick))
	}
	return p
}

// AddFriend adds a friend to the account.
func (s *Server) AddFriend(nickName, remarkName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addFriendLocked(nickName, remarkName)
	s.notifyLocked()
}

// AddGroup adds a group chat to the account. It panics if a group of that
// name already exists.
func (s *Server) AddGroup(g Group) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addGroupLocked(g)
	s.notifyLocked()
}

// AddMember adds a member to a group, silently (no "加入了群聊" message).
func (s *Server) AddMember(groupNick string, m Member) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.mustGroupLocked(groupNick)
	if g.member(m.NickName) == nil {
		g.members = append(g.members, &membership{p: s.personLocked(m.NickName), display: m.DisplayName})
	}
	s.notifyLocked()
}

// SetGroupSaved sets whether a group is saved to the address book.
func (s *Server) SetGroupSaved(groupNick string, saved bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustGroupLocked(groupNick).saved = saved
	s.notifyLocked()
}

// UserName is the current session's UserName of the account itself, a
// group, a friend or a group member, found by nickname; "" before the first
// login or for an unknown name. It changes with every new login.
func (s *Server) UserName(nickName string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess == nil {
		return ""
	}
	if nickName == s.selfNick {
		return s.selfUserNm
	}
	if g := s.groupLocked(nickName); g != nil {
		return g.userName
	}
	if p, ok := s.people[nickName]; ok {
		return p.userName
	}
	return ""
}

// newSessionLocked starts a new session: new credentials and new UserNames
// for everyone, like a real new login. The previous session becomes invalid.
func (s *Server) newSessionLocked() *session {
	if s.sess != nil {
		s.sess.valid = false
	}
	s.sess = &session{
		sid:        randB64(12, base64.RawStdEncoding),
		skey:       "@crypt_" + randHex(4) + "_" + randHex(16),
		passTicket: randB64(48, base64.StdEncoding),
		dataTicket: randB64(48, base64.StdEncoding),
		authTicket: randB64(48, base64.StdEncoding),
		valid:      true,
	}
	s.byUserName = map[string]any{}
	s.selfUserNm = "@" + randHex(16)
	for _, p := range s.peopleOrder {
		s.nameLocked(p)
	}
	for _, g := range s.groups {
		s.nameGroupLocked(g)
	}
	s.everLogged = true
	return s.sess
}

func (s *Server) nameLocked(p *person) {
	p.userName = "@" + randHex(16)
	p.seq = 600000000 + randInt(100000000)
	s.byUserName[p.userName] = p
}

func (s *Server) nameGroupLocked(g *groupState) {
	g.userName = "@@" + randHex(32)
	g.encryID = "@" + randHex(16)
	g.seq = 600000000 + randInt(100000000)
	s.byUserName[g.userName] = g
}

// SessionValid reports whether the current session (if any) is valid.
func (s *Server) SessionValid() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sess != nil && s.sess.valid
}

// Logout invalidates the current session, as a logout on the phone does:
// synccheck answers retcode "1101" (held synccheck requests at once) and every
// other endpoint BaseResponse Ret 1101.
func (s *Server) Logout() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess != nil {
		s.sess.valid = false
	}
	s.notifyLocked()
}

type baseRequest struct {
	Uin      int64
	Sid      string
	Skey     string
	DeviceID string
}

type baseResponse struct {
	Ret    int
	ErrMsg string
}

// authLocked checks a BaseRequest (if br is not nil) and, in strict mode,
// the session cookies.
func (s *Server) authLocked(r *http.Request, br *baseRequest) bool {
	if s.sess == nil || !s.sess.valid {
		return false
	}
	if br != nil && (br.Sid != s.sess.sid || br.Skey != s.sess.skey || br.Uin != s.uin) {
		return false
	}
	return !s.strictCookies || s.cookiesOKLocked(r)
}

func (s *Server) cookiesOKLocked(r *http.Request) bool {
	sid, err1 := r.Cookie("wxsid")
	uin, err2 := r.Cookie("wxuin")
	return err1 == nil && err2 == nil && sid.Value == s.sess.sid && uin.Value == strconv.FormatInt(s.uin, 10)
}

// wireUser is a contact as the real server encodes it.
type wireUser struct {
	Uin               int64
	UserName          string
	NickName          string
	HeadImgUrl        string
	ContactFlag       int
	MemberCount       int
	MemberList        []wireMember
	RemarkName        string
	HideInputBarFlag  int
	Sex               int
	Signature         string
	VerifyFlag        int
	OwnerUin          int64
	PYInitial         string
	PYQuanPin         string
	RemarkPYInitial   string
	RemarkPYQuanPin   string
	StarFriend        int
	AppAccountFlag    int
	Statues           int
	AttrStatus        int64
	Province          string
	City              string
	Alias             string
	SnsFlag           int
	UniFriend         int
	DisplayName       string
	ChatRoomId        int
	KeyWord           string
	EncryChatRoomId   string
	IsOwner           int
	WebWxPluginSwitch int
	HeadImgFlag       int
}

// wireMember is a group member inside MemberList.
type wireMember struct {
	Uin             int64
	UserName        string
	NickName        string
	AttrStatus      int64
	PYInitial       string
	PYQuanPin       string
	RemarkPYInitial string
	RemarkPYQuanPin string
	MemberStatus    int
	DisplayName     string
	KeyWord         string
}

func (s *Server) iconURL(kind, userName string, seq int64) string {
	return fmt.Sprintf("/cgi-bin/mmwebwx-bin/%s?seq=%d&username=%s&skey=%s", kind, seq, userName, s.sess.skey)
}

func (s *Server) selfWireLocked() wireUser {
	return wireUser{
		Uin: s.uin, UserName: s.selfUserNm, NickName: s.selfNick,
		HeadImgUrl:  s.iconURL("webwxgeticon", s.selfUserNm, 1),
		MemberList:  []wireMember{},
		HeadImgFlag: 1, WebWxPluginSwitch: 0, SnsFlag: 1,
	}
}

// The avatar seq changes with every session on purpose: the real one changes
// with the avatar, so nothing may use it as a stable id.
func (s *Server) personWireLocked(p *person) wireUser {
	u := wireUser{
		UserName: p.userName, NickName: p.nick, RemarkName: p.remark,
		HeadImgUrl: s.iconURL("webwxgeticon", p.userName, p.seq),
		MemberList: []wireMember{}, SnsFlag: 1,
	}
	if p.friend {
		u.ContactFlag = 3
	}
	return u
}

func (s *Server) groupWireLocked(g *groupState, withMembers bool) wireUser {
	u := wireUser{
		UserName: g.userName, NickName: g.nick,
		HeadImgUrl:      s.iconURL("webwxgetheadimg", g.userName, g.seq),
		MemberCount:     len(g.members) + 1,
		MemberList:      []wireMember{},
		EncryChatRoomId: g.encryID,
	}
	if g.saved {
		u.ContactFlag = 3
	}
	if withMembers {
		u.MemberList = append(u.MemberList, wireMember{UserName: s.selfUserNm, NickName: s.selfNick, DisplayName: g.selfDisplay})
		for _, m := range g.members {
			u.MemberList = append(u.MemberList, wireMember{UserName: m.p.userName, NickName: m.p.nick, DisplayName: m.display})
		}
	}
	return u
}

func fileHelperWire() wireUser {
	return wireUser{UserName: "filehelper", NickName: "文件传输助手", MemberList: []wireMember{}}
}

// resolveLocked names the contact behind a current-session UserName.
func (s *Server) resolveLocked(userName string) (nick string, isGroup, ok bool) {
	switch userName {
	case s.selfUserNm:
		return s.selfNick, false, true
	case "filehelper":
		return "文件传输助手", false, true
	}
	switch v := s.byUserName[userName].(type) {
	case *person:
		return v.nick, false, true
	case *groupState:
		return v.nick, true, true
	}
	return "", false, false
}
