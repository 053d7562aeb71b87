package wechat

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseRename(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`"张三"修改群名为“阳光花园业主1群”`, "阳光花园业主1群"},
		{`你修改群名为“3期 “新” 群”`, "3期 “新” 群"},
		{`"Tom"修改群名为"Block 3"`, "Block 3"},
		{`"张三"邀请"李四"加入了群聊`, ""},
		{`你修改群名为“”`, ""},
		{"", ""},
	} {
		if got := parseRename(tc.in); got != tc.want {
			t.Errorf("parseRename(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestStripInlineQuote(t *testing.T) {
	sep := "- - - - - - - - - - - - - - -"
	for _, tc := range []struct{ in, want string }{
		{"「物业小助手：#1 已派师傅」\n" + sep + "\n#1 几点到？", "#1 几点到？"},
		{"「张三：第一行\n第二行」\n" + sep + "\n回复\n两行", "回复\n两行"},
		{"「张三：引用」\n" + sep + "\n", "「张三：引用」\n" + sep + "\n"}, // no reply: keep all
		{"「不是引用」\n正文", "「不是引用」\n正文"},
		{"#报修 3栋\n- - -\n说明", "#报修 3栋\n- - -\n说明"},
		{"「半个引用\n" + sep + "\n回复", "「半个引用\n" + sep + "\n回复"},
		{"", ""},
	} {
		if got := stripInlineQuote(tc.in); got != tc.want {
			t.Errorf("stripInlineQuote(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseReferMsg(t *testing.T) {
	quote := `<?xml version="1.0"?>
<msg><appmsg appid="" sdkver="0"><title>#1 师傅几点到？</title><des></des><action></action><type>57</type>
<refermsg><type>1</type><svrid>7000000000000000123</svrid><fromusr>@@abc</fromusr><chatusr>@def</chatusr>
<displayname>物业小助手</displayname><content>#1 已派师傅 &lt;上午&gt;</content></refermsg></appmsg><fromusername>wxid_x</fromusername></msg>`
	reply, svrid, ok := parseReferMsg(quote)
	if !ok || reply != "#1 师傅几点到？" || svrid != "7000000000000000123" {
		t.Errorf("parseReferMsg = %q %q %v", reply, svrid, ok)
	}
	for _, bad := range []string{
		strings.Replace(quote, "<type>57</type>", "<type>5</type>", 1), // an article, not a quote
		strings.Replace(quote, "<title>#1 师傅几点到？</title>", "<title></title>", 1),
		"<msg><appmsg><type>57</type><title>无引用</title></appmsg></msg>",
		"<msg><appmsg><type>57",
		"普通文本",
	} {
		if _, _, ok := parseReferMsg(bad); ok {
			t.Errorf("parseReferMsg(%q) accepted", bad)
		}
	}
}

func TestMentionsAny(t *testing.T) {
	names := []string{"物业助手", "Linli"}
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"@物业助手\u2005报修", true},
		{"@物业助手 报修", true},
		{"@物业助手报修", true}, // Chinese names may be glued to the text
		{"报修 @Linli", true},
		{"@Linli_bot 报修", false},
		{"@Linlix", false},
		{"@张三\u2005你看下", false},
		{"物业助手 你好", false},
	} {
		if got := mentionsAny(tc.text, names); got != tc.want {
			t.Errorf("mentionsAny(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestLooksTagged(t *testing.T) {
	for _, tc := range []struct {
		text    string
		mention bool
		want    bool
	}{
		{"#报修 灯坏了", false, true},
		{" ＃投诉 噪音", false, true},
		{"/repair lift", false, true},
		{"【报修】漏水", false, true},
		{"报修 灯坏了", true, true},
		{"谢谢师傅", false, false},
	} {
		if got := looksTagged(tc.text, tc.mention); got != tc.want {
			t.Errorf("looksTagged(%q, %v) = %v", tc.text, tc.mention, got)
		}
	}
}

func TestCookieHosts(t *testing.T) {
	for _, tc := range []struct {
		host string
		want []string
	}{
		{"wx.qq.com", []string{"wx.qq.com", "file.wx.qq.com", "webpush.wx.qq.com"}},
		{"webpush.wx2.qq.com", []string{"wx2.qq.com", "file.wx2.qq.com", "webpush.wx2.qq.com"}},
		{"login.wx.qq.com", []string{"login.wx.qq.com"}},
	} {
		if got := cookieHosts(tc.host); !slices.Equal(got, tc.want) {
			t.Errorf("cookieHosts(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	base, max := time.Second, time.Minute
	for attempt, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		if got := backoff(attempt, base, max); got > want || got < want*3/4 {
			t.Errorf("backoff(%d) = %v, want within [%v, %v]", attempt, got, want*3/4, want)
		}
	}
	if got := backoff(100, base, max); got > max || got < max*3/4 {
		t.Errorf("backoff(100) = %v, want capped at %v", got, max)
	}
}

func TestIDRing(t *testing.T) {
	r := newIDRing(3)
	for _, id := range []string{"a", "b", "c", "b", "d"} {
		r.add(id)
	}
	if r.has("a") || !r.has("b") || !r.has("c") || !r.has("d") {
		t.Errorf("ring holds %v, want the last three distinct ids", r.ids)
	}
}
