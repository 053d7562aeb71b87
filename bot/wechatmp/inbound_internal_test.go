package wechatmp

import (
	"encoding/xml"
	"net/http"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/officialaccount/message"

	"github.com/linli/linli/bot"
)

func parse(t *testing.T, raw string) *message.MixMessage {
	t.Helper()
	var mm message.MixMessage
	if err := xml.Unmarshal([]byte(raw), &mm); err != nil {
		t.Fatal(err)
	}
	return &mm
}

// translate reads WeChat's XML (as documented, CDATA and all).
func TestTranslate(t *testing.T) {
	const head = `<xml><ToUserName><![CDATA[gh_123456]]></ToUserName><FromUserName><![CDATA[oUser123]]></FromUserName><CreateTime>1772442000</CreateTime>`
	at := time.Unix(1772442000, 0)
	for _, tc := range []struct {
		name string
		xml  string
		want inbound
	}{
		{"text", head + `<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[#报修 3号楼电梯坏了]]></Content><MsgId>24000000000000001</MsgId></xml>`,
			inbound{deliver: true, opens: true, msg: bot.Message{ID: "24000000000000001", Text: "#报修 3号楼电梯坏了"}}},
		{"full-width text", head + `<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[／status　12]]></Content><MsgId>7</MsgId></xml>`,
			inbound{deliver: true, opens: true, msg: bot.Message{ID: "7", Text: "／status　12"}}},
		{"image", head + `<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://mmbiz.qpic.cn/x/0]]></PicUrl><MediaId><![CDATA[MEDIA_1]]></MediaId><MsgId>8</MsgId></xml>`,
			inbound{deliver: true, opens: true, photo: "MEDIA_1", msg: bot.Message{ID: "8",
				Attachments: []bot.Attachment{{Kind: "photo", Ref: "MEDIA_1", Name: "MEDIA_1.jpg", MIMEType: "image/jpeg"}}}}},
		{"voice recognised", head + `<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[V]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[ 评分五 ]]></Recognition><MsgId>9</MsgId></xml>`,
			inbound{deliver: true, opens: true, msg: bot.Message{ID: "9", Text: "评分五"}}},
		{"voice unrecognised", head + `<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[V]]></MediaId><Format><![CDATA[amr]]></Format><MsgId>10</MsgId></xml>`,
			inbound{opens: true, msg: bot.Message{ID: "10"}}},
		{"location", head + `<MsgType><![CDATA[location]]></MsgType><Location_X>23.1</Location_X><Location_Y>113.3</Location_Y><MsgId>11</MsgId></xml>`,
			inbound{opens: true, msg: bot.Message{ID: "11"}}},
		{"subscribe by QR", head + `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_community:3]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket></xml>`,
			inbound{deliver: true, opens: true, follow: true, msg: bot.Message{ID: "event:oUser123:1772442000:subscribe", Event: EventJoin, Text: "community:3"}}},
		{"subscribe by search", head + `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[]]></EventKey></xml>`,
			inbound{deliver: true, opens: true, follow: true, msg: bot.Message{ID: "event:oUser123:1772442000:subscribe", Event: EventJoin}}},
		{"scan", head + `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[community:4]]></EventKey><Ticket><![CDATA[T]]></Ticket></xml>`,
			inbound{deliver: true, opens: true, msg: bot.Message{ID: "event:oUser123:1772442000:SCAN", Event: EventJoin, Text: "community:4"}}},
		{"unsubscribe", head + `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[unsubscribe]]></Event><EventKey><![CDATA[]]></EventKey></xml>`,
			inbound{deliver: true, unfollow: true, msg: bot.Message{ID: "event:oUser123:1772442000:unsubscribe", Event: bot.EventBotRemoved}}},
		{"click", head + `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[menu:repair]]></EventKey></xml>`,
			inbound{deliver: true, opens: true, msg: bot.Message{ID: "event:oUser123:1772442000:CLICK",
				Callback: &bot.Callback{ID: "event:oUser123:1772442000:CLICK", Data: "menu:repair"}}}},
		{"view", head + `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[VIEW]]></Event><EventKey><![CDATA[https://linli.example/my]]></EventKey><MenuId>1</MenuId></xml>`,
			inbound{deliver: true, msg: bot.Message{ID: "event:oUser123:1772442000:VIEW", Event: EventMenuView, Text: "https://linli.example/my"}}},
		{"scancode push", head + `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_push]]></Event><EventKey><![CDATA[k]]></EventKey></xml>`,
			inbound{opens: true, msg: bot.Message{ID: "event:oUser123:1772442000:scancode_push"}}},
		{"location report", head + `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[LOCATION]]></Event><Latitude>23.1</Latitude></xml>`,
			inbound{msg: bot.Message{ID: "event:oUser123:1772442000:LOCATION"}}},
		{"template receipt", head + `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>200163836</MsgID><Status><![CDATA[success]]></Status></xml>`,
			inbound{msg: bot.Message{ID: "event:oUser123:1772442000:TEMPLATESENDJOBFINISH"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := translate(parse(t, tc.xml))
			want := tc.want
			want.msg.Platform, want.msg.Chat, want.msg.ChatKind, want.msg.Sender, want.msg.Time = Platform, "oUser123", bot.Private, "oUser123", at
			if got.deliver != want.deliver || got.opens != want.opens || got.follow != want.follow || got.unfollow != want.unfollow || got.photo != want.photo {
				t.Fatalf("flags: got %+v\nwant %+v", got, want)
			}
			g, w := got.msg, want.msg
			if g.Platform != w.Platform || g.Chat != w.Chat || g.ChatKind != w.ChatKind || g.Sender != w.Sender || !g.Time.Equal(w.Time) ||
				g.ID != w.ID || g.Text != w.Text || g.Event != w.Event || len(g.Attachments) != len(w.Attachments) ||
				(g.Callback == nil) != (w.Callback == nil) || (g.Callback != nil && *g.Callback != *w.Callback) {
				t.Fatalf("message:\n got %+v\nwant %+v", g, w)
			}
			for i := range g.Attachments {
				if ga, wa := g.Attachments[i], w.Attachments[i]; ga.Kind != wa.Kind || ga.Ref != wa.Ref || ga.Name != wa.Name || ga.MIMEType != wa.MIMEType {
					t.Fatalf("attachment %+v; want %+v", ga, wa)
				}
			}
		})
	}
	if got := translate(parse(t, `<xml><MsgType><![CDATA[text]]></MsgType><Content>x</Content></xml>`)); got.deliver || got.opens {
		t.Fatalf("a message without a sender: %+v", got)
	}
}

// The marker is found and removed wherever the SDK put it in the query.
func TestFindMarked(t *testing.T) {
	c := &call{api: "test"}
	id := callSeq.Add(1)
	calls.Store(id, c)
	defer calls.Delete(id)
	for _, tc := range []struct{ query, want string }{
		{"access_token=" + markToken("TOK", id), "access_token=TOK"},
		{"access_token=" + markToken("TOK", id) + "&openid=o1&lang=zh_CN", "access_token=TOK&openid=o1&lang=zh_CN"},
		{"x=1&access_token=" + markToken("TOK", id) + "&type=image", "x=1&access_token=TOK&type=image"},
	} {
		r, _ := http.NewRequest(http.MethodGet, "https://api.weixin.qq.com/cgi-bin/x?"+tc.query, nil)
		got, q := findMarked(r)
		if got != c || q != tc.want {
			t.Errorf("findMarked(%q) = %v, %q; want the call, %q", tc.query, got, q, tc.want)
		}
	}
	for _, q := range []string{"access_token=TOK", "access_token=TOK&linli_call=abc", "access_token=TOK&linli_call=999999999"} {
		r, _ := http.NewRequest(http.MethodGet, "https://api.weixin.qq.com/cgi-bin/x?"+q, nil)
		if got, _ := findMarked(r); got != nil {
			t.Errorf("findMarked(%q) found a call", q)
		}
	}
}

func TestRedact(t *testing.T) {
	in := `Get "https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=S3CR3T": dial tcp: refused`
	if got := redact(in); got != `Get "https://api.weixin.qq.com/cgi-bin/token?…": dial tcp: refused` {
		t.Fatalf("redact: %s", got)
	}
}

func TestQuotaReset(t *testing.T) {
	for _, tc := range []struct{ now, want string }{
		{"2026-03-02T09:00:00Z", "2026-03-02T16:01:00Z"}, // 17:00 in Beijing → 00:01 next day
		{"2026-03-02T15:59:00Z", "2026-03-02T16:01:00Z"}, // 23:59
		{"2026-03-02T16:00:30Z", "2026-03-03T16:01:00Z"}, // 00:00:30: the quota has reset; next reset tomorrow
	} {
		now, _ := time.Parse(time.RFC3339, tc.now)
		want, _ := time.Parse(time.RFC3339, tc.want)
		if got := quotaReset(now); !got.Equal(want) {
			t.Errorf("quotaReset(%s) = %s; want %s", tc.now, got.UTC(), tc.want)
		}
	}
}
