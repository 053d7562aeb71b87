package wechatmp

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/linli/linli/bot"
)

// Errcodes of the MP API the adapter acts on.
const (
	codeSystemBusy        = -1
	codeInvalidCredential = 40001 // a bad access token; at the token endpoint, a wrong app secret
	codeInvalidOpenID     = 40003
	codeInvalidMediaID    = 40007
	codeInvalidAppID      = 40013
	codeInvalidToken      = 40014
	codeInvalidCode       = 40029 // OAuth: unknown or expired code
	codeInvalidAppSecret  = 40125
	codeCodeUsed          = 40163 // OAuth: the code was used already
	codeIPNotAllowed      = 40164 // this server's IP is not in the allowlist
	codeTokenExpired      = 42001
	codeRequireSubscribe  = 43004 // not (or no longer) a follower
	codeContentTooLong    = 45002
	codeDailyQuota        = 45009
	codeTooFrequent       = 45011
	codeWindowTime        = 45015 // outside the 48-hour window
	codeWindowCount       = 45047 // the messages allowed in the window are used up
	codeUnauthorized      = 48001 // the account has no right to this API (not verified?)
)

// APIError is an error answer of the MP API: {"errcode":…,"errmsg":…}.
type APIError struct {
	API  string // e.g. "message/custom/send"
	Code int
	Msg  string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wechatmp %s: errcode %d: %s", e.API, e.Code, e.Msg)
}

// HTTPError is an answer other than 200 OK (WeChat answers errors with 200
// and an errcode, so this is a proxy or an outage).
type HTTPError struct {
	API    string
	Status int
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("wechatmp %s: HTTP %d %s", e.API, e.Status, http.StatusText(e.Status))
}

// WindowClosedError says a customer-service message cannot go to a follower
// now, and waiting will not help until they write again: their 48-hour
// window is over (Code 45015), or the messages allowed in it are used up
// (Code 45047). Their next message, menu click, QR scan or follow opens a new
// window (and Config.OnWindowOpen is called), after which the message can go.
// Until then the outbox should hold the message (or send it as a template
// message, when there is a template for it) rather than count failed attempts.
//
// Asked says whether WeChat answered so; when false, the adapter knew from
// the window it keeps and made no request. For the Sender of today the error
// also carries a *bot.RetryAfterError (Config.WindowRecheck), so the row
// waits without counting towards parking; a mapping of this error onto the
// outbox must therefore be checked before bot.RetryAfterError.
type WindowClosedError struct {
	Chat bot.ChatID
	Code int
	// Since is the follower's last interaction (zero: none known).
	Since time.Time
	Asked bool
	after time.Duration
}

func (e *WindowClosedError) Error() string {
	why := "their 48-hour window is over"
	if e.Code == codeWindowCount {
		why = "the messages allowed in their 48-hour window are used up"
	}
	return fmt.Sprintf("wechatmp: cannot write to %s until they write again: %s", e.Chat, why)
}

// Unwrap returns the wait for today's Sender (see WindowClosedError).
func (e *WindowClosedError) Unwrap() error {
	return &bot.RetryAfterError{After: e.after, Reason: "waiting for the follower to write again"}
}

// ErrInvalidCode is returned by OpenIDByCode for an OAuth code that is
// unknown, expired (they live 5 minutes) or used already: the page should
// send the person through the OAuth link again.
var ErrInvalidCode = errors.New("wechatmp: invalid or used OAuth code")

// isTokenCode reports an errcode that means the access token is no good.
func isTokenCode(code int) bool {
	return code == codeInvalidCredential || code == codeTokenExpired || code == codeInvalidToken
}

// quotaReset is when WeChat's daily API quotas start again: midnight in
// Beijing (a minute after, for clocks that differ).
func quotaReset(now time.Time) time.Time {
	bj := now.In(beijing)
	midnight := time.Date(bj.Year(), bj.Month(), bj.Day()+1, 0, 1, 0, 0, beijing)
	return midnight
}

// beijing is China Standard Time; a fixed zone needs no tzdata.
var beijing = time.FixedZone("CST", 8*3600)

// mapError turns the error of an API call for chat into the Sender's
// vocabulary:
//
//   - 45009 (the daily quota of the API is used up) → *bot.RetryAfterError
//     until the quota resets at midnight, Beijing time;
//   - 45011 (too frequent) → *bot.RetryAfterError of a minute;
//   - 43004 (not a follower) and 40003 (no such follower) → *bot.ChatGoneError;
//   - 48001 (no right to the API) and the other 4xxxx errcodes (a malformed
//     message, an unknown template, a text too long) → wrapped bot.ErrPermanent;
//   - -1 (system busy), a token still refused after a fresh one, 40007
//     (a media id WeChat lost: it is uploaded again), HTTP errors and the
//     network's → unchanged: transient, the Sender retries with backoff.
//
// 45015 and 45047 are the window's and handled by Send. Errors that are
// already the Sender's (the token's RetryAfterError) pass unchanged.
func (a *MP) mapError(chat bot.ChatID, err error) error {
	var apiErr *APIError
	if err == nil || !errors.As(err, &apiErr) {
		return err
	}
	now := a.cfg.Now()
	switch c := apiErr.Code; {
	case c == codeDailyQuota:
		return &bot.RetryAfterError{After: quotaReset(now).Sub(now), Reason: apiErr.Error()}
	case c == codeTooFrequent:
		return &bot.RetryAfterError{After: time.Minute, Reason: apiErr.Error()}
	case c == codeRequireSubscribe || c == codeInvalidOpenID:
		return &bot.ChatGoneError{Chat: chat, Reason: apiErr.Error()}
	case c == codeSystemBusy || isTokenCode(c) || c == codeInvalidMediaID:
		return err
	case c == codeUnauthorized:
		return fmt.Errorf("%w: the account may not use this API (is it a verified service account?): %w", bot.ErrPermanent, err)
	case c >= 40000 && c < 50000:
		return fmt.Errorf("%w: %w", bot.ErrPermanent, err)
	}
	return err
}
