package wechat

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/eatmoreapple/openwechat"
)

// sessionStore is the hot-login file, shared by the sessions of one adapter.
//
// openwechat's own file storage loses the cookies: its Jar remembers which
// hosts to dump only for cookies set during the session, and a jar restored
// from a dump has none, so the session after a hot login dumps "Jar":{} and
// the next restart has no cookies at all (wechattest's
// TestSecondHotLoginLosesCookies shows it). Two fixes work together: jarHook
// registers the hosts on every jar before its first request, so dumps are
// complete; and sessionStore merges each dump's jar, host by host, into the
// last one written, so an empty dump never erases the cookies.
//
// Each login attempt reads through its own view. Only the newest view may
// write, so a dead session's late dump cannot overwrite a newer session.
type sessionStore struct {
	path string
	log  *slog.Logger

	mu  sync.Mutex
	gen int
	jar map[string]json.RawMessage // cookies by "https://host", as openwechat dumps them
}

// storeView is what one login attempt reads and writes.
type storeView struct {
	s   *sessionStore
	gen int
	r   *bytes.Reader // nil: nothing to reload (a QR login)
}

// Read implements openwechat.HotReloadStorage.
func (v *storeView) Read(p []byte) (int, error) {
	if v.r == nil {
		return 0, openwechat.ErrInvalidStorage
	}
	return v.r.Read(p)
}

// Write implements openwechat.HotReloadStorage. openwechat's JSON serializer
// writes each dump in one call.
func (v *storeView) Write(p []byte) (int, error) {
	return len(p), v.s.write(v.gen, p)
}

// stored is the part of openwechat's dump (HotReloadStorageItem) we read.
type stored struct {
	LoginInfo *struct{ WxUin int64 }
}

// open makes the view for the next login attempt. A blank view reloads
// nothing (openwechat then falls back to a QR login) and starts a fresh jar.
// It reports the account's uin from the file (0 if unknown), which push
// login needs.
func (s *sessionStore) open(blank bool) (*storeView, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	v := &storeView{s: s, gen: s.gen}
	if blank {
		s.jar = nil
		return v, 0
	}
	data, err := os.ReadFile(s.path)
	if err != nil || len(bytes.TrimSpace(data)) == 0 {
		if err != nil && !os.IsNotExist(err) {
			s.log.Warn("read wechat session file", "path", s.path, "err", err)
		}
		return v, 0
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		s.log.Warn("wechat session file is not valid JSON; ignoring it", "path", s.path, "err", err)
		return v, 0
	}
	var jar map[string]json.RawMessage
	_ = json.Unmarshal(doc["Jar"], &jar)
	if jar == nil {
		// A null jar would be restored as a nil *openwechat.Jar, which panics
		// on the first request.
		jar = map[string]json.RawMessage{}
		doc["Jar"], _ = json.Marshal(jar)
		data, _ = json.Marshal(doc)
	}
	s.jar = jar
	var st stored
	_ = json.Unmarshal(data, &st)
	v.r = bytes.NewReader(data)
	if st.LoginInfo != nil {
		return v, st.LoginInfo.WxUin
	}
	return v, 0
}

// close stops all writes: a stopped session's sync goroutine may still
// dump once after Run has returned.
func (s *sessionStore) close() {
	s.mu.Lock()
	s.gen++
	s.mu.Unlock()
}

// exists reports whether there is a session file to try.
func (s *sessionStore) exists() bool {
	fi, err := os.Stat(s.path)
	return err == nil && fi.Size() > 0
}

func (s *sessionStore) write(gen int, p []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen != s.gen {
		return nil // an older session's dump: the file belongs to a newer one
	}
	out := p
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(p, &doc); err == nil {
		var jar map[string]json.RawMessage
		_ = json.Unmarshal(doc["Jar"], &jar)
		merged := make(map[string]json.RawMessage, len(s.jar)+len(jar))
		for host, cookies := range s.jar {
			merged[host] = cookies
		}
		for host, cookies := range jar {
			if c := bytes.TrimSpace(cookies); !bytes.Equal(c, []byte("null")) && !bytes.Equal(c, []byte("[]")) {
				merged[host] = cookies
			}
		}
		s.jar = merged
		doc["Jar"], _ = json.Marshal(merged)
		if b, err := json.Marshal(doc); err == nil {
			out = b
		}
	}
	if err := writeFileAtomic(s.path, out); err != nil {
		s.log.Error("write wechat session file", "path", s.path, "err", err)
		return err
	}
	return nil
}

// writeFileAtomic replaces path with data, so a crash never leaves half a file.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		_ = os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		_ = os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// jarHook registers each WeChat host on the client's cookie jar before the
// jar's first request. openwechat's Jar dumps cookies only for hosts it has
// seen set cookies, which a jar restored by hot login never has; registered
// hosts make its dumps complete again. It also means the library's jar never
// adds a host while requests run on several goroutines (its host map has no
// lock): every host is known before the sync goroutine starts.
type jarHook struct {
	c *openwechat.Client

	mu   sync.Mutex
	jar  *openwechat.Jar
	seen map[string]bool
}

// BeforeRequest implements openwechat.HttpHook.
func (h *jarHook) BeforeRequest(r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	jar := h.c.Jar()
	if jar == nil {
		return
	}
	if jar != h.jar {
		h.jar, h.seen = jar, map[string]bool{}
	}
	for _, host := range cookieHosts(r.URL.Hostname()) {
		if !h.seen[host] {
			h.seen[host] = true
			jar.SetCookies(&url.URL{Scheme: "https", Host: host}, nil)
		}
	}
}

// AfterRequest implements openwechat.HttpHook.
func (h *jarHook) AfterRequest(*http.Response, error) {}

// cookieHosts lists the hosts whose cookies belong with a request to host:
// the base domain (wx.qq.com, wx2.qq.com…) with its file. and webpush. hosts.
func cookieHosts(host string) []string {
	if host == "" || strings.HasPrefix(host, "login.") {
		return []string{host}
	}
	base := strings.TrimPrefix(strings.TrimPrefix(host, "webpush."), "file.")
	return []string{base, "file." + base, "webpush." + base}
}
