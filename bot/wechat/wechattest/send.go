package wechattest

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"time"
)

// Ret codes the fake answers sends with.
const (
	// RetSessionInvalid (1101) is answered when the session is invalid.
	RetSessionInvalid = 1101
	// RetTooOften (1205) is the frequency-control refusal.
	RetTooOften = 1205
	// RetBadRecipient (1204) is answered when ToUserName is not a contact of
	// the current session (typically a UserName kept from an earlier login)
	// or is the account itself. Client projects report 1204 from the real
	// server for non-contacts and for sending to oneself.
	RetBadRecipient = 1204
	// RetBadRequest (1) is answered for a malformed send or upload (wrong
	// FromUserName, unknown MediaId, missing webwx_data_ticket…).
	RetBadRequest = 1
)

// SentMessage is a message the client sent, or tried to send.
type SentMessage struct {
	// ToNick is the nickname behind ToUserName in the session it was sent in.
	ToNick     string
	ToUserName string
	IsGroup    bool
	// Type is the wire type: 1 text, 3 image, 6 app message (file),
	// 43 video, 47 emoticon.
	Type    int
	Content string
	// MediaID, FileName and Data describe the uploaded media of an image,
	// file or video.
	MediaID     string
	FileName    string
	Data        []byte
	LocalID     string
	ClientMsgID string
	// MsgID is the server id answered to the client; "" when refused.
	MsgID string
	// Ret is 0 for an accepted send, else the refusal code.
	Ret      int
	Endpoint string
	Time     time.Time
}

type upload struct {
	name      string
	mediaType string
	chunks    [][]byte
	data      []byte
}

// Sent lists the accepted sends, oldest first.
func (s *Server) Sent() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SentMessage(nil), s.sent...)
}

// Rejected lists the refused sends (Ret ≠ 0), oldest first.
func (s *Server) Rejected() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SentMessage(nil), s.rejected...)
}

// WaitSent waits until at least n sends have been accepted.
func (s *Server) WaitSent(n int, timeout time.Duration) error {
	if !s.waitUntil(context.Background(), timeout, func() bool { return len(s.sent) >= n }) {
		return fmt.Errorf("wechattest: %d sends within %v, want %d", len(s.Sent()), timeout, n)
	}
	return nil
}

// SetMinSendInterval changes the frequency control (see WithMinSendInterval);
// 0 turns it off.
func (s *Server) SetMinSendInterval(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.minSendInterval = d
}

// FailSendsWith makes the next n sends of a valid session fail with
// BaseResponse Ret ret.
func (s *Server) FailSendsWith(ret, n int) {
	s.FailSendsAfter(0, ret, n)
}

// FailSendsAfter lets the next accepted sends through, then makes the n
// sends after them fail with BaseResponse Ret ret (RetTooOften reads as
// WeChat's frequency control): a refusal at a chosen point, whatever the
// machine's speed.
func (s *Server) FailSendsAfter(accepted, ret, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failSkip, s.failRet, s.failLeft = accepted, ret, n
}

type sendRequest struct {
	BaseRequest baseRequest
	Msg         struct {
		Type         int
		Content      string
		FromUserName string
		ToUserName   string
		LocalID      string
		ClientMsgId  string
		MediaId      string
		EMoticonMd5  string
	}
}

type appMsg struct {
	Title     string `xml:"title"`
	Type      int    `xml:"type"`
	AppAttach struct {
		TotalLen int64  `xml:"totallen"`
		AttachID string `xml:"attachid"`
	} `xml:"appattach"`
}

// handleSend serves webwxsendmsg, webwxsendmsgimg, webwxsendappmsg,
// webwxsendvideomsg and webwxsendemoticon.
func (s *Server) handleSend(w http.ResponseWriter, r *http.Request) {
	var body sendRequest
	_ = json.NewDecoder(r.Body).Decode(&body)
	now := time.Now()
	msg := body.Msg
	rec := SentMessage{
		ToUserName: msg.ToUserName, Type: msg.Type, Content: msg.Content, MediaID: msg.MediaId,
		LocalID: msg.LocalID, ClientMsgID: msg.ClientMsgId, Endpoint: endpointName(r.URL.Path), Time: now,
	}
	ret, errMsg := 0, ""

	s.mu.Lock()
	switch {
	case !s.authLocked(r, &body.BaseRequest):
		ret = RetSessionInvalid
	case msg.FromUserName != s.selfUserNm:
		ret = RetBadRequest
	case s.failLeft > 0 && s.failSkip == 0:
		ret = s.failRet
		s.failLeft--
		if ret == RetTooOften {
			errMsg = "操作太频繁，请稍后再试"
		}
	case s.minSendInterval > 0 && !s.lastSend.IsZero() && now.Sub(s.lastSend) < s.minSendInterval:
		ret, errMsg = RetTooOften, "操作太频繁，请稍后再试"
	}
	if ret == 0 {
		nick, isGroup, ok := s.resolveLocked(msg.ToUserName)
		if ok && msg.ToUserName != s.selfUserNm {
			rec.ToNick, rec.IsGroup = nick, isGroup
		} else {
			ret = RetBadRecipient
		}
	}
	if ret == 0 {
		mediaID := msg.MediaId
		if msg.Type == 6 {
			var am appMsg
			if err := xml.Unmarshal([]byte(msg.Content), &am); err == nil {
				mediaID, rec.FileName = am.AppAttach.AttachID, am.Title
			}
		}
		if mediaID != "" || msg.Type == 3 || msg.Type == 6 || msg.Type == 43 {
			if u := s.media[mediaID]; u != nil {
				rec.MediaID, rec.Data = mediaID, u.data
				if rec.FileName == "" {
					rec.FileName = u.name
				}
			} else {
				ret = RetBadRequest
			}
		}
	}
	if ret != 0 {
		rec.Ret = ret
		s.rejected = append(s.rejected, rec)
		s.notifyLocked()
		s.mu.Unlock()
		writeJSON(w, struct {
			BaseResponse   baseResponse
			MsgID, LocalID string
		}{baseResponse{ret, errMsg}, "", ""})
		return
	}
	rec.MsgID = s.newMsgIDLocked()
	s.sent = append(s.sent, rec)
	s.lastSend = now
	if s.failSkip > 0 {
		s.failSkip--
	}
	if s.echoSent && msg.Type == 1 {
		e := &entry{kind: kindSelfText, msgID: rec.MsgID, text: msg.Content}
		switch v := s.byUserName[msg.ToUserName].(type) {
		case *groupState:
			e.group = v
			s.appendLocked(e)
		case *person:
			e.to = v
			s.appendLocked(e)
		}
	}
	s.notifyLocked()
	s.mu.Unlock()
	writeJSON(w, struct {
		BaseResponse   baseResponse
		MsgID, LocalID string
	}{baseResponse{}, rec.MsgID, msg.LocalID})
}

type uploadResponse struct {
	BaseResponse      baseResponse
	MediaId           string
	StartPos          int64
	CDNThumbImgHeight int
	CDNThumbImgWidth  int
	EncryFi           string
}

// handleUpload serves webwxuploadmedia: multipart chunks of at most 0.5 MB,
// each carrying the uploadmediarequest JSON and the webwx_data_ticket, which
// must also arrive as a cookie. The last chunk is answered with the MediaId.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	fail := func(msg string) {
		writeJSON(w, uploadResponse{BaseResponse: baseResponse{Ret: RetBadRequest, ErrMsg: msg}})
	}
	if err := r.ParseMultipartForm(64 << 20); err != nil {
		fail("bad multipart form")
		return
	}
	var req struct {
		BaseRequest   baseRequest
		ClientMediaId int64
		TotalLen      int64
		FileMd5       string
	}
	if err := json.Unmarshal([]byte(r.FormValue("uploadmediarequest")), &req); err != nil {
		fail("bad uploadmediarequest")
		return
	}
	f, _, err := r.FormFile("filename")
	if err != nil {
		fail("no file")
		return
	}
	data, err := io.ReadAll(f)
	_ = f.Close()
	if err != nil {
		fail("read file")
		return
	}
	chunks, chunk := 1, 0
	if v := r.FormValue("chunks"); v != "" {
		chunks, _ = strconv.Atoi(v)
		chunk, _ = strconv.Atoi(r.FormValue("chunk"))
	}
	name := r.FormValue("name")

	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.authLocked(r, &req.BaseRequest) {
		writeJSON(w, uploadResponse{BaseResponse: baseResponse{Ret: RetSessionInvalid}})
		return
	}
	cookie, cerr := r.Cookie("webwx_data_ticket")
	if r.FormValue("webwx_data_ticket") != s.sess.dataTicket || cerr != nil || cookie.Value != s.sess.dataTicket {
		fail("webwx_data_ticket missing or wrong")
		return
	}
	key := fmt.Sprintf("%d/%s", req.ClientMediaId, name)
	u := s.uploads[key]
	if chunk == 0 {
		u = &upload{name: filepath.Base(name), mediaType: r.FormValue("mediatype")}
		s.uploads[key] = u
	}
	if u == nil || len(u.chunks) != chunk {
		fail("chunk out of order")
		return
	}
	u.chunks = append(u.chunks, data)
	var total int64
	for _, c := range u.chunks {
		total += int64(len(c))
	}
	if chunk+1 < chunks {
		writeJSON(w, uploadResponse{StartPos: total})
		return
	}
	delete(s.uploads, key)
	for _, c := range u.chunks {
		u.data = append(u.data, c...)
	}
	u.chunks = nil
	sum := md5.Sum(u.data)
	if total != req.TotalLen || hex.EncodeToString(sum[:]) != req.FileMd5 {
		fail("size or md5 mismatch")
		return
	}
	id := "@crypt_" + randHex(8) + "_" + randHex(32)
	s.media[id] = u
	writeJSON(w, uploadResponse{MediaId: id, StartPos: total})
}
