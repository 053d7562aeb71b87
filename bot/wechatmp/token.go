package wechatmp

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/silenceper/wechat/v2/credential"

	"github.com/linli/linli/bot"
)

// tokenURL is the SDK's access-token endpoint (its constant is unexported).
const tokenURL = "https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&appid=%s&secret=%s"

// Token is an access token of the account. It is a secret: it never
// reaches a log line.
type Token struct {
	// AppID is the account the token belongs to; a token saved for another
	// account is ignored.
	AppID   string
	Value   string
	Expires time.Time
}

// tokenSource holds the access token. WeChat hands out at most 2,000 tokens
// a day, and each new one retires the last (after five minutes), so the
// token is fetched once, kept (and persisted), renewed TokenMargin before it
// expires, and fetched anew only when WeChat says it is no good (40001,
// 42001, 40014) — never per call. After a failed fetch, no other is tried
// before a back-off (or, for the daily quota, midnight in Beijing): callers
// get a *bot.RetryAfterError meanwhile.
type tokenSource struct {
	a       *MP
	sem     chan struct{} // held by the one fetch in progress
	changed chan struct{} // wakes keep after a fetch it did not make

	mu        sync.Mutex
	loaded    bool
	cur       Token
	refreshAt time.Time
	blocked   time.Time // no fetch before this
	blockErr  error     // why
	fails     int       // consecutive failed fetches
}

// fixedToken hands a given token to an SDK call.
type fixedToken string

func (t fixedToken) GetAccessToken() (string, error) { return string(t), nil }

// load reads the saved token, once.
func (ts *tokenSource) load(ctx context.Context) error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.loaded {
		return nil
	}
	st := ts.a.cfg.State
	if st != nil {
		t, err := st.LoadToken(ctx)
		if err != nil {
			return fmt.Errorf("wechatmp: load access token: %w", err)
		}
		if t.AppID == ts.a.cfg.AppID && t.Value != "" {
			ts.cur = t
			ts.refreshAt = t.Expires.Add(-ts.a.cfg.TokenMargin)
		}
	}
	ts.loaded = true
	return nil
}

// get returns a valid access token, fetching one if need be.
func (ts *tokenSource) get(ctx context.Context) (string, error) {
	if err := ts.load(ctx); err != nil {
		return "", err
	}
	if tok, err, ok := ts.current(); ok {
		return tok, err
	}
	select {
	case ts.sem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-ts.sem }()
	// Another caller may have fetched one while this one waited.
	if tok, err, ok := ts.current(); ok {
		return tok, err
	}
	t, err := ts.fetch(ctx)
	if err != nil {
		if tok, ok := ts.unexpired(); ok {
			return tok, nil // renewal failed, but the old token still works
		}
		return "", err
	}
	select {
	case ts.changed <- struct{}{}:
	default:
	}
	return t.Value, nil
}

// current returns the token if it is still good, or the error of a
// back-off; ok is false when a fetch is due.
func (ts *tokenSource) current() (string, error, bool) {
	now := ts.a.cfg.Now()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.cur.Value != "" && now.Before(ts.refreshAt) {
		return ts.cur.Value, nil, true
	}
	if now.Before(ts.blocked) {
		if ts.cur.Value != "" && now.Before(ts.cur.Expires) {
			return ts.cur.Value, nil, true
		}
		return "", &bot.RetryAfterError{After: ts.blocked.Sub(now), Reason: ts.blockErr.Error()}, true
	}
	return "", nil, false
}

// unexpired returns the current token if it has not expired yet.
func (ts *tokenSource) unexpired() (string, bool) {
	now := ts.a.cfg.Now()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.cur.Value != "" && now.Before(ts.cur.Expires) {
		return ts.cur.Value, true
	}
	return "", false
}

// invalidate drops token if it is still the current one: WeChat refused it.
func (ts *tokenSource) invalidate(token string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.cur.Value == token {
		ts.cur = Token{}
		ts.refreshAt = time.Time{}
	}
}

// fetch asks the token endpoint for a new token and saves it. Holds sem.
func (ts *tokenSource) fetch(ctx context.Context) (Token, error) {
	a := ts.a
	c := a.newCall(ctx, "cgi-bin/token")
	res, err := credential.GetTokenFromServerContext(withCall(ctx, c),
		fmt.Sprintf(tokenURL, url.QueryEscape(a.cfg.AppID), url.QueryEscape(a.cfg.AppSecret)))
	now := a.cfg.Now()
	if err = c.result(err); err == nil && res.AccessToken == "" {
		err = errors.New("wechatmp cgi-bin/token: answer without a token")
	}
	if err != nil {
		return Token{}, ts.failed(now, err)
	}
	ttl := time.Duration(res.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = 2 * time.Hour
	}
	t := Token{AppID: a.cfg.AppID, Value: res.AccessToken, Expires: now.Add(ttl)}
	// Renew TokenMargin early, but never before half the token's life: a
	// short-lived token must not be fetched again at once.
	margin := min(a.cfg.TokenMargin, ttl/2)
	// Saved before it is used: a restart then finds the token in use
	// (callers wait for the save on sem).
	if st := a.cfg.State; st != nil {
		// Even if the caller gives up now: the token is fetched.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.RequestTimeout)
		err := st.SaveToken(sctx, t)
		cancel()
		if err != nil {
			a.log.Error("wechatmp save access token", "err", err)
		}
	}
	ts.mu.Lock()
	ts.cur, ts.refreshAt = t, t.Expires.Add(-margin)
	ts.fails, ts.blocked, ts.blockErr = 0, time.Time{}, nil
	ts.mu.Unlock()
	a.log.Info("wechatmp access token renewed", "expires", t.Expires.Format(time.RFC3339))
	return t, nil
}

// failed records a failed fetch and returns the error for the caller.
func (ts *tokenSource) failed(now time.Time, err error) error {
	var apiErr *APIError
	errors.As(err, &apiErr)
	var until time.Time
	reason := err
	switch {
	case apiErr != nil && apiErr.Code == codeDailyQuota:
		until = quotaReset(now)
		reason = fmt.Errorf("the daily quota of access tokens is used up until midnight (Beijing time): %w", err)
	case apiErr != nil && apiErr.Code == codeIPNotAllowed:
		until = now.Add(5 * time.Minute)
		reason = fmt.Errorf("add this server's IP address to the account's IP allowlist (IP白名单, 设置与开发 → 基本配置): %w", err)
	case apiErr != nil && (apiErr.Code == codeInvalidCredential || apiErr.Code == codeInvalidAppSecret || apiErr.Code == codeInvalidAppID):
		until = now.Add(5 * time.Minute)
		reason = fmt.Errorf("check the app id and app secret (设置与开发 → 基本配置): %w", err)
	default:
		ts.mu.Lock()
		n := ts.fails
		ts.mu.Unlock()
		back := 5 * time.Second
		for i := 0; i < n && back < 5*time.Minute; i++ {
			back *= 2
		}
		until = now.Add(min(back, 5*time.Minute))
	}
	ts.mu.Lock()
	ts.fails++
	ts.blocked, ts.blockErr = until, reason
	ts.mu.Unlock()
	ts.a.log.Error("wechatmp access token fetch failed", "retry_at", until.Format(time.RFC3339), "err", reason)
	return &bot.RetryAfterError{After: until.Sub(now), Reason: reason.Error()}
}

// due is how long until the token should be renewed (0: now).
func (ts *tokenSource) due() time.Duration {
	now := ts.a.cfg.Now()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	at := ts.refreshAt
	if ts.cur.Value == "" {
		at = now
	}
	if ts.blocked.After(at) {
		at = ts.blocked
	}
	return max(at.Sub(now), 0)
}

// keep renews the token before it expires, until ctx ends.
func (ts *tokenSource) keep(ctx context.Context) {
	floor := time.Duration(0)
	for {
		d := max(ts.due(), floor)
		timer := time.NewTimer(d)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-ts.changed:
			timer.Stop()
			floor = 0
			continue
		case <-timer.C:
		}
		// A failure is logged and backs off in get; the floor keeps a
		// clock that stands still (tests) from spinning.
		_, _ = ts.get(ctx)
		floor = time.Second
	}
}
