package wechat

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/eatmoreapple/openwechat"

	"github.com/linli/linli/bot"
)

// hasMedia reports whether out carries an attachment this adapter can send:
// one with its bytes (a Telegram file_id means nothing to WeChat).
func hasMedia(out bot.Outgoing) bool {
	return out.Attachment != nil && len(out.Attachment.Data) > 0
}

// sendWithMedia sends out's text, then its attachment: a photo as an image
// message, anything else as a file message (an export workbook). WeChat has
// no captions, so these are two messages, each paced like any other send.
// The text goes first because it says what follows, and its MsgID is the
// one returned (a ticket card's text is what people answer).
//
// Should the attachment fail after the text went out, the error is returned
// so the outbox tries the row again, and the adapter remembers the row: the
// retry sends only the attachment, not the text a second time. (That memory
// is lost on a restart; the text may then be sent twice, never the file lost.)
func (w *WeChat) sendWithMedia(ctx context.Context, out bot.Outgoing) (bot.MessageID, error) {
	w.mu.Lock()
	first, textDone := w.textSent[out.ID]
	w.mu.Unlock()
	if !textDone && strings.TrimSpace(out.Text) != "" {
		id, err := w.paced(ctx, out, sendText(out.Text))
		if err != nil {
			return "", err
		}
		first = id
		if out.ID != 0 {
			w.mu.Lock()
			if w.textSent == nil || len(w.textSent) >= 1000 {
				w.textSent = map[int64]bot.MessageID{} // rows parked for good are forgotten
			}
			w.textSent[out.ID] = id
			w.mu.Unlock()
		}
	}
	id, err := w.paced(ctx, out, sendAttachment(out.Attachment))
	if err != nil {
		return "", err
	}
	w.mu.Lock()
	delete(w.textSent, out.ID)
	w.mu.Unlock()
	if first == "" {
		first = id
	}
	return first, nil
}

// sendAttachment uploads a to WeChat's file host and sends it. openwechat
// names the upload after the file it reads, so the bytes are written to a
// file of a's name in a private temporary folder first.
func sendAttachment(a *bot.Attachment) sendFunc {
	return func(ctx context.Context, s *session, userName string) (*openwechat.SentMessage, error) {
		f, cleanup, err := mediaFile(a)
		if err != nil {
			return nil, err
		}
		defer cleanup()
		c := s.b.Caller.Client
		ensureDataTicket(c)
		opts := openwechat.CallerUploadMediaCommonOptions{
			FromUserName: s.selfUser, ToUserName: userName,
			BaseRequest: s.b.Storage.Request, LoginInfo: s.b.Storage.LoginInfo,
		}
		if a.Kind == "photo" {
			o := openwechat.CallerWebWxSendImageMsgOptions(opts)
			return s.b.Caller.WebWxSendImageMsg(ctx, f, &o)
		}
		o := openwechat.CallerWebWxSendFileOptions(opts)
		return s.b.Caller.WebWxSendFile(ctx, f, &o)
	}
}

// mediaFile writes a's bytes to a file named after a (a photo gets an image
// extension: WeChat decides by it whether the upload is a picture).
func mediaFile(a *bot.Attachment) (*os.File, func(), error) {
	dir, err := os.MkdirTemp("", "linli-wechat-")
	if err != nil {
		return nil, nil, fmt.Errorf("wechat attachment: %w", err)
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	path := filepath.Join(dir, mediaName(a))
	if err := os.WriteFile(path, a.Data, 0o600); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("wechat attachment: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("wechat attachment: %w", err)
	}
	return f, func() { _ = f.Close(); cleanup() }, nil
}

// mediaName is the attachment's name, safe as a file name.
func mediaName(a *bot.Attachment) string {
	name := strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`\/:*?"<>|`, r) {
			return '-'
		}
		return r
	}, strings.TrimSpace(a.Name))
	if strings.Trim(name, ".-") == "" {
		name = "file"
	}
	if a.Kind != "photo" {
		return name
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".bmp":
		return name
	}
	switch http.DetectContentType(a.Data) {
	case "image/png":
		return name + ".png"
	case "image/gif":
		return name + ".gif"
	}
	return name + ".jpg"
}

// ensureDataTicket gives the file host the webwx_data_ticket cookie when the
// jar has it for the base host only. Uploads need it, and a jar restored by
// hot login holds each cookie only for the host it was dumped under
// (LIBRARIES.md §2.2); a session file from before jarHook has none under the
// file host, and uploads would fail with ErrWebWxDataTicketNotFound.
//
// jarHook has registered the file host on the jar before any of this
// session's requests, so setting a cookie here adds no host to the jar's
// unlocked host map; the cookie jar itself is safe for concurrent use.
func ensureDataTicket(c *openwechat.Client) {
	jar := c.Jar()
	if jar == nil {
		return
	}
	file, err1 := url.Parse(c.Domain.FileHost())
	base, err2 := url.Parse(c.Domain.BaseHost())
	if err1 != nil || err2 != nil || file.Host == "" {
		return
	}
	const name = "webwx_data_ticket"
	for _, ck := range jar.Cookies(file) {
		if ck.Name == name {
			return
		}
	}
	for _, ck := range jar.Cookies(base) {
		if ck.Name == name {
			jar.SetCookies(file, []*http.Cookie{{Name: name, Value: ck.Value, Path: "/"}})
			return
		}
	}
}
