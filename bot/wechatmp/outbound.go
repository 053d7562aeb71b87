package wechatmp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	oacontext "github.com/silenceper/wechat/v2/officialaccount/context"
	"github.com/silenceper/wechat/v2/officialaccount/message"

	"github.com/linli/linli/bot"
)

// maxText is WeChat's limit on a text message's content, in bytes.
const maxText = 2048

// Send implements bot.Platform: it delivers out as customer-service messages
// (message/custom/send) to the follower whose openid is out.Chat: its text,
// then its picture (uploaded with media/upload), each one message of the
// window's allowance. It returns an id of the adapter's own (WeChat gives
// customer-service messages none).
//
// Before asking WeChat, it checks the follower's window: if the 48 hours
// are over, or the row needs more messages than are left, it returns a
// *WindowClosedError at once; a follower who unfollowed gives a
// *bot.ChatGoneError. Errcodes map onto the Sender's vocabulary as mapError
// says; 45015 and 45047 also close the window, and 40001/42001/40014 renew
// the token and try once more.
//
// WeChat's text has no buttons and no formatting: Buttons are left out (the
// texts say how to answer by command), Edit sends a new message, and a Poll
// goes as its Text. Files other than pictures cannot be sent by a service
// account: such a row fails for good before anything is sent.
func (a *MP) Send(ctx context.Context, out bot.Outgoing) (bot.MessageID, error) {
	chat := out.Chat
	if !validOpenID(string(chat)) {
		return "", fmt.Errorf("%w: wechatmp: not an openid: %q", bot.ErrPermanent, chat)
	}
	att := out.Attachment
	if att != nil && (att.Kind != "photo" || len(att.Data) == 0) {
		return "", fmt.Errorf("%w: wechatmp: a service account can send pictures only, with their bytes (not %s %q)", bot.ErrPermanent, att.Kind, att.Name)
	}
	text := strings.TrimSpace(out.Text)
	a.textMu.Lock()
	first, textDone := a.textSent[out.ID]
	a.textMu.Unlock()
	needText := text != "" && !(textDone && out.ID != 0)
	n := 0
	if needText {
		n++
	}
	if att != nil {
		n++
	}
	if n == 0 {
		return "", fmt.Errorf("%w: wechatmp: nothing to send", bot.ErrPermanent)
	}
	if err := a.windows.check(ctx, chat, n); err != nil {
		return "", err
	}
	if needText {
		if err := a.sendCustom(ctx, chat, message.NewCustomerTextMessage(string(chat), clipText(text, maxText))); err != nil {
			return "", err
		}
		first = a.nextID("cs")
		if att != nil && out.ID != 0 {
			a.textMu.Lock()
			if a.textSent == nil || len(a.textSent) >= 1000 {
				a.textSent = map[int64]bot.MessageID{} // rows parked for good are forgotten
			}
			a.textSent[out.ID] = first
			a.textMu.Unlock()
		}
	}
	if att != nil {
		mediaID, err := a.upload(ctx, att)
		if err != nil {
			return "", a.mapError(chat, err)
		}
		if err := a.sendCustom(ctx, chat, message.NewCustomerImgMessage(string(chat), mediaID)); err != nil {
			return "", err
		}
		a.textMu.Lock()
		delete(a.textSent, out.ID)
		a.textMu.Unlock()
		if first == "" {
			first = a.nextID("cs")
		}
	}
	return first, nil
}

// sendCustom sends one customer-service message and counts it in the window.
func (a *MP) sendCustom(ctx context.Context, chat bot.ChatID, msg *message.CustomerMessage) error {
	err := a.do(ctx, "message/custom/send", func(sc *oacontext.Context, _ string) error {
		return message.NewMessageManager(sc).Send(msg)
	})
	if err == nil {
		a.windows.sent(ctx, chat)
		return nil
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) && (apiErr.Code == codeWindowTime || apiErr.Code == codeWindowCount) {
		return a.windows.refused(ctx, chat, apiErr.Code)
	}
	return a.mapError(chat, err)
}
