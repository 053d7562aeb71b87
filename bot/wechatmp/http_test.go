package wechatmp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/wechatmp"
)

// Adapters for different accounts, each with its own API server, work at
// the same time in one process: the SDK's global client sends each request
// to its own adapter's server. (Run with -race.)
func TestAdaptersInParallel(t *testing.T) {
	for i := range 4 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			d := newDirect(t, benchOpts{})
			d.writes(li, fmt.Sprintf("账号 %d", i))
			for j := range 3 {
				if _, err := d.send(li, fmt.Sprintf("账号 %d 消息 %d", i, j)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := d.mp.QRCode(ctxT(t), fmt.Sprintf("community:%d", i)); err != nil {
				t.Fatal(err)
			}
			got := customTexts(d.srv, li)
			want := []string{fmt.Sprintf("收到：账号 %d", i)}
			for j := range 3 {
				want = append(want, fmt.Sprintf("账号 %d 消息 %d", i, j))
			}
			if !equalStrings(got, want) {
				t.Fatalf("server %d got %q", i, got)
			}
			// No request carried the adapter's call marker to WeChat.
			for _, q := range d.srv.RawQueries() {
				if strings.Contains(q, "linli_call") {
					t.Fatalf("marker sent: %s", q)
				}
			}
		})
	}
}

// The SDK has no timeout; the adapter's requests do.
func TestRequestTimeout(t *testing.T) {
	d := newDirect(t, benchOpts{edit: func(c *wechatmp.Config) { c.RequestTimeout = 200 * time.Millisecond }})
	d.writes(li, "你好")
	stall := d.srv.Stall("/cgi-bin/message/custom/send")
	defer stall.Release()
	start := time.Now()
	_, err := d.send(li, "会超时")
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, bot.ErrPermanent) {
		t.Fatalf("err = %v; want a transient deadline error", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("took %s", took)
	}
}

// SDK calls that take no context still end when the caller's context does.
func TestSendHonoursContext(t *testing.T) {
	d := newDirect(t, benchOpts{})
	d.writes(li, "你好")
	stall := d.srv.Stall("/cgi-bin/message/custom/send")
	defer stall.Release()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := d.mp.Send(ctx, bot.Outgoing{Chat: li, Text: "取消"})
		done <- err
	}()
	select {
	case <-stall.Arrived():
	case <-time.After(deadline):
		t.Fatal("the request never arrived")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v; want context.Canceled", err)
		}
	case <-time.After(deadline):
		t.Fatal("Send did not return when its context ended")
	}
}

// Requests go through the configured proxy (http.ProxyFromEnvironment by
// default, i.e. HTTPS_PROXY and NO_PROXY).
func TestProxy(t *testing.T) {
	clk := newClock()
	srv := newFake(t, clk)
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A forward proxy gets the absolute URL.
		if r.URL.Host != "wechat-api.internal" {
			http.Error(w, "unexpected host "+r.URL.Host, http.StatusBadGateway)
			return
		}
		proxied.Add(1)
		out, _ := http.NewRequestWithContext(r.Context(), r.Method, srv.URL+r.URL.RequestURI(), r.Body)
		out.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	t.Cleanup(proxy.Close)
	proxyURL, _ := url.Parse(proxy.URL)
	mp := newMP(t, srv, clk, nil, nil, func(c *wechatmp.Config) {
		c.APIURL = "http://wechat-api.internal"
		c.Proxy = http.ProxyURL(proxyURL)
	})
	srv.AddFollower(li)
	if _, err := mp.Follower(ctxT(t), li); err != nil {
		t.Fatal(err)
	}
	if n := proxied.Load(); n != 2 {
		t.Fatalf("%d requests through the proxy; want 2 (token, user/info)", n)
	}
}

// A request made through the SDK outside an adapter call goes nowhere.
func TestSDKRequestOutsideCall(t *testing.T) {
	clk := newClock()
	srv := newFake(t, clk)
	newMP(t, srv, clk, nil, nil, nil) // installs the client
	_, err := util.HTTPGet("https://api.weixin.qq.com/cgi-bin/getcallbackip?access_token=x")
	if err == nil || !strings.Contains(err.Error(), "outside an adapter call") {
		t.Fatalf("err = %v", err)
	}
}

// Errors never carry URLs' queries (the access token, the app secret).
func TestErrorsCarryNoSecrets(t *testing.T) {
	clk := newClock()
	srv := newFake(t, clk)
	logs := &lockedBuffer{}
	// Nothing listens on this port: every request fails with a
	// connection error, which net/http reports with the URL.
	closed := httptest.NewServer(http.NotFoundHandler())
	dead := closed.URL
	closed.Close()
	mp := newMP(t, srv, clk, nil, logs, func(c *wechatmp.Config) { c.APIURL = dead })
	srv.AddFollower(li)
	_, err := mp.Follower(ctxT(t), li)
	if err == nil {
		t.Fatal("no error from a dead server")
	}
	t.Logf("dead server: %v", err)
	for _, secret := range []string{srv.AppSecret, "secret=", "access_token="} {
		if strings.Contains(err.Error(), secret) || strings.Contains(logs.String(), secret) {
			t.Fatalf("%q shown:\nerr: %v\nlogs: %s", secret, err, logs.String())
		}
	}
	// And through a live server, with a token refused twice.
	mp2 := newMP(t, srv, clk, nil, logs, nil)
	srv.FailNext("/cgi-bin/user/info", 40001, 40001)
	_, err = mp2.Follower(ctxT(t), li)
	if err == nil || strings.Contains(err.Error(), "access_token=") {
		t.Fatalf("err = %v", err)
	}
	for _, q := range srv.RawQueries() {
		tok := strings.TrimPrefix(strings.Split(q, "&")[0], "access_token=")
		if len(tok) > 20 && strings.Contains(logs.String(), tok) {
			t.Fatal("an access token is in the logs")
		}
	}
}

func TestNewValidates(t *testing.T) {
	good := wechatmp.Config{AppID: "wx1", AppSecret: "s", Token: "t", Log: slog.New(slog.DiscardHandler)}
	for name, edit := range map[string]func(*wechatmp.Config){
		"no app id":     func(c *wechatmp.Config) { c.AppID = "" },
		"no secret":     func(c *wechatmp.Config) { c.AppSecret = " " },
		"no token":      func(c *wechatmp.Config) { c.Token = "" },
		"short key":     func(c *wechatmp.Config) { c.EncodingAESKey = "abc" },
		"bad key":       func(c *wechatmp.Config) { c.EncodingAESKey = strings.Repeat("!", 43) },
		"bad API URL":   func(c *wechatmp.Config) { c.APIURL = "ftp://x" },
		"slow budget":   func(c *wechatmp.Config) { c.CallbackBudget = 5 * time.Second },
		"negative wait": func(c *wechatmp.Config) { c.RequestTimeout = -1 },
	} {
		cfg := good
		edit(&cfg)
		if _, err := wechatmp.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		} else if cfg.EncodingAESKey != "" && strings.Contains(err.Error(), cfg.EncodingAESKey) {
			t.Errorf("%s: the error shows the key", name)
		}
	}
	if _, err := wechatmp.New(good); err != nil {
		t.Fatal(err)
	}
}
