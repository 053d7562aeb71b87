package bot_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/linli/linli/bot"
)

func TestRedact(t *testing.T) {
	// What the HTTP client returns when web WeChat's synccheck fails: the
	// URL's query holds the session's sid, skey and uin.
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet,
		"https://webpush.wx.qq.com/cgi-bin/mmwebwx-bin/synccheck?r=1&skey=%40crypt_ab12&sid=SIDSECRET&uin=123456&deviceid=e1&synckey=1_100", nil)
	_, urlErr := (&http.Client{Transport: failing{}}).Do(req)
	wrapped := fmt.Errorf("sync check: %w", urlErr)
	got := bot.Redact(wrapped)
	for _, secret := range []string{"SIDSECRET", "crypt_ab12", "123456", "synckey"} {
		if strings.Contains(got.Error(), secret) {
			t.Errorf("%q still holds %s", got, secret)
		}
	}
	if !strings.Contains(got.Error(), "https://webpush.wx.qq.com/cgi-bin/mmwebwx-bin/synccheck") || !strings.Contains(got.Error(), "connection refused") {
		t.Errorf("%q lost what failed and why", got)
	}
	if !errors.Is(got, errRefused) {
		t.Error("the redacted error no longer unwraps to its cause")
	}

	const token = "123456:AAE-secret_token"
	got = bot.Redact(errors.New("error decode response body for method getMe, Cannot POST /bot123456:AAE-secret_token/getMe and /bot123456%3AAAE-secret_token/x"), token)
	if strings.Contains(got.Error(), "secret_token") || !strings.Contains(got.Error(), "/bot[redacted]/getMe") {
		t.Errorf("token not redacted: %q", got)
	}
	got = bot.Redact(errors.New(`proxyconnect tcp: dial "http://user:pa55@proxy.local:3128/x?y=1"`))
	if strings.Contains(got.Error(), "pa55") || !strings.Contains(got.Error(), "http://proxy.local:3128/x") {
		t.Errorf("user info not redacted: %q", got)
	}
	plain := errors.New("nothing to hide")
	if bot.Redact(plain) != plain || bot.Redact(nil) != nil {
		t.Error("Redact changed an error without secrets")
	}
}

var errRefused = errors.New("dial tcp 127.0.0.1:443: connection refused")

type failing struct{}

func (failing) RoundTrip(*http.Request) (*http.Response, error) { return nil, errRefused }
