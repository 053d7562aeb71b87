package wechatmptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // the QR library draws PNG
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cgi-bin/token", s.handleToken)
	mux.HandleFunc("POST /cgi-bin/message/custom/send", s.withToken(s.handleCustom))
	mux.HandleFunc("POST /cgi-bin/message/template/send", s.withToken(s.handleTemplate))
	mux.HandleFunc("POST /cgi-bin/qrcode/create", s.withToken(s.handleQRCreate))
	mux.HandleFunc("GET /cgi-bin/showqrcode", s.handleShowQR)
	mux.HandleFunc("POST /cgi-bin/menu/create", s.withToken(s.handleMenu))
	mux.HandleFunc("POST /cgi-bin/media/upload", s.withToken(s.handleUpload))
	mux.HandleFunc("GET /cgi-bin/media/get", s.withToken(s.handleMediaGet))
	mux.HandleFunc("GET /sns/oauth2/access_token", s.handleOAuth)
	mux.HandleFunc("GET /cgi-bin/user/info", s.withToken(s.handleUserInfo))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls[r.URL.Path]++
		s.queries = append(s.queries, r.URL.RawQuery)
		stall := s.stalls[r.URL.Path]
		s.mu.Unlock()
		if stall != nil {
			// Read the body first: only then does the server notice a
			// client that gives up (r.Context ends).
			body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
			r.Body = io.NopCloser(bytes.NewReader(body))
			stall.in.Do(func() { close(stall.arrived) })
			select {
			case <-stall.release:
			case <-r.Context().Done():
				return
			}
		}
		mux.ServeHTTP(w, r)
		s.mu.Lock()
		if s.changed != nil {
			close(s.changed)
		}
		s.changed = make(chan struct{})
		s.mu.Unlock()
	})
}

// handleToken is cgi-bin/token: an access token for the app id and secret.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	q := query(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case q.Get("grant_type") != "client_credential":
		writeErr(w, 40002)
		return
	case q.Get("appid") != s.AppID:
		writeErr(w, 40013)
		return
	case q.Get("secret") != s.AppSecret:
		// WeChat answers a wrong secret with 40001.
		writeErr(w, 40001)
		return
	}
	if code := s.injectedLocked(r.URL.Path); code != 0 {
		writeErr(w, code)
		return
	}
	now := s.now()
	if d := day(now); d != s.quotaDay {
		s.quotaDay, s.quotaUsed = d, 0
	}
	if s.quotaUsed >= s.tokenQuota {
		writeErr(w, 45009)
		return
	}
	s.quotaUsed++
	if old := s.tokens[s.current]; old != nil && old.retires.IsZero() {
		old.retires = now.Add(tokenOverlap)
	}
	tok := randTicketSafe(96)
	s.tokens[tok] = &token{expires: now.Add(s.tokenTTL)}
	s.current = tok
	s.issued++
	for _, ch := range s.watchers {
		close(ch)
	}
	s.watchers = nil
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": int(s.tokenTTL / time.Second)})
}

// randTicketSafe is a token-like string of n characters.
func randTicketSafe(n int) string {
	t := randMediaID()
	for len(t) < n {
		t += randMediaID()
	}
	return t[:n]
}

// withToken checks the access_token of a call, then the failures injected
// with FailNext, before h.
func (s *Server) withToken(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := query(r).Get("access_token")
		s.mu.Lock()
		now := s.now()
		t := s.tokens[tok]
		code := 0
		switch {
		case tok == "":
			code = 41001
		case t == nil, t.revoked, !t.retires.IsZero() && !now.Before(t.retires):
			code = 40001
		case !now.Before(t.expires):
			code = 42001
		}
		if code == 0 {
			code = s.injectedLocked(r.URL.Path)
		}
		s.mu.Unlock()
		if code != 0 {
			writeErr(w, code)
			return
		}
		h(w, r)
	}
}

// injectedLocked takes the next errcode FailNext set for path (0: none).
func (s *Server) injectedLocked(path string) int {
	f := s.failures[path]
	if len(f) == 0 {
		return 0
	}
	s.failures[path] = f[1:]
	return f[0]
}

// decode reads a JSON body into v, answering 44002/47001 when it cannot.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || len(bytes.TrimSpace(body)) == 0 {
		writeErr(w, 44002)
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		writeErr(w, 47001)
		return false
	}
	return true
}

// handleCustom is message/custom/send, with the 48-hour window.
func (s *Server) handleCustom(w http.ResponseWriter, r *http.Request) {
	var m struct {
		ToUser  string `json:"touser"`
		MsgType string `json:"msgtype"`
		Text    *struct {
			Content string `json:"content"`
		} `json:"text"`
		Image *struct {
			MediaID string `json:"media_id"`
		} `json:"image"`
	}
	if !decode(w, r, &m) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	rec := CustomMessage{ToUser: m.ToUser, MsgType: m.MsgType, At: now}
	switch m.MsgType {
	case "text":
		if m.Text == nil || m.Text.Content == "" {
			writeErr(w, 44004)
			return
		}
		if len(m.Text.Content) > 2048 {
			writeErr(w, 45002)
			return
		}
		rec.Text = m.Text.Content
	case "image":
		if m.Image == nil {
			writeErr(w, 40007)
			return
		}
		md := s.media[m.Image.MediaID]
		if md == nil || !now.Before(md.created.Add(mediaTTL)) {
			writeErr(w, 40007)
			return
		}
		rec.MediaID = m.Image.MediaID
	default:
		writeErr(w, 40008)
		return
	}
	f := s.followers[m.ToUser]
	switch {
	case f == nil:
		writeErr(w, 40003)
		return
	case !f.following, f.last.IsZero(), !now.Before(f.last.Add(Window)):
		writeErr(w, 45015)
		return
	case f.sent >= s.windowLimit:
		writeErr(w, 45047)
		return
	}
	f.sent++
	s.customs = append(s.customs, rec)
	writeOK(w, nil)
}

// handleTemplate is message/template/send.
func (s *Server) handleTemplate(w http.ResponseWriter, r *http.Request) {
	var m struct {
		ToUser     string `json:"touser"`
		TemplateID string `json:"template_id"`
		URL        string `json:"url"`
		Data       map[string]struct {
			Value string `json:"value"`
		} `json:"data"`
	}
	if !decode(w, r, &m) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.followers[m.ToUser]
	switch {
	case f == nil:
		writeErr(w, 40003)
		return
	case !f.following:
		writeErr(w, 43004)
		return
	case !s.templates[m.TemplateID]:
		writeErr(w, 40037)
		return
	}
	rec := TemplateMessage{ToUser: m.ToUser, TemplateID: m.TemplateID, URL: m.URL, Data: map[string]string{}}
	for k, v := range m.Data {
		rec.Data[k] = v.Value
	}
	s.msgSeq++
	rec.MsgID = s.msgSeq
	s.sentTpls = append(s.sentTpls, rec)
	writeOK(w, map[string]any{"msgid": rec.MsgID})
}

// handleQRCreate is qrcode/create.
func (s *Server) handleQRCreate(w http.ResponseWriter, r *http.Request) {
	var m struct {
		ExpireSeconds int64  `json:"expire_seconds"`
		ActionName    string `json:"action_name"`
		ActionInfo    struct {
			Scene struct {
				SceneStr string `json:"scene_str"`
				SceneID  int    `json:"scene_id"`
			} `json:"scene"`
		} `json:"action_info"`
	}
	if !decode(w, r, &m) {
		return
	}
	sc := m.ActionInfo.Scene
	var scene string
	switch m.ActionName {
	case "QR_LIMIT_STR_SCENE", "QR_STR_SCENE":
		if sc.SceneStr == "" || len(sc.SceneStr) > 64 {
			writeErr(w, 40053)
			return
		}
		scene = sc.SceneStr
	case "QR_LIMIT_SCENE", "QR_SCENE":
		if sc.SceneID <= 0 || (m.ActionName == "QR_LIMIT_SCENE" && sc.SceneID > 100000) {
			writeErr(w, 40053)
			return
		}
		scene = strconv.Itoa(sc.SceneID)
	default:
		writeErr(w, 40053)
		return
	}
	ticket := randTicket()
	qr := &qrTicket{scene: scene, url: "http://weixin.qq.com/q/" + randHex(11)}
	s.mu.Lock()
	s.tickets[ticket] = qr
	s.mu.Unlock()
	// Success carries no errcode, as WeChat's does not.
	out := map[string]any{"ticket": ticket, "url": qr.url}
	if strings.HasPrefix(m.ActionName, "QR_") && !strings.HasPrefix(m.ActionName, "QR_LIMIT") {
		out["expire_seconds"] = max(m.ExpireSeconds, 30)
	}
	writeJSON(w, out)
}

// handleShowQR is showqrcode (on mp.weixin.qq.com): the code's image, a JPEG.
func (s *Server) handleShowQR(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	t := s.tickets[query(r).Get("ticket")]
	s.mu.Unlock()
	if t == nil {
		http.NotFound(w, r)
		return
	}
	pngData, err := qrcode.Encode(t.url, qrcode.Medium, 430)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	im, _, err := image.Decode(bytes.NewReader(pngData))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/jpg")
	_ = jpeg.Encode(w, im, &jpeg.Options{Quality: 90})
}

// handleMenu is menu/create, with WeChat's limits.
func (s *Server) handleMenu(w http.ResponseWriter, r *http.Request) {
	var m struct {
		Button []MenuButton `json:"button"`
	}
	if !decode(w, r, &m) {
		return
	}
	if code := checkMenu(m.Button); code != 0 {
		writeErr(w, code)
		return
	}
	s.mu.Lock()
	s.menu = m.Button
	s.mu.Unlock()
	writeOK(w, nil)
}

func checkMenu(buttons []MenuButton) int {
	if len(buttons) == 0 || len(buttons) > 3 {
		return 40016
	}
	for _, b := range buttons {
		if b.Name == "" || len(b.Name) > 16 {
			return 40018
		}
		if len(b.SubButton) > 0 {
			if len(b.SubButton) > 5 {
				return 40023
			}
			for _, sb := range b.SubButton {
				if len(sb.SubButton) > 0 {
					return 40024
				}
				if sb.Name == "" || len(sb.Name) > 60 {
					return 40025
				}
				if code := checkButton(sb, 40024, 40026, 40027); code != 0 {
					return code
				}
			}
			continue
		}
		if code := checkButton(b, 40017, 40019, 40020); code != 0 {
			return code
		}
	}
	return 0
}

func checkButton(b MenuButton, badType, badKey, badURL int) int {
	switch b.Type {
	case "click", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album", "pic_weixin", "location_select":
		if b.Key == "" || len(b.Key) > 128 {
			return badKey
		}
	case "view":
		if b.URL == "" || len(b.URL) > 1024 {
			return badURL
		}
	default:
		return badType
	}
	return 0
}

// handleUpload is media/upload: a temporary medium, from the "media" part.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	typ := query(r).Get("type")
	if typ != "image" && typ != "voice" && typ != "video" && typ != "thumb" {
		writeErr(w, 40004)
		return
	}
	if err := r.ParseMultipartForm(12 << 20); err != nil {
		writeErr(w, 41005)
		return
	}
	f, hdr, err := r.FormFile("media")
	if err != nil {
		writeErr(w, 41005)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		writeErr(w, 41005)
		return
	}
	if typ == "image" {
		switch strings.ToLower(path.Ext(hdr.Filename)) {
		case ".jpg", ".jpeg", ".png", ".gif", ".bmp":
		default:
			writeErr(w, 40005)
			return
		}
		if len(data) > 10<<20 {
			writeErr(w, 40009)
			return
		}
		if !strings.HasPrefix(http.DetectContentType(data), "image/") {
			writeErr(w, 40005)
			return
		}
	}
	s.mu.Lock()
	now := s.now()
	id := randMediaID()
	s.media[id] = &medium{data: data, ctype: http.DetectContentType(data), name: id + path.Ext(hdr.Filename), created: now}
	s.uploads = append(s.uploads, Upload{MediaID: id, Type: typ, FileName: hdr.Filename, Data: data})
	s.mu.Unlock()
	// No errcode on success, as WeChat's.
	writeJSON(w, map[string]any{"type": typ, "media_id": id, "created_at": now.Unix()})
}

// handleMediaGet is media/get: the medium's bytes, or an errcode in JSON.
func (s *Server) handleMediaGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	md := s.media[query(r).Get("media_id")]
	now := s.now()
	s.mu.Unlock()
	if md == nil || !now.Before(md.created.Add(mediaTTL)) {
		writeErr(w, 40007)
		return
	}
	w.Header().Set("Content-Type", md.ctype)
	w.Header().Set("Content-disposition", fmt.Sprintf("attachment; filename=%q", md.name))
	_, _ = w.Write(md.data)
}

// handleOAuth is sns/oauth2/access_token: a code for the person's openid.
func (s *Server) handleOAuth(w http.ResponseWriter, r *http.Request) {
	q := query(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case q.Get("grant_type") != "authorization_code":
		writeErr(w, 40002)
		return
	case q.Get("appid") != s.AppID:
		writeErr(w, 40013)
		return
	case q.Get("secret") != s.AppSecret:
		writeErr(w, 40125)
		return
	}
	if code := s.injectedLocked(r.URL.Path); code != 0 {
		writeErr(w, code)
		return
	}
	c := s.codes[q.Get("code")]
	switch {
	case c == nil, !s.now().Before(c.issued.Add(codeTTL)):
		writeErr(w, 40029)
		return
	case c.used:
		writeErr(w, 40163)
		return
	}
	c.used = true
	writeJSON(w, map[string]any{
		"access_token":  randTicketSafe(96),
		"expires_in":    7200,
		"refresh_token": randTicketSafe(96),
		"openid":        c.openID,
		"scope":         "snsapi_base",
	})
}

// handleUserInfo is user/info. WeChat no longer gives nicknames or avatars.
func (s *Server) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	id := query(r).Get("openid")
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.followers[id]
	if f == nil {
		writeErr(w, 40003)
		return
	}
	if !f.following {
		writeJSON(w, map[string]any{"subscribe": 0, "openid": id, "tagid_list": []int{}})
		return
	}
	source := "ADD_SCENE_SEARCH"
	if f.scene != "" {
		source = "ADD_SCENE_QR_CODE"
	}
	writeJSON(w, map[string]any{
		"subscribe":       1,
		"openid":          id,
		"language":        "zh_CN",
		"subscribe_time":  f.since.Unix(),
		"remark":          "",
		"groupid":         0,
		"tagid_list":      []int{},
		"subscribe_scene": source,
		"qr_scene":        0,
		"qr_scene_str":    f.scene,
	})
}
