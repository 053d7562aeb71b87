package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/linli/linli/bot/telegram"
	"github.com/linli/linli/store"
)

// browser starts headless Chromium for a test; without one it skips, or
// fails when CI is set (.ci/run installs Debian's chromium).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("LINLI_CHROMIUM")
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path != "" {
			break
		}
		path, _ = exec.LookPath(name)
	}
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no Chromium for the web desk's browser test: apt-get install -y chromium (or set LINLI_CHROMIUM)")
		}
		t.Skip("no Chromium (apt-get install -y chromium); CI fails here instead")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.Flag("lang", "zh-CN"), chromedp.WindowSize(1100, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium %s: %v", path, err)
	}
	return ctx
}

// within runs browser steps with a deadline (the browser's own context has
// none: a deadline there would end the browser).
func within(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, pageDump(ctx))
	}
}

// freeAddr is a local address nobody listens on, for -http and -public-url
// (the links the bot sends must name the port).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// screenshot saves a full-page PNG to docs/ when LINLI_SCREENSHOTS is set
// (README's pictures: LINLI_SCREENSHOTS=1 go test ./cmd/bot -run WebDesk).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("LINLI_SCREENSHOTS") == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join("..", "..", "docs", name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// pageDump is the page's address and text, for a failure's message.
func pageDump(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	url, _ := chromedp.Run(ctx, chromedp.Location())
	body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	return url + "\n" + body
}

var linkRe = regexp.MustCompile(`http://\S+`)

// TestWebDeskInABrowser is the web desk end to end, in headless Chromium
// against the binary's Main and the Telegram fake: a staff member signs in
// with the link /web sends, finds the ticket, resolves it on the web, and the
// resident hears it in Telegram; the resident opens her card's link and rates.
func TestWebDeskInABrowser(t *testing.T) {
	ctx := browser(t)
	w := newTGWorld(t)
	addr := freeAddr(t)
	base := "http://" + addr
	m := NewMain()
	m.Stderr = io.Discard
	args := []string{"-db", filepath.Join(t.TempDir(), "linli.db"), "-telegram-token", tgToken, "-telegram-api", w.srv.URL,
		"-managers", "telegram:100", "-tz", "Asia/Shanghai", "-http", addr, "-public-url", base}
	if err := m.ParseFlags(args, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	m.Log = slog.New(slog.DiscardHandler)
	m.TelegramLimits = &telegram.Limits{Disabled: true}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer stop(t, m)
	w.setup(t)

	w.srv.SendText(w.resident, w.li, "#报修 3号楼电梯按钮坏了，按了没反应")
	card := w.waitText(t, w.resident.ID, "工单 #1 · 报修")
	view := linkRe.FindString(card.Text)
	if !strings.HasPrefix(view, base+"/web/t/") {
		t.Fatalf("the resident's card has no page link:\n%s", card.Text)
	}
	// The card is in the group, so its link is the read-only page; she asks
	// for her own privately.
	w.srv.SendText(privateChatOf(w.li), w.li, "/status 1")
	page := linkRe.FindString(w.waitText(t, w.li.ID, "工单 #1 · 报修").Text)
	if !strings.HasPrefix(page, base+"/web/t/") || page == view {
		t.Fatalf("/status in private links %q, want her own page (the group's card links %q)", page, view)
	}
	w.srv.SendText(w.resident, w.tom, "#报修 2号楼楼道灯不亮")
	w.waitText(t, w.resident.ID, "工单 #2")
	w.srv.SendText(w.resident, w.tom, "#投诉 晚上广场舞太吵")
	w.waitText(t, w.resident.ID, "工单 #3")

	// 张师傅 asks for a link privately and signs in.
	w.srv.SendText(privateChatOf(w.zhang), w.zhang, "/web")
	link := linkRe.FindString(w.waitText(t, w.zhang.ID, "/web/login?t=").Text)
	within(t, ctx, "sign in",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#signin")),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS(".tickets")),
	)
	if url, err := chromedp.Run(ctx, chromedp.Location()); err != nil || url != base+"/web/" {
		t.Fatalf("after signing in the browser is at %q (%v), want %s/web/ (no token in the address)", url, err, base)
	}
	screenshot(t, ctx, "web-desk.png")

	// Find the ticket by its text, open it and resolve it with a note.
	within(t, ctx, "resolve on the web",
		chromedp.SendKeys(chromedp.CSS("#q"), "电梯"),
		chromedp.Submit(chromedp.CSS("#q")),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/web/tickets/1"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/web/tickets/1"]`)),
		chromedp.WaitVisible(chromedp.CSS("#resolve")),
		chromedp.SendKeys(chromedp.CSS("#note"), "按钮已更换"),
		chromedp.Click(chromedp.CSS("#resolve")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".flash"))); err != nil || !strings.Contains(flash, "#1") {
		t.Errorf("the desk's answer: %q (%v)", flash, err)
	}
	// The resident hears it in her group, in the ticket's thread, as chat would tell her.
	told := w.waitText(t, w.resident.ID, "#1 已处理完成")
	if !strings.Contains(told.Text, "按钮已更换") {
		t.Errorf("resolve message: %q", told.Text)
	}

	// 李阿姨 opens her own link (in a phone-sized tab; the page needs no
	// session: its address is its key) and rates; the group's link only reads.
	rctx, cancel := chromedp.NewContext(ctx)
	defer cancel()
	if err := chromedp.Do(rctx); err != nil { // opens the tab: no deadline on this first call
		t.Fatal(err)
	}
	within(t, rctx, "view page",
		chromedp.EmulateViewport(412, 1280),
		chromedp.Navigate(view),
		chromedp.WaitVisible(chromedp.CSS("#view-only")),
	)
	if forms, err := chromedp.Run(rctx, chromedp.Evaluate[int](`document.querySelectorAll("form").length`)); err != nil || forms != 0 {
		t.Errorf("the group's link shows %d forms (%v), want none", forms, err)
	}
	within(t, rctx, "resident page",
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS("#rate5")),
	)
	screenshot(t, rctx, "web-ticket.png")
	within(t, rctx, "rate on the web",
		chromedp.Click(chromedp.CSS("#rate5")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if rated, err := chromedp.Run(rctx, chromedp.Text(chromedp.CSS(".facts"))); err != nil || !strings.Contains(rated, "5 分") {
		t.Errorf("the page after rating: %q (%v)", rated, err)
	}
	var status string
	var rating int
	if err := m.DB.SQL().QueryRow("SELECT status, rating FROM tickets WHERE id = 1").Scan(&status, &rating); err != nil {
		t.Fatal(err)
	}
	if status != store.StatusClosed || rating != 5 {
		t.Fatalf("ticket after the web's rating: %s %d", status, rating)
	}
}
