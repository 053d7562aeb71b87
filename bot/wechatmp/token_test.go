package wechatmp_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/wechatmp"
	"github.com/linli/linli/bot/wechatmp/wechatmptest"
)

// One token serves every call until it is due for renewal.
func TestTokenNotFetchedPerCall(t *testing.T) {
	d := newDirect(t, benchOpts{})
	d.writes(li, "你好")
	for range 4 {
		if _, err := d.send(li, "消息"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.mp.Follower(ctxT(t), li); err != nil {
		t.Fatal(err)
	}
	if n := d.srv.TokensIssued(); n != 1 {
		t.Fatalf("%d tokens fetched for six calls; want 1", n)
	}
}

// WeChat refusing the token (40001: someone else fetched one; 42001:
// expired) makes the adapter fetch a new one once and try again.
func TestTokenRefreshedWhenRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		refuse func(*wechatmptest.Server)
	}{
		{"40001", (*wechatmptest.Server).RevokeTokens},
		{"42001", (*wechatmptest.Server).ExpireTokens},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDirect(t, benchOpts{})
			d.writes(li, "你好")
			tc.refuse(d.srv)
			calls := d.srv.Calls("/cgi-bin/message/custom/send")
			if _, err := d.send(li, "换了令牌"); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if n := d.srv.TokensIssued(); n != 2 {
				t.Fatalf("tokens fetched: %d; want 2", n)
			}
			if n := d.srv.Calls("/cgi-bin/message/custom/send") - calls; n != 2 {
				t.Fatalf("custom/send called %d times; want the refused call and one retry", n)
			}
			if got := customTexts(d.srv, li); got[len(got)-1] != "换了令牌" {
				t.Fatalf("sent: %q", got)
			}
		})
	}
}

// A token still refused after a fresh one is not fetched again and again.
func TestTokenRefusedTwice(t *testing.T) {
	d := newDirect(t, benchOpts{})
	d.writes(li, "你好")
	d.srv.FailNext("/cgi-bin/message/custom/send", 40001, 40001)
	_, err := d.send(li, "x")
	var apiErr *wechatmp.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 40001 || errors.Is(err, bot.ErrPermanent) {
		t.Fatalf("err = %v; want a transient 40001", err)
	}
	if n := d.srv.TokensIssued(); n != 2 {
		t.Fatalf("tokens fetched: %d; want 2 (one renewal per call)", n)
	}
}

// TokenMargin before it expires, the next call renews the token first.
func TestTokenRenewedBeforeExpiry(t *testing.T) {
	d := newDirect(t, benchOpts{})
	d.writes(li, "你好")
	d.clk.Add(2*time.Hour - wechatmp.DefaultTokenMargin + time.Second)
	calls := d.srv.Calls("/cgi-bin/message/custom/send")
	if _, err := d.send(li, "快过期了"); err != nil {
		t.Fatal(err)
	}
	if n := d.srv.TokensIssued(); n != 2 {
		t.Fatalf("tokens fetched: %d; want 2", n)
	}
	if n := d.srv.Calls("/cgi-bin/message/custom/send") - calls; n != 1 {
		t.Fatalf("custom/send called %d times; want once, with the new token", n)
	}
}

// Run renews the token on its own when it is due, without a call waiting.
func TestRunRenewsToken(t *testing.T) {
	clk := newClock()
	srv := newFake(t, clk)
	_, st := openStore(t, clk)
	// A saved token, two minutes from expiry: due now.
	if err := st.SaveToken(ctxT(t), wechatmp.Token{AppID: srv.AppID, Value: "old-token", Expires: clk.Now().Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	mp := newMP(t, srv, clk, st, nil, nil)
	issued := srv.TokenIssued()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mp.Run(ctx, nil) }()
	select {
	case <-issued:
	case <-time.After(deadline):
		t.Fatal("Run did not renew the token")
	}
	// A call now waits for the renewal in flight and uses its token.
	srv.AddFollower(li)
	if _, err := mp.Follower(ctxT(t), li); err != nil {
		t.Fatal(err)
	}
	if n := srv.TokensIssued(); n != 1 {
		t.Fatalf("tokens fetched: %d; want 1", n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	tok, err := st.LoadToken(ctxT(t))
	if err != nil || tok.Value == "old-token" || !tok.Expires.Equal(clk.Now().Add(2*time.Hour)) {
		t.Fatalf("saved token: %+v, %v", tok, err)
	}
}

// The token and the windows survive a restart: the new adapter fetches no
// token and remembers how many messages are left.
func TestStateSurvivesRestart(t *testing.T) {
	d := newDirect(t, benchOpts{})
	d.writes(li, "你好") // 1 of 5
	for range 2 {
		if _, err := d.send(li, "消息"); err != nil {
			t.Fatal(err)
		}
	}
	again := newMP(t, d.srv, d.clk, d.state, d.logs, nil)
	for range 2 {
		if _, err := again.Send(ctxT(t), bot.Outgoing{Chat: li, Text: "重启之后"}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := again.Send(ctxT(t), bot.Outgoing{Chat: li, Text: "第六条"})
	windowClosed(t, err, 45047, false)
	if n := d.srv.TokensIssued(); n != 1 {
		t.Fatalf("tokens fetched: %d; want 1 (the saved one reused)\n%s", n, d.logs.String())
	}
}

// A token saved for another account is not used.
func TestTokenOfAnotherApp(t *testing.T) {
	clk := newClock()
	srv := newFake(t, clk)
	_, st := openStore(t, clk)
	if err := st.SaveToken(ctxT(t), wechatmp.Token{AppID: "wxother", Value: "theirs", Expires: clk.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	mp := newMP(t, srv, clk, st, nil, nil)
	srv.AddFollower(li)
	if _, err := mp.Follower(ctxT(t), li); err != nil {
		t.Fatal(err)
	}
	if n := srv.TokensIssued(); n != 1 {
		t.Fatalf("tokens fetched: %d", n)
	}
	for _, q := range srv.RawQueries() {
		if strings.Contains(q, "theirs") {
			t.Fatal("used the other account's token")
		}
	}
}

// At the daily quota (45009) the adapter waits until midnight in Beijing,
// and does not ask again meanwhile.
func TestTokenQuota(t *testing.T) {
	d := newDirect(t, benchOpts{fake: []wechatmptest.Option{wechatmptest.WithTokenQuota(1)}})
	d.writes(li, "你好")
	d.srv.RevokeTokens()
	_, err := d.send(li, "令牌用完了")
	after, ok := isRetryAfter(err)
	midnight := time.Date(2026, 3, 3, 0, 1, 0, 0, time.FixedZone("CST", 8*3600))
	if !ok || !d.clk.Now().Add(after).Equal(midnight) || !strings.Contains(err.Error(), "daily quota") {
		t.Fatalf("err = %v (after %s); want a wait until midnight, Beijing time", err, after)
	}
	calls := d.srv.Calls("/cgi-bin/token")
	for range 3 {
		if _, err := d.send(li, "再试"); err == nil {
			t.Fatal("sent without a token")
		}
	}
	if n := d.srv.Calls("/cgi-bin/token"); n != calls {
		t.Fatalf("%d more token requests during the wait", n-calls)
	}
	d.clk.Add(after)
	if _, err := d.send(li, "第二天"); err != nil {
		t.Fatalf("after midnight: %v", err)
	}
}

// A wrong secret or a server outside the IP allowlist: the rows wait
// (uncounted), the error says what to fix, no secret is shown, and the
// endpoint is not asked again at every call.
func TestTokenSetupErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		fix  string
		edit func(*wechatmp.Config)
		fail func(*wechatmptest.Server)
	}{
		{name: "secret", fix: "app secret", edit: func(c *wechatmp.Config) { c.AppSecret = "wrong-secret-0123456789" }},
		{name: "allowlist", fix: "IP allowlist", fail: func(s *wechatmptest.Server) { s.FailNext("/cgi-bin/token", 40164) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			srv := newFake(t, clk)
			if tc.fail != nil {
				tc.fail(srv)
			}
			logs := &lockedBuffer{}
			mp := newMP(t, srv, clk, nil, logs, tc.edit)
			srv.AddFollower(li)
			_, err := mp.Follower(ctxT(t), li)
			if _, ok := isRetryAfter(err); !ok || !strings.Contains(err.Error(), tc.fix) {
				t.Fatalf("err = %v; want a wait that says to check the %s", err, tc.fix)
			}
			for _, secret := range []string{srv.AppSecret, "wrong-secret-0123456789"} {
				if strings.Contains(err.Error(), secret) || strings.Contains(logs.String(), secret) {
					t.Fatalf("the secret is shown:\n%v\n%s", err, logs.String())
				}
			}
			calls := srv.Calls("/cgi-bin/token")
			_, _ = mp.Follower(ctxT(t), li)
			if srv.Calls("/cgi-bin/token") != calls {
				t.Fatal("the token endpoint was asked again at once")
			}
		})
	}
}
