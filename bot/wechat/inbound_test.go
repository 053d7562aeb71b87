package wechat_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/wechat"
	"github.com/linli/linli/bot/wechat/wechattest"
)

func TestGroupAndPrivateMessages(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	a := loggedIn(t, srv)

	text := "#报修 3栋电梯坏了\n<急> & 快"
	id := srv.GroupText(groupSaved, "张三", text)
	m := a.in.next(t)
	want := bot.Message{
		Platform: bot.WeChat, Chat: groupSaved, ChatKind: bot.Group, ChatTitle: groupSaved,
		ID: bot.MessageID(id), Sender: "3-201 张三", SenderName: "3-201 张三", Text: text,
		BotNames: []string{selfNick, selfCard},
	}
	if m.Time.IsZero() {
		t.Error("message without a time")
	}
	m.Time = time.Time{}
	if !equalMessage(m, want) {
		t.Errorf("group text:\n got %+v\nwant %+v", m, want)
	}

	// A member without a group card is keyed by the nickname; a mention of
	// the account (by its card in the group, or its nickname) counts.
	srv.GroupMention(groupSaved, "李四", "报修 5栋漏水")
	if m := a.in.next(t); !m.MentionsBot || m.Sender != "李四" || m.Text != "@"+selfCard+"\u2005报修 5栋漏水" {
		t.Errorf("mention: %+v", m)
	}
	srv.GroupText(groupSaved, "李四", wechattest.Mention("张三")+"你看下")
	if m := a.in.next(t); m.MentionsBot {
		t.Errorf("a mention of someone else counted: %+v", m)
	}
	srv.GroupText(groupSaved, "李四", wechattest.Mention(selfNick)+"在吗")
	if m := a.in.next(t); !m.MentionsBot {
		t.Errorf("a mention of the account's nickname did not count: %+v", m)
	}

	// Private chats are keyed by the friend's remark.
	id = srv.PrivateText("王五", "/suggest 多装路灯")
	if m := a.in.next(t); m.Chat != "5栋王五" || m.ChatKind != bot.Private || m.Sender != "5栋王五" || string(m.ID) != id ||
		m.Text != "/suggest 多装路灯" || m.ChatTitle != "" || m.MentionsBot {
		t.Errorf("private: %+v", m)
	}

	// A group that is not saved to contacts still delivers.
	id = srv.GroupText(groupTemp, "张三", "临时群")
	if m := a.in.next(t); m.Chat != groupTemp || string(m.ID) != id || m.Sender != "张三" || !slices.Equal(m.BotNames, []string{selfNick}) {
		t.Errorf("unsaved group: %+v", m)
	}

	// The account's own messages (from the phone) are not for the bot.
	srv.SelfText(groupSaved, "手机上发的")
	srv.SelfText("王五", "手机上私聊")
	id = srv.GroupText(groupSaved, "张三", "下一条")
	if m := a.in.next(t); string(m.ID) != id {
		t.Errorf("got %+v, want the next message after the account's own", m)
	}

	// A message delivered again (hot login replays) keeps its id.
	first := srv.GroupText(groupSaved, "张三", "只算一次")
	if m := a.in.next(t); string(m.ID) != first {
		t.Fatalf("got %+v", m)
	}
	if err := srv.ReplayOld(first); err != nil {
		t.Fatal(err)
	}
	if m := a.in.next(t); string(m.ID) != first || m.Text != "只算一次" {
		t.Errorf("replay: got %+v, want id %s again", m, first)
	}

	// A quote (引用) is an app message naming the quoted message: the
	// reply's text, replying to the quoted message's id — a member's message,
	// and one the account sent.
	quotedID := srv.GroupText(groupSaved, "李四", "5栋漏水 <急>")
	a.in.next(t)
	srv.GroupQuote(groupSaved, "张三", quotedID, "我家也是 & 楼上")
	if m := a.in.next(t); m.Text != "我家也是 & 楼上" || string(m.ReplyTo) != quotedID || m.Sender != "3-201 张三" || m.Chat != groupSaved {
		t.Errorf("quote of a member's message: %+v", m)
	}
	sentID := send(t, a, groupSaved, "工单 #7 · 报修")
	srv.GroupQuote(groupSaved, "李四", string(sentID), "#7 师傅几点到？")
	if m := a.in.next(t); m.Text != "#7 师傅几点到？" || m.ReplyTo != sentID || m.Sender != "李四" {
		t.Errorf("quote of the account's message %s: %+v", sentID, m)
	}

	// The inline form of a quote keeps only the reply.
	srv.GroupText(groupSaved, "张三", "「物业小助手：#1 已派师傅」\n- - - - - - - - - - - - - - -\n#1 师傅几点到？")
	if m := a.in.next(t); m.Text != "#1 师傅几点到？" {
		t.Errorf("quote: Text = %q", m.Text)
	}
	if u := srv.Unhandled(); len(u) != 0 {
		t.Errorf("Unhandled() = %v", u)
	}
}

// equalMessage compares the fields an adapter fills.
func equalMessage(a, b bot.Message) bool {
	return a.Platform == b.Platform && a.Chat == b.Chat && a.ChatKind == b.ChatKind && a.ChatTitle == b.ChatTitle &&
		a.ID == b.ID && a.Sender == b.Sender && a.SenderName == b.SenderName && a.Text == b.Text &&
		a.ReplyTo == b.ReplyTo && a.MentionsBot == b.MentionsBot && slices.Equal(a.BotNames, b.BotNames) &&
		a.Time.Equal(b.Time) && len(a.Attachments) == len(b.Attachments) && a.Event == b.Event && a.NewChat == b.NewChat
}

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestPictureAfterTaggedMessage(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	clk := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	a := loggedIn(t, srv, func(c *wechat.Config) { c.Now = clk.Now })
	pic := testJPEG(t)

	// A picture from someone who tagged nothing is not for the bot.
	srv.GroupImage(groupSaved, "张三", pic)
	marker := srv.GroupText(groupSaved, "张三", "#报修 楼道灯不亮")
	if m := a.in.next(t); string(m.ID) != marker {
		t.Fatalf("got %+v, want the tagged message (the untagged picture is skipped)", m)
	}

	clk.Add(4 * time.Minute)
	id := srv.GroupImage(groupSaved, "张三", pic)
	m := a.in.next(t)
	if string(m.ID) != id || m.Text != "" || m.Sender != "3-201 张三" || m.Chat != groupSaved || len(m.Attachments) != 1 {
		t.Fatalf("picture: %+v", m)
	}
	if att := m.Attachments[0]; att.Kind != "photo" || !bytes.Equal(att.Data, pic) || att.MIMEType != "image/jpeg" || att.Ref != id {
		t.Errorf("attachment: kind %q mime %q ref %q, %d bytes", att.Kind, att.MIMEType, att.Ref, len(att.Data))
	}

	// Someone else's picture, and the same person's after the window, are not.
	srv.GroupImage(groupSaved, "王五", pic)
	clk.Add(2 * time.Minute)
	srv.GroupImage(groupSaved, "张三", pic)
	marker = srv.GroupText(groupSaved, "李四", "好的")
	if m := a.in.next(t); string(m.ID) != marker {
		t.Errorf("got %+v, want only the text after pictures outside the window", m)
	}
}

func TestRename(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	a := loggedIn(t, srv)
	const renamed = "阳光花园业主1群"

	srv.GroupText(groupSaved, "张三", "改名前")
	if m := a.in.next(t); m.Chat != groupSaved {
		t.Fatalf("before the rename: %+v", m)
	}
	id := srv.RenameGroup(groupSaved, renamed, "张三")
	m := a.in.next(t)
	if m.Event != bot.EventRenamed || m.Chat != groupSaved || m.ChatTitle != renamed || m.NewChat != renamed || string(m.ID) != id {
		t.Errorf("rename event: %+v", m)
	}
	id = srv.GroupText(renamed, "张三", "改名后")
	if m := a.in.next(t); m.Chat != renamed || m.ChatTitle != renamed || string(m.ID) != id {
		t.Errorf("after the rename: %+v", m)
	}
	send(t, a, renamed, "新群名能发")
	if sent := srv.Sent(); len(sent) != 1 || sent[0].ToNick != renamed {
		t.Errorf("Sent() = %+v", sent)
	}
	_, err := a.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: groupSaved, Text: "旧群名"})
	if !errors.Is(err, wechat.ErrUnknownChat) || errors.Is(err, bot.ErrPermanent) {
		t.Errorf("Send to the old name = %v, want ErrUnknownChat", err)
	}
	a.waitAlert(t, bot.AlertChatMissing, groupSaved)
}

// A panic while translating a message is logged; the next message goes on.
func TestHandlerPanicRecovered(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	var armed atomic.Bool
	a := loggedIn(t, srv, func(c *wechat.Config) {
		c.Now = func() time.Time {
			if armed.CompareAndSwap(true, false) {
				panic("clock broke")
			}
			return time.Now()
		}
	})
	armed.Store(true)
	srv.GroupText(groupSaved, "张三", "这条让处理出错")
	id := srv.GroupText(groupSaved, "张三", "这条照常")
	if m := a.in.next(t); string(m.ID) != id {
		t.Errorf("got %+v, want the message after the panic", m)
	}
	if armed.Load() || !strings.Contains(a.logs.String(), "handler panic") {
		t.Error("the handler never panicked, or the panic was not logged")
	}
}
