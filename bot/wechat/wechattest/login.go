package wechattest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// loginReq is one login attempt: a QR code (jslogin) or a push login.
type loginReq struct {
	uuid      string
	push      bool
	scanned   bool
	reported  bool // the 201 "scanned" answer was given
	confirmed bool
	expired   bool
	ticket    string
	consumed  bool
}

func (l *loginReq) pending() bool { return !l.confirmed && !l.expired && !l.consumed }

// ErrNoPendingLogin is returned by Scan, ConfirmLogin and ExpireQR when no
// login is waiting.
var ErrNoPendingLogin = errors.New("wechattest: no pending login")

func (s *Server) latestPendingLocked() *loginReq {
	for i := len(s.loginOrder) - 1; i >= 0; i-- {
		if l := s.loginOrder[i]; l.pending() {
			return l
		}
	}
	return nil
}

// Scan plays the phone scanning the newest pending QR code: the login check
// then answers 201 (ScanCallBack). The login still waits for ConfirmLogin.
func (s *Server) Scan() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.latestPendingLocked()
	if l == nil {
		return ErrNoPendingLogin
	}
	l.scanned = true
	if l.push {
		l.reported = true // the phone shows a confirm button, nothing is scanned
	}
	s.notifyLocked()
	return nil
}

// ConfirmLogin plays the phone confirming the newest pending login (QR or
// push), scanning it first if needed. For a QR code not yet reported as
// scanned the client sees 201 and then 200.
func (s *Server) ConfirmLogin() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.latestPendingLocked()
	if l == nil {
		return ErrNoPendingLogin
	}
	l.scanned, l.confirmed = true, true
	if l.push {
		l.reported = true
	}
	s.notifyLocked()
	return nil
}

// ExpireQR expires the newest pending login: its check answers 400 and
// openwechat returns ErrLoginTimeout.
func (s *Server) ExpireQR() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.latestPendingLocked()
	if l == nil {
		return ErrNoPendingLogin
	}
	l.expired = true
	s.notifyLocked()
	return nil
}

// SetAutoConfirm switches WithAutoConfirm on or off.
func (s *Server) SetAutoConfirm(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.autoConfirm = on
	s.notifyLocked()
}

// SetPushAllowed sets whether webwxpushloginurl is granted.
func (s *Server) SetPushAllowed(allowed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pushAllowed = allowed
}

// WaitLoginRequest waits until a login (QR or push) is pending and returns
// its uuid.
func (s *Server) WaitLoginRequest(timeout time.Duration) (string, error) {
	var uuid string
	ok := s.waitUntil(context.Background(), timeout, func() bool {
		if l := s.latestPendingLocked(); l != nil {
			uuid = l.uuid
			return true
		}
		return false
	})
	if !ok {
		return "", fmt.Errorf("wechattest: no login request within %v", timeout)
	}
	return uuid, nil
}

// LoginCount is the number of successful new logins (new sessions), QR and
// push; hot logins are not counted (see InitCount).
func (s *Server) LoginCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loginCount
}

// QRShown is the number of QR codes issued (jslogin calls).
func (s *Server) QRShown() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.qrUUIDs)
}

// UUIDs are the uuids of the QR codes issued, oldest first.
func (s *Server) UUIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.qrUUIDs...)
}

// PushCount is the number of push logins granted by webwxpushloginurl.
func (s *Server) PushCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pushCount
}

// InitCount is the number of successful webwxinit calls: one per login of
// any kind, hot logins included.
func (s *Server) InitCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.initCount
}

func newUUID() string { return randB64(8, base64.URLEncoding) }

func (s *Server) handleJSLogin(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("appid") == "" {
		writeText(w, "window.QRLogin.code = 400; window.QRLogin.error = \"appid missing\";")
		return
	}
	s.mu.Lock()
	l := &loginReq{uuid: newUUID()}
	s.logins[l.uuid] = l
	s.loginOrder = append(s.loginOrder, l)
	s.qrUUIDs = append(s.qrUUIDs, l.uuid)
	s.notifyLocked()
	s.mu.Unlock()
	writeText(w, fmt.Sprintf("window.QRLogin.code = 200; window.QRLogin.uuid = %q;", l.uuid))
}

// loginAnswerLocked gives the login check's answer if one is ready.
func (s *Server) loginAnswerLocked(uuid string) (string, bool) {
	l := s.logins[uuid]
	switch {
	case l == nil || l.expired:
		return "window.code=400;", true
	case l.scanned && !l.reported:
		l.reported = true
		return "window.code=201;window.userAvatar = 'data:img/jpg;base64," +
			base64.StdEncoding.EncodeToString(s.placeholder) + "';", true
	case l.confirmed:
		if l.ticket == "" {
			l.ticket = randB64(18, base64.RawURLEncoding) + "@qrticket_0"
		}
		return fmt.Sprintf("window.code=200;\nwindow.redirect_uri=\"https://%s/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=%s&uuid=%s&lang=zh_CN&scan=%d\";",
			hostBase, l.ticket, l.uuid, time.Now().Unix()), true
	}
	return "", false
}

func (s *Server) handleCheckLogin(w http.ResponseWriter, r *http.Request) {
	uuid := r.URL.Query().Get("uuid")
	s.mu.Lock()
	if l := s.logins[uuid]; l != nil && s.autoConfirm && l.pending() {
		l.scanned, l.confirmed = true, true
		if l.push {
			l.reported = true
		}
	}
	s.mu.Unlock()

	var answer string
	s.waitUntil(r.Context(), s.pollHold, func() bool {
		if s.down {
			return true
		}
		a, ok := s.loginAnswerLocked(uuid)
		answer = a
		return ok
	})
	if s.isDown() {
		hangUp(w)
		return
	}
	if answer == "" {
		answer = "window.code=408;"
	}
	writeText(w, answer)
}

type loginPageXML struct {
	XMLName     xml.Name `xml:"error"`
	Ret         int      `xml:"ret"`
	Message     string   `xml:"message"`
	SKey        string   `xml:"skey,omitempty"`
	WxSid       string   `xml:"wxsid,omitempty"`
	WxUin       int64    `xml:"wxuin,omitempty"`
	PassTicket  string   `xml:"pass_ticket,omitempty"`
	IsGrayScale int      `xml:"isgrayscale,omitempty"`
}

const msgWebForbidden = "为了你的帐号安全，此微信号不能登录网页微信。你可以使用Windows微信或Mac微信在电脑端登录。" +
	"Windows微信下载地址：https://pc.weixin.qq.com  Mac微信下载地址：https://mac.weixin.qq.com"

func (s *Server) handleNewLoginPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	l := s.logins[q.Get("uuid")]
	if l == nil || l.ticket == "" || l.ticket != q.Get("ticket") || l.consumed {
		s.mu.Unlock()
		writeXML(w, loginPageXML{Ret: -14, Message: "ticket error"})
		return
	}
	l.consumed = true
	// UOS desktop mode sends these headers; without them most accounts are
	// refused web login.
	if !s.webLoginAllowed && (r.Header.Get("extspam") == "" || r.Header.Get("client-version") == "") {
		s.mu.Unlock()
		writeXML(w, loginPageXML{Ret: 1203, Message: msgWebForbidden})
		return
	}
	sess := s.newSessionLocked()
	s.loginCount++
	s.notifyLocked()
	uin := s.uin
	s.mu.Unlock()

	exp := time.Now().Add(24 * time.Hour)
	for name, value := range map[string]string{
		"wxuin":              strconv.FormatInt(uin, 10),
		"wxsid":              sess.sid,
		"webwx_data_ticket":  sess.dataTicket,
		"webwx_auth_ticket":  sess.authTicket,
		"mm_lang":            "zh_CN",
		"wxloadtime":         strconv.FormatInt(time.Now().Unix(), 10),
		"webwxuvid":          randHex(32),
		"last_wxuin_forpush": strconv.FormatInt(uin, 10),
	} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: value, Domain: hostBase, Path: "/", Expires: exp})
	}
	writeXML(w, loginPageXML{
		Ret: 0, SKey: sess.skey, WxSid: sess.sid, WxUin: uin,
		PassTicket: sess.passTicket, IsGrayScale: 1,
	})
}

func (s *Server) handlePushLogin(w http.ResponseWriter, r *http.Request) {
	uin, _ := strconv.ParseInt(r.URL.Query().Get("uin"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	type resp struct {
		Ret  string `json:"ret"`
		Msg  string `json:"msg"`
		UUID string `json:"uuid,omitempty"`
	}
	if !s.everLogged || uin != s.uin {
		writeJSON(w, resp{Ret: "1", Msg: "uin is invalid"})
		return
	}
	if !s.pushAllowed {
		writeJSON(w, resp{Ret: "1", Msg: "push login refused"})
		return
	}
	l := &loginReq{uuid: newUUID(), push: true}
	s.logins[l.uuid] = l
	s.loginOrder = append(s.loginOrder, l)
	s.pushCount++
	s.notifyLocked()
	writeJSON(w, resp{Ret: "0", Msg: "all ok", UUID: l.uuid})
}

type initResponse struct {
	BaseResponse        baseResponse
	Count               int
	ContactList         []wireUser
	SyncKey             syncKey
	User                wireUser
	ChatSet             string
	SKey                string
	ClientVersion       int
	SystemTime          int64
	GrayScale           int
	InviteStartCount    int
	MPSubscribeMsgCount int
	MPSubscribeMsgList  []struct{}
	ClickReportInterval int
}

func (s *Server) handleInit(w http.ResponseWriter, r *http.Request) {
	var body struct{ BaseRequest baseRequest }
	_ = json.NewDecoder(r.Body).Decode(&body)
	s.mu.Lock()
	if !s.authLocked(r, &body.BaseRequest) {
		s.mu.Unlock()
		writeJSON(w, initResponse{BaseResponse: baseResponse{Ret: 1101}, ContactList: []wireUser{}, MPSubscribeMsgList: []struct{}{}})
		return
	}
	s.initCount++
	contacts := []wireUser{fileHelperWire()}
	chatSet := []string{"filehelper"}
	for _, g := range s.groups {
		if g.saved {
			contacts = append(contacts, s.groupWireLocked(g, true))
			chatSet = append(chatSet, g.userName)
		}
	}
	resp := initResponse{
		BaseResponse:        baseResponse{},
		Count:               len(contacts),
		ContactList:         contacts,
		SyncKey:             s.issueKeyLocked(),
		User:                s.selfWireLocked(),
		ChatSet:             strings.Join(chatSet, ",") + ",",
		SKey:                s.sess.skey,
		ClientVersion:       1661009441,
		SystemTime:          time.Now().Unix(),
		GrayScale:           1,
		InviteStartCount:    40,
		MPSubscribeMsgList:  []struct{}{},
		ClickReportInterval: 600000,
	}
	// The real server follows a login with a MsgType 51 status notification
	// listing the recent chats; it comes with the first webwxsync.
	s.appendLocked(&entry{kind: kindNotify, chatSet: resp.ChatSet})
	s.mu.Unlock()
	writeJSON(w, resp)
}

func (s *Server) handleStatusNotify(w http.ResponseWriter, r *http.Request) {
	var body struct{ BaseRequest baseRequest }
	_ = json.NewDecoder(r.Body).Decode(&body)
	s.mu.Lock()
	ok := s.authLocked(r, &body.BaseRequest)
	id := ""
	if ok {
		id = s.newMsgIDLocked()
	}
	s.mu.Unlock()
	if !ok {
		writeJSON(w, struct{ BaseResponse baseResponse }{baseResponse{Ret: 1101}})
		return
	}
	writeJSON(w, struct {
		BaseResponse baseResponse
		MsgID        string
	}{baseResponse{}, id})
}

// handleLogout ends the session when the client logs out (bot.Logout).
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.sess != nil && s.sess.valid && r.URL.Query().Get("skey") == s.sess.skey {
		s.sess.valid = false
		s.notifyLocked()
	}
	s.mu.Unlock()
	writeJSON(w, struct{ BaseResponse baseResponse }{baseResponse{}})
}

type contactResponse struct {
	BaseResponse baseResponse
	MemberCount  int
	MemberList   []wireUser
	Seq          int64
}

// handleGetContact lists friends, saved groups and the file helper, in pages
// linked by Seq.
func (s *Server) handleGetContact(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	seq, _ := strconv.ParseInt(q.Get("seq"), 10, 64)
	s.mu.Lock()
	if !s.authLocked(r, nil) || q.Get("skey") != s.sess.skey {
		s.mu.Unlock()
		writeJSON(w, contactResponse{BaseResponse: baseResponse{Ret: 1101}, MemberList: []wireUser{}})
		return
	}
	all := []wireUser{fileHelperWire()}
	for _, p := range s.peopleOrder {
		if p.friend {
			all = append(all, s.personWireLocked(p))
		}
	}
	for _, g := range s.groups {
		if g.saved {
			all = append(all, s.groupWireLocked(g, false))
		}
	}
	pageSize := s.pageSize
	s.mu.Unlock()
	start := min(int(seq), len(all))
	end := min(start+pageSize, len(all))
	next := int64(0)
	if end < len(all) {
		next = int64(end)
	}
	page := all[start:end]
	writeJSON(w, contactResponse{MemberCount: len(page), MemberList: page, Seq: next})
}

// handleBatchGetContact details the requested contacts in request order;
// groups come with their MemberList.
func (s *Server) handleBatchGetContact(w http.ResponseWriter, r *http.Request) {
	var body struct {
		BaseRequest baseRequest
		Count       int
		List        []struct{ UserName, EncryChatRoomId string }
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	type resp struct {
		BaseResponse baseResponse
		Count        int
		ContactList  []wireUser
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.authLocked(r, &body.BaseRequest) {
		writeJSON(w, resp{BaseResponse: baseResponse{Ret: 1101}, ContactList: []wireUser{}})
		return
	}
	list := []wireUser{}
	for _, item := range body.List {
		switch v := s.byUserName[item.UserName].(type) {
		case *groupState:
			list = append(list, s.groupWireLocked(v, true))
		case *person:
			list = append(list, s.personWireLocked(v))
		default:
			if item.UserName == s.selfUserNm {
				list = append(list, s.selfWireLocked())
			} else {
				// Unknown or stale UserName: an empty entry keeps the answer
				// aligned with the request, which openwechat relies on.
				list = append(list, wireUser{UserName: item.UserName, MemberList: []wireMember{}})
			}
		}
	}
	writeJSON(w, resp{Count: len(list), ContactList: list})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeText(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	_, _ = w.Write([]byte(body))
}

func writeXML(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	b, _ := xml.Marshal(v)
	_, _ = w.Write(b)
}
