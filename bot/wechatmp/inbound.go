package wechatmp

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/silenceper/wechat/v2/officialaccount/message"

	"github.com/linli/linli/bot"
)

// inbound is what a callback carries, translated.
type inbound struct {
	msg bot.Message
	// deliver is false for callbacks nobody handles (a location report, a
	// template's delivery receipt): they are only acknowledged.
	deliver bool
	// opens says the callback is an interaction that opens the 48-hour
	// window (WeChat's list: a message, a follow, a QR scan, a click on a
	// menu button that sends an event — not a link).
	opens bool
	// follow and unfollow change whether the person follows the account.
	follow, unfollow bool
	// photo is the media id of a picture to fetch (media/get).
	photo string
}

// translate turns a callback into a neutral message. It is a pure function
// of the message WeChat posted.
//
// Message ids: a message's MsgId in decimal; an event has none, so it is
// keyed by FromUserName, CreateTime (WeChat's advice for de-duplicating
// events) and the event's name, which a retried delivery repeats too.
func translate(mm *message.MixMessage) inbound {
	from := string(mm.FromUserName)
	at := time.Unix(mm.CreateTime, 0)
	in := inbound{msg: bot.Message{
		Platform: Platform,
		Chat:     bot.ChatID(from),
		ChatKind: bot.Private,
		ID:       bot.MessageID(strconv.FormatInt(mm.MsgID, 10)),
		Sender:   bot.UserID(from),
		Time:     at,
	}}
	if from == "" {
		return inbound{}
	}
	m := &in.msg
	switch mm.MsgType {
	case message.MsgTypeText:
		m.Text = mm.Content
		in.deliver, in.opens = true, true
	case message.MsgTypeImage:
		m.Attachments = []bot.Attachment{{Kind: "photo", Ref: mm.MediaID, Name: mm.MediaID + ".jpg", MIMEType: "image/jpeg"}}
		in.deliver, in.opens, in.photo = mm.MediaID != "", true, mm.MediaID
	case message.MsgTypeVoice:
		in.opens = true
		// With 语音识别 turned on, WeChat sends what it heard; the recording
		// itself (AMR, Speex) is of no use to the bot.
		if text := strings.TrimSpace(mm.Recognition); text != "" {
			m.Text = text
			in.deliver = true
		}
	case message.MsgTypeVideo, message.MsgTypeShortVideo, message.MsgTypeLocation, message.MsgTypeLink:
		in.opens = true // an interaction, but nothing the bot reads
	case message.MsgTypeEvent:
		translateEvent(mm, &in)
	}
	return in
}

func translateEvent(mm *message.MixMessage, in *inbound) {
	m := &in.msg
	m.ID = bot.MessageID(fmt.Sprintf("event:%s:%d:%s", mm.FromUserName, mm.CreateTime, mm.Event))
	switch mm.Event {
	case message.EventSubscribe:
		// Followed by scanning a parameterized QR code: "qrscene_" + scene.
		m.Event, m.Text = EventJoin, strings.TrimPrefix(mm.EventKey, "qrscene_")
		in.deliver, in.opens, in.follow = true, true, true
	case message.EventScan:
		// A follower scanned a parameterized QR code: the scene as is.
		m.Event, m.Text = EventJoin, mm.EventKey
		in.deliver, in.opens = true, true
	case message.EventUnsubscribe:
		m.Event = bot.EventBotRemoved
		in.deliver, in.unfollow = true, true
	case message.EventClick:
		m.Callback = &bot.Callback{ID: string(m.ID), Data: mm.EventKey}
		in.deliver, in.opens = true, true
	case message.EventView:
		m.Event, m.Text = EventMenuView, mm.EventKey
		in.deliver = true
	case message.EventScancodePush, message.EventScancodeWaitmsg:
		// Of the menu's buttons only click and these two open the window;
		// the photo and location buttons are followed by a message, which does.
		in.opens = true
	}
}
