package wechat

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eatmoreapple/openwechat"
)

func readDump(t *testing.T, path string) map[string]json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	return doc
}

func TestSessionStoreKeepsCookies(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	s := &sessionStore{path: path, log: slog.New(slog.NewTextHandler(io.Discard, nil))}

	// A QR login: nothing to reload, then the session's dumps.
	v, uin := s.open(true)
	if _, err := v.Read(make([]byte, 10)); !errors.Is(err, openwechat.ErrInvalidStorage) || uin != 0 {
		t.Fatalf("blank view: Read err %v, uin %d", err, uin)
	}
	full := `{"Jar":{"https://wx.qq.com":[{"Name":"wxsid","Value":"S"}],"https://file.wx.qq.com":[{"Name":"webwx_data_ticket","Value":"T"}]},` +
		`"LoginInfo":{"WxUin":42,"SKey":"k"},"SyncKey":{"Count":1}}` + "\n"
	if _, err := v.Write([]byte(full)); err != nil {
		t.Fatal(err)
	}

	// A hot login reads it back, and its dumps have an empty jar.
	v2, uin := s.open(false)
	if uin != 42 {
		t.Errorf("uin = %d, want 42", uin)
	}
	var item openwechat.HotReloadStorageItem
	if err := (openwechat.JsonSerializer{}).Decode(v2, &item); err != nil {
		t.Fatalf("openwechat cannot read the file back: %v", err)
	}
	if item.LoginInfo.SKey != "k" || item.Jar == nil {
		t.Errorf("reloaded %+v", item)
	}
	if _, err := v2.Write([]byte(`{"Jar":{},"LoginInfo":{"WxUin":42,"SKey":"k2"}}`)); err != nil {
		t.Fatal(err)
	}
	doc := readDump(t, path)
	if !strings.Contains(string(doc["Jar"]), "webwx_data_ticket") || !strings.Contains(string(doc["Jar"]), "wxsid") {
		t.Errorf("empty dump lost the jar: %s", doc["Jar"])
	}
	if !strings.Contains(string(doc["LoginInfo"]), "k2") {
		t.Errorf("dump not written: %s", doc["LoginInfo"])
	}
	// A host with new cookies replaces its old ones; the others stay.
	if _, err := v2.Write([]byte(`{"Jar":{"https://wx.qq.com":[{"Name":"wxsid","Value":"S2"}],"https://webpush.wx.qq.com":null},"LoginInfo":{"WxUin":42}}`)); err != nil {
		t.Fatal(err)
	}
	jar := string(readDump(t, path)["Jar"])
	if !strings.Contains(jar, `"S2"`) || strings.Contains(jar, `"S"`) || !strings.Contains(jar, "webwx_data_ticket") || strings.Contains(jar, "webpush") {
		t.Errorf("merged jar = %s", jar)
	}

	// An older view (a dead session) no longer writes; nor does any after close.
	v3, _ := s.open(false)
	if _, err := v2.Write([]byte(`{"Jar":{},"LoginInfo":{"WxUin":1}}`)); err != nil {
		t.Fatal(err)
	}
	s.close()
	if _, err := v3.Write([]byte(`{"Jar":{},"LoginInfo":{"WxUin":2}}`)); err != nil {
		t.Fatal(err)
	}
	if _, uin := s.open(false); uin != 42 {
		t.Errorf("uin = %d after stale writes, want 42", uin)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v %v, want 0600", fi.Mode().Perm(), err)
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.tmp")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

func TestSessionStoreNullJar(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(path, []byte(`{"Jar":null,"LoginInfo":{"WxUin":7}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &sessionStore{path: path, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	v, uin := s.open(false)
	var item openwechat.HotReloadStorageItem
	if err := (openwechat.JsonSerializer{}).Decode(v, &item); err != nil {
		t.Fatal(err)
	}
	if item.Jar == nil || uin != 7 {
		t.Errorf("a null jar must reload as an empty one (a nil *Jar panics): jar %v uin %d", item.Jar, uin)
	}
	if err := os.WriteFile(path, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	v, _ = s.open(false)
	if _, err := v.Read(make([]byte, 4)); !errors.Is(err, openwechat.ErrInvalidStorage) {
		t.Errorf("a broken file must read as no session, got %v", err)
	}
}
