package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/bottest"
	"github.com/linli/linli/store"
)

// newStub is an in-test platform (bottest.Platform): it delivers what the
// test gives it and records what the bot sends.
func newStub(id bot.PlatformID) *bottest.Platform { return bottest.NewPlatform(id) }

func startMain(t *testing.T, p bot.Platform, now func() time.Time, flags ...string) *Main {
	t.Helper()
	m := NewMain()
	m.Stderr = io.Discard
	args := append([]string{"-db", filepath.Join(t.TempDir(), "x.db"), "-http", "127.0.0.1:0", "-managers", "wechat:张经理"}, flags...)
	if err := m.ParseFlags(args, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	m.Platforms = []bot.Platform{p}
	m.Log = slog.New(slog.DiscardHandler)
	m.Now = now
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHealthzAndMetrics(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	p := newStub(bot.WeChat)
	m := startMain(t, p, clock)
	base := "http://" + m.HTTPAddr.String()

	// A manager binds a group and a resident files a ticket through the platform.
	p.Deliver(bot.Message{Platform: bot.WeChat, Chat: "阳光花园1期", ChatKind: bot.Group, ID: "1", Sender: "张经理", SenderName: "张经理", Text: "/bind 阳光花园"})
	p.Deliver(bot.Message{Platform: bot.WeChat, Chat: "阳光花园1期", ChatKind: bot.Group, ID: "2", Sender: "李阿姨", SenderName: "李阿姨", Text: "#报修 电梯坏了"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		n := len(p.Sent())
		if n >= 3 { // the bind's answer, the ticket's card, and the manager's alert: no staff group
			break
		}
		if err := m.Senders[bot.WeChat].WaitIdle(ctx); err != nil {
			t.Fatal("replies not delivered")
		}
	}

	code, body := get(t, base+"/healthz")
	var h Health
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("healthz body %q: %v", body, err)
	}
	if code != 200 || !h.OK || !h.Platforms["wechat"].Up || h.Platforms["wechat"].LastMessage == "" {
		t.Errorf("healthz = %d %s", code, body)
	}

	if _, err := m.Scheduler.RunJob(context.Background(), "autoclose"); err != nil {
		t.Fatal(err)
	}
	code, body = get(t, base+"/metrics")
	for _, want := range []string{
		`linli_messages_in_total{platform="wechat"} 2`,
		`linli_tickets_created_total 1`,
		`linli_sends_total{platform="wechat",result="sent"} 3`,
		`linli_outbox_depth{status="pending"} 0`,
		`linli_platform_up{platform="wechat"} 1`,
		`go_goroutines`,
		`linli_job_runs_total{job="autoclose"} 1`,
		`linli_job_failures_total{job="autoclose"} 0`,
		`linli_escalations_total{level="1"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if code != 200 {
		t.Errorf("metrics status %d", code)
	}

	// No profiler without -pprof (TestPprofOnlyWithItsFlag).
	if code, _ := get(t, base+"/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("/debug/pprof/ without -pprof = %d", code)
	}

	// Logged out: unhealthy.
	p.SetUp(false)
	if code, body := get(t, base+"/healthz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "wechat is down") {
		t.Errorf("healthz while down = %d %s", code, body)
	}
	p.SetUp(true)

	// A message that cannot go out for a long time: the outbox is stuck.
	m.DB.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Enqueue(store.Out{Platform: "irc", Chat: "#x", Text: "never sent"})
		return err
	})
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	if code, body := get(t, base+"/healthz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "outbox stuck") {
		t.Errorf("healthz with a stuck outbox = %d %s", code, body)
	}
}

func TestPprofOnlyWithItsFlag(t *testing.T) {
	m := startMain(t, newStub(bot.WeChat), time.Now, "-pprof")
	base := "http://" + m.HTTPAddr.String()
	// The profiler, without the command line (it may hold the bot token).
	if code, body := get(t, base+"/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("/debug/pprof/ = %d %.200s", code, body)
	}
	if code, _ := get(t, base+"/debug/pprof/goroutine?debug=1"); code != 200 {
		t.Errorf("goroutine profile status %d", code)
	}
	if code, body := get(t, base+"/debug/pprof/cmdline"); code == 200 {
		t.Errorf("/debug/pprof/cmdline is served: %q", body)
	}
	// The environment variable turns it on too.
	n := NewMain()
	n.Stderr = io.Discard
	if err := n.ParseFlags(nil, func(k string) string { return map[string]string{"LINLI_PPROF": "1"}[k] }); err != nil || !n.Config.PProf {
		t.Errorf("LINLI_PPROF=1: pprof %v, %v", n.Config.PProf, err)
	}
}

func TestHTTPServerClosesIdleConnections(t *testing.T) {
	defer func(d time.Duration) { httpIdleTimeout = d }(httpIdleTimeout)
	httpIdleTimeout = 100 * time.Millisecond
	m := startMain(t, newStub(bot.WeChat), time.Now)
	conn, err := net.Dial("tcp", m.HTTPAddr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// One request on a keep-alive connection, then nothing.
	fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.ReadByte(); err != io.EOF {
		t.Errorf("an idle keep-alive connection was not closed by the server: %v", err)
	}
}
