package wechat_test

import (
	"slices"
	"testing"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/wechat/wechattest"
)

// TestLookupName: after a login the adapter knows the saved groups'
// members (by group card, else nickname) and the account's friends (by
// remark, else nickname), without anyone having written; a name is the
// friend's only when no other contact has it.
func TestLookupName(t *testing.T) {
	t.Parallel()
	srv := newServer(t,
		wechattest.WithFriend("张师傅", ""),
		wechattest.WithFriend("老刘", "刘师傅"),
		wechattest.WithFriend("重名", ""),
		wechattest.WithGroup(wechattest.Group{NickName: "重名", Saved: true}), // a group of that name too
		wechattest.WithGroup(wechattest.Group{
			NickName: "阳光花园物业群", Saved: true,
			Members: []wechattest.Member{{NickName: "张师傅"}, {NickName: "小赵", DisplayName: "赵师傅"}},
		}),
	)
	a := loggedIn(t, srv)
	groups := []bot.ChatID{groupSaved, "阳光花园物业群", "没有这个群"}
	for _, c := range []struct {
		name   string
		friend bool
		in     []bot.ChatID
	}{
		{"张师傅", true, []bot.ChatID{"阳光花园物业群"}},  // a friend, in the staff group
		{"赵师傅", false, []bot.ChatID{"阳光花园物业群"}}, // a group card, no friend
		{"小赵", false, nil},                            // the nickname behind a card is not how the bot names them
		{"刘师傅", true, nil},                            // a friend by remark, in no group
		{"老刘", false, nil},                            // the nickname behind a remark is not either
		{"3-201 张三", false, []bot.ChatID{groupSaved}}, // a resident's card
		{"重名", false, nil},                            // a friend whose name a group shares: not vouched for
		{"谁也不是", false, nil},
	} {
		friend, in := a.LookupName(c.name, groups)
		if friend != c.friend || !slices.Equal(in, c.in) {
			t.Errorf("LookupName(%q) = %v, %v; want %v, %v", c.name, friend, in, c.friend, c.in)
		}
	}
	// A member who joins later is known once they write.
	srv.AddMember("阳光花园物业群", wechattest.Member{NickName: "新来的"})
	srv.GroupText("阳光花园物业群", "新来的", "大家好")
	a.in.next(t)
	if _, in := a.LookupName("新来的", groups); !slices.Equal(in, []bot.ChatID{"阳光花园物业群"}) {
		t.Errorf("a member who wrote: in %v", in)
	}
}
