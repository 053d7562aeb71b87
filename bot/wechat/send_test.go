package wechat_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/wechat"
	"github.com/linli/linli/bot/wechat/wechattest"
	"github.com/linli/linli/store"
)

func TestSendByName(t *testing.T) {
	t.Parallel()
	srv := newServer(t, wechattest.WithEchoSent())
	a := loggedIn(t, srv)

	id, err := a.Send(context.Background(), bot.Outgoing{
		Platform: bot.WeChat, Chat: groupSaved, Text: "工单 #1 已受理\n<请稍候> & 谢谢",
		Buttons: [][]bot.Button{{{Text: "接单", Data: "take:1"}}}, ReplyTo: "123", Edit: "456",
	})
	if err != nil {
		t.Fatal(err)
	}
	send(t, a, "5栋王五", "私聊回复")
	sent := srv.Sent()
	if len(sent) != 2 {
		t.Fatalf("Sent() = %+v", sent)
	}
	if s := sent[0]; s.ToNick != groupSaved || !s.IsGroup || s.Type != 1 || s.Content != "工单 #1 已受理\n<请稍候> & 谢谢" || bot.MessageID(s.MsgID) != id {
		t.Errorf("group send: %+v (id %s)", s, id)
	}
	if s := sent[1]; s.ToNick != "王五" || s.IsGroup {
		t.Errorf("private send: %+v", s)
	}
	// The echo of our own sends is not a message for the bot.
	marker := srv.GroupText(groupSaved, "张三", "标记")
	if m := a.in.next(t); string(m.ID) != marker {
		t.Errorf("got %+v, want the marker after our echoed sends", m)
	}

	// A send the server refuses for the session waits for the next login.
	srv.FailSendsWith(wechattest.RetSessionInvalid, 1)
	_, err = a.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: groupSaved, Text: "x"})
	if !errors.Is(err, wechat.ErrNotLoggedIn) || !isRetryAfter(err) {
		t.Errorf("Send refused with 1101 = %v, want ErrNotLoggedIn with a retry-after", err)
	}
	// A stale recipient (1204) is a transient error and the name is looked up again.
	srv.FailSendsWith(wechattest.RetBadRecipient, 1)
	fetches := srv.Hits("webwxgetcontact")
	if _, err = a.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: groupSaved, Text: "x"}); err == nil || errors.Is(err, bot.ErrPermanent) || isRetryAfter(err) {
		t.Errorf("Send refused with 1204 = %v, want a transient error", err)
	}
	send(t, a, groupSaved, "再发一次")
	if srv.Hits("webwxgetcontact") != fetches+1 {
		t.Errorf("no contact fetch after 1204")
	}

	_, err = a.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: groupSaved, Text: "  \n"})
	if !errors.Is(err, bot.ErrPermanent) {
		t.Errorf("empty text: %v, want a permanent error", err)
	}
}

func TestSendToUnknownSharedAndUnsavedNames(t *testing.T) {
	t.Parallel()
	srv := newServer(t,
		wechattest.WithFriend("甲", "同名"), wechattest.WithFriend("乙", "同名"),
		wechattest.WithGroup(wechattest.Group{NickName: "2期业主群", Members: []wechattest.Member{{NickName: "赵六"}}}))
	a := loggedIn(t, srv)
	if al := a.waitAlert(t, bot.AlertNameShared, "同名"); al.Count != 2 { // found in the contact list at login
		t.Errorf("alert %+v, want 2 chats", al)
	}

	_, err := a.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: "同名", Text: "x"})
	if !errors.Is(err, bot.ErrPermanent) || !strings.Contains(err.Error(), "同名") {
		t.Errorf("Send to a shared name = %v, want a permanent error naming it", err)
	}

	fetches := srv.Hits("webwxgetcontact")
	_, err = a.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: "2期业主群", Text: "x"})
	if !errors.Is(err, wechat.ErrUnknownChat) || errors.Is(err, bot.ErrPermanent) {
		t.Errorf("Send to an unsaved group never seen = %v, want ErrUnknownChat", err)
	}
	if srv.Hits("webwxgetcontact") != fetches+1 {
		t.Errorf("webwxgetcontact hits %d, want one more fetch than %d", srv.Hits("webwxgetcontact"), fetches)
	}
	a.waitAlert(t, bot.AlertChatMissing, "2期业主群")
	// Once per name: the next attempt neither fetches nor alerts again.
	_, err = a.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: "2期业主群", Text: "x"})
	if !errors.Is(err, wechat.ErrUnknownChat) || srv.Hits("webwxgetcontact") != fetches+1 {
		t.Errorf("second Send = %v with %d fetches", err, srv.Hits("webwxgetcontact"))
	}
	a.noAlert(t, "2期业主群")
	// The receipt of an anonymous suggestion names its chat in no alert.
	_, err = a.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: "提建议的人", Text: "已收到", Anonymous: true})
	if !errors.Is(err, wechat.ErrUnknownChat) {
		t.Errorf("anonymous Send to an unknown chat = %v", err)
	}
	a.noAlert(t, "提建议的人")

	// Saved to contacts now: found with the next fetch... which the next
	// login brings; meanwhile a message from the group makes it known.
	srv.GroupText("2期业主群", "赵六", "你好")
	if m := a.in.next(t); m.Chat != "2期业主群" {
		t.Fatalf("got %+v", m)
	}
	send(t, a, "2期业主群", "收到")
	a.waitAlert(t, bot.AlertGroupUnsaved, "2期业主群")
	if sent := srv.Sent(); len(sent) != 1 || sent[0].ToNick != "2期业主群" {
		t.Errorf("Sent() = %+v", sent)
	}
}

// A message from a chat whose name another chat has is not handed over.
func TestSharedNameInbound(t *testing.T) {
	t.Parallel()
	srv := newServer(t, wechattest.WithFriend("冒名者", groupSaved))
	a := loggedIn(t, srv)
	a.waitAlert(t, bot.AlertNameShared, groupSaved)
	srv.GroupText(groupSaved, "张三", "分不清是哪个群")
	id := srv.PrivateText("王五", "私聊")
	if m := a.in.next(t); string(m.ID) != id {
		t.Errorf("got %+v, want the group message dropped", m)
	}
	if _, err := a.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: groupSaved, Text: "x"}); !errors.Is(err, bot.ErrPermanent) {
		t.Errorf("Send = %v, want a permanent error", err)
	}
}

// A burst of 50 answers through the outbox is delivered in order, none lost,
// at least Pace apart as the server saw them, across chats.
func TestBurstIsPaced(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	a := loggedIn(t, srv)
	db := openStore(t)
	s := runSender(t, a, db)

	var outs []store.Out
	for i := range 50 {
		chat := bot.ChatID(groupSaved)
		if i%5 == 4 {
			chat = "5栋王五"
		}
		outs = append(outs, store.Out{Platform: bot.WeChat, Chat: chat, Text: fmt.Sprintf("答复 %02d", i)})
	}
	enqueue(t, db, outs...)
	if err := srv.WaitSent(50, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	sent := srv.Sent()
	var group, private []string
	for i, m := range sent {
		if i > 0 {
			if gap := m.Time.Sub(sent[i-1].Time); gap < pace {
				t.Errorf("sends %d and %d only %v apart, want at least %v", i-1, i, gap, pace)
			}
		}
		if m.IsGroup {
			group = append(group, m.Content)
		} else {
			private = append(private, m.Content)
		}
	}
	if len(group) != 40 || len(private) != 10 {
		t.Fatalf("%d group and %d private sends, want 40 and 10", len(group), len(private))
	}
	for _, texts := range [][]string{group, private} {
		for i := 1; i < len(texts); i++ {
			if texts[i] <= texts[i-1] {
				t.Errorf("out of order: %q after %q", texts[i], texts[i-1])
			}
		}
	}
	waitIdle(t, s)
	if st := s.Stats(); st.Sent != 50 || st.Failed != 0 {
		t.Errorf("sender stats %+v", st)
	}
	if n := len(srv.Rejected()); n != 0 {
		t.Errorf("%d sends rejected", n)
	}
}

// Frequency control: the send is retried later, all sends wait meanwhile,
// and the wait grows while the refusals go on.
func TestFrequencyControl(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	const first = 500 * time.Millisecond
	a := loggedIn(t, srv, func(c *wechat.Config) { c.FrequencyBackoff = first })

	srv.FailSendsWith(wechattest.RetTooOften, 2)
	_, err := a.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: groupSaved, Text: "x"})
	var retry *bot.RetryAfterError
	if !errors.As(err, &retry) || retry.After != first {
		t.Fatalf("Send refused with 1205 = %v, want retry after %v", err, first)
	}
	// Within the wait nothing reaches the server.
	_, err = a.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: groupSaved, Text: "x"})
	if !isRetryAfter(err) || len(srv.Rejected()) != 1 {
		t.Errorf("Send during the wait = %v, %d rejected; want a retry-after without a request", err, len(srv.Rejected()))
	}

	db := openStore(t)
	s := runSender(t, a, db)
	enqueue(t, db, store.Out{Platform: bot.WeChat, Chat: groupSaved, Text: "一"},
		store.Out{Platform: bot.WeChat, Chat: groupSaved, Text: "二"},
		store.Out{Platform: bot.WeChat, Chat: "5栋王五", Text: "三"})
	if err := srv.WaitSent(3, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	rej := srv.Rejected()
	if len(rej) != 2 || rej[0].Ret != wechattest.RetTooOften || rej[1].Ret != wechattest.RetTooOften {
		t.Errorf("Rejected() = %+v", rej)
	}
	var got []string
	for _, m := range srv.Sent() {
		if m.IsGroup {
			got = append(got, m.Content)
		}
	}
	if strings.Join(got, ",") != "一,二" {
		t.Errorf("group sends %v, want 一,二", got)
	}
	waitIdle(t, s)
	if st := s.Stats(); st.RateLimited == 0 || st.Failed != 0 || st.Sent != 3 {
		t.Errorf("sender stats %+v", st)
	}
}

// Network down: the sync loop backs off instead of hot-looping, sends fail
// as transient, Status reports down; all recovers when the network is back.
func TestNetworkDown(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	a := loggedIn(t, srv)

	start := time.Now()
	srv.SetDown(true)
	_, err := a.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: groupSaved, Text: "x"})
	if err == nil || errors.Is(err, bot.ErrPermanent) || isRetryAfter(err) {
		t.Errorf("Send while down = %v, want a transient error", err)
	}
	// Ten failed syncs: the backoff reaches its cap (200 ms here) within
	// them, so the window is long enough for a rate to mean something; a
	// hot loop makes them in a few milliseconds.
	base := srv.Hits("synccheck")
	if err := srv.WaitHits("synccheck", base+10, wait); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	if n := srv.RequestsSince(start); float64(n)/elapsed.Seconds() > 50 {
		t.Errorf("%d requests in %v while down: a hot loop", n, elapsed)
	}
	if up, detail := a.Status(); up || !strings.Contains(detail, "receiving fails") {
		t.Errorf("Status() while down = %v %q", up, detail)
	}

	srv.SetDown(false)
	id := srv.GroupText(groupSaved, "张三", "恢复了")
	for {
		if m := a.in.next(t); string(m.ID) == id {
			break
		}
	}
	if up, detail := a.Status(); !up {
		t.Errorf("Status() after recovery = %v %q", up, detail)
	}
	send(t, a, groupSaved, "网络恢复")
}
