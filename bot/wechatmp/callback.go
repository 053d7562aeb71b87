package wechatmp

import (
	"context"
	"crypto/subtle"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/util"

	"github.com/linli/linli/bot"
)

// maxCallbackBody caps a callback's body (messages are a few kilobytes).
const maxCallbackBody = 1 << 20

// errNotRunning: a callback came while Run was not running.
var errNotRunning = errors.New("wechatmp: not running")

// errTooSlow: the message was not handled within the callback budget.
var errTooSlow = errors.New("wechatmp: message not handled within the callback budget")

// handler is the callback endpoint.
//
// It does not use the SDK's server.Server: Serve answers "success" itself
// before the caller can say whether the message was committed (so a failed
// commit could not make WeChat retry), reads bodies of any size, compares
// signatures in variable time and logs through its own global logger. The
// endpoint uses the SDK's pieces instead: util.Signature, util.DecryptMsg and
// message.MixMessage.
type handler struct{ a *MP }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		h.verify(w, r)
	case http.MethodPost:
		h.receive(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// signed checks the signature WeChat puts on every callback: the SHA-1 of
// the sorted token, timestamp and nonce.
func (a *MP) signed(q url.Values) bool {
	want := util.Signature(a.cfg.Token, q.Get("timestamp"), q.Get("nonce"))
	return equal(q.Get("signature"), want)
}

func equal(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// verify answers the URL verification WeChat makes when the server
// configuration is saved: the echostr back, if the signature is right.
func (h *handler) verify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !h.a.signed(q) {
		h.a.log.Warn("wechatmp callback verification with a bad signature", "remote", r.RemoteAddr)
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, q.Get("echostr"))
}

// receive takes one message or event. It never logs the sender or the text:
// the message may be an anonymous suggestion.
func (h *handler) receive(w http.ResponseWriter, r *http.Request) {
	a := h.a
	q := r.URL.Query()
	if !a.signed(q) {
		a.log.Warn("wechatmp callback with a bad signature", "remote", r.RemoteAddr)
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCallbackBody))
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	raw := body
	if q.Get("encrypt_type") == "aes" {
		var status int
		if raw, status = h.decrypt(q, body); status != 0 {
			http.Error(w, http.StatusText(status), status)
			return
		}
	}
	var mm message.MixMessage
	if err := xml.Unmarshal(raw, &mm); err != nil {
		a.log.Warn("wechatmp callback: not a message", "err", err)
		http.Error(w, "bad message", http.StatusBadRequest)
		return
	}
	if err := a.accept(r.Context(), translate(&mm)); err != nil {
		// Not "success": WeChat delivers the message again (it promises
		// retries for answers that do not come within 5 s; an error status
		// is the prompt form of that), and the inbox drops what was
		// committed already.
		a.log.Warn("wechatmp callback not accepted, WeChat will retry", "type", string(mm.MsgType), "event", string(mm.Event), "err", err)
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "success")
}

// decrypt opens a safe-mode message: it checks msg_signature (over the
// token, timestamp, nonce and the ciphertext) and decrypts with the
// EncodingAESKey. status is 0 on success.
func (h *handler) decrypt(q url.Values, body []byte) ([]byte, int) {
	a := h.a
	if a.cfg.EncodingAESKey == "" {
		a.log.Error("wechatmp callback in safe mode, but no EncodingAESKey is configured")
		return nil, http.StatusInternalServerError
	}
	var env message.EncryptedXMLMsg
	if err := xml.Unmarshal(body, &env); err != nil || env.EncryptedMsg == "" {
		return nil, http.StatusBadRequest
	}
	want := util.Signature(a.cfg.Token, q.Get("timestamp"), q.Get("nonce"), env.EncryptedMsg)
	if !equal(q.Get("msg_signature"), want) {
		a.log.Warn("wechatmp callback with a bad msg_signature")
		return nil, http.StatusForbidden
	}
	_, raw, err := util.DecryptMsg(a.cfg.AppID, env.EncryptedMsg, a.cfg.EncodingAESKey)
	if err != nil {
		a.log.Warn("wechatmp callback cannot be decrypted (is the EncodingAESKey current?)")
		return nil, http.StatusBadRequest
	}
	return raw, 0
}

// accept records what the callback says about the follower's window and
// hands the message to the Router, waiting until it has been handled and
// committed, within the callback budget.
func (a *MP) accept(ctx context.Context, in inbound) error {
	inb, ok := a.inbound()
	if !ok {
		return errNotRunning
	}
	defer a.inflight.Done()
	ctx, cancel := context.WithTimeout(ctx, a.cfg.CallbackBudget)
	defer cancel()
	m := in.msg
	if m.Chat == "" {
		return nil
	}
	if in.unfollow {
		if err := a.windows.unfollowed(ctx, m.Chat); err != nil {
			return err
		}
	}
	if in.opens || in.follow {
		reopened, err := a.windows.interacted(ctx, m.Chat, m.Time, in.follow)
		if err != nil {
			return err
		}
		if reopened && a.cfg.OnWindowOpen != nil {
			a.callback(func() { a.cfg.OnWindowOpen(m.Chat) })
		}
	}
	if !in.deliver {
		return nil
	}
	if in.photo != "" {
		a.fetchPhoto(ctx, &m, in.photo)
	}
	done := make(chan error, 1)
	if err := inb.Enqueue(ctx, m, func(err error) { done <- err }); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	select {
	case err := <-done:
		if errors.Is(err, bot.ErrNoRoute) {
			return nil
		}
		return err
	case <-ctx.Done():
		return errTooSlow
	}
}

// fetchPhoto downloads a picture within half the callback budget. If that
// fails, the message goes without the bytes: the attachment's Ref is the
// media id, which FetchMedia can still fetch (WeChat keeps it three days).
func (a *MP) fetchPhoto(ctx context.Context, m *bot.Message, mediaID string) {
	d := a.cfg.CallbackBudget / 2
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, time.Until(dl)/2)
	}
	fctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	att, err := a.FetchMedia(fctx, mediaID)
	if err != nil {
		a.log.Warn("wechatmp picture not fetched now; it can be fetched later by its media id", "err", err)
		return
	}
	m.Attachments = []bot.Attachment{att}
}
