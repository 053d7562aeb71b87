package commands

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var testBotNames = []string{"Linli_bot", "物业助手"}

// sameParsed compares two results, treating nil and empty Refs alike.
func sameParsed(got, want Parsed) bool {
	return got.Cmd == want.Cmd && got.Args == want.Args && got.Form == want.Form &&
		got.OtherBot == want.OtherBot && got.Mention == want.Mention && slices.Equal(got.Refs, want.Refs)
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Parsed
	}{
		// Slash commands.
		{"English", "/repair 电梯坏了", Parsed{Cmd: "repair", Args: "电梯坏了", Form: FormSlash}},
		{"Chinese", "/报修 3号楼电梯坏了", Parsed{Cmd: "repair", Args: "3号楼电梯坏了", Form: FormSlash}},
		{"Chinese glued", "/报修3号楼", Parsed{Cmd: "repair", Args: "3号楼", Form: FormSlash}},
		{"English glued to Chinese", "/repair电梯坏了", Parsed{Cmd: "repair", Args: "电梯坏了", Form: FormSlash}},
		{"full-width slash", "／报修 电梯", Parsed{Cmd: "repair", Args: "电梯", Form: FormSlash}},
		{"upper case", "/REPAIR x", Parsed{Cmd: "repair", Args: "x", Form: FormSlash}},
		{"mixed case", "/RePair x", Parsed{Cmd: "repair", Args: "x", Form: FormSlash}},
		{"no args", "/mine", Parsed{Cmd: "mine", Form: FormSlash}},
		{"our bot", "/repair@Linli_bot x", Parsed{Cmd: "repair", Args: "x", Form: FormSlash, Mention: true}},
		{"our bot any case", "/repair@LINLI_BOT x", Parsed{Cmd: "repair", Args: "x", Form: FormSlash, Mention: true}},
		{"our bot no args", "/start@Linli_bot", Parsed{Cmd: "help", Form: FormSlash, Mention: true}},
		{"our Chinese bot", "/报修@物业助手 x", Parsed{Cmd: "repair", Args: "x", Form: FormSlash, Mention: true}},
		{"our bot full-width at", "/报修＠物业助手\u2005x", Parsed{Cmd: "repair", Args: "x", Form: FormSlash, Mention: true}},
		{"other bot", "/repair@OtherBot x", Parsed{Cmd: "repair", Args: "x", Form: FormSlash, OtherBot: true}},
		{"other bot longer name", "/repair@Linli_bot2 x", Parsed{Cmd: "repair", Args: "x", Form: FormSlash, OtherBot: true}},
		{"empty bot name", "/repair@ x", Parsed{Cmd: "repair", Args: "x", Form: FormSlash}},
		{"at alone", "/repair@", Parsed{Cmd: "repair", Form: FormSlash}},
		{"start is help", "/start", Parsed{Cmd: "help", Form: FormSlash}},
		{"start payload", "/start abc", Parsed{Cmd: "help", Args: "abc", Form: FormSlash}},
		{"longest 志愿者名单", "/志愿者名单", Parsed{Cmd: "volunteers", Form: FormSlash}},
		{"shorter 志愿者", "/志愿者", Parsed{Cmd: "volunteer", Form: FormSlash}},
		{"shorter 志愿者 glued", "/志愿者名", Parsed{Cmd: "volunteer", Args: "名", Form: FormSlash}},
		{"longest 公告栏", "/公告栏", Parsed{Cmd: "notices", Form: FormSlash}},
		{"longest 工单列表", "/工单列表 open", Parsed{Cmd: "tickets", Args: "open", Form: FormSlash}},
		{"longest 我的工单", "/我的工单", Parsed{Cmd: "mine", Form: FormSlash}},
		{"longest 已解决", "/已解决 #3 换了灯泡", Parsed{Cmd: "resolve", Args: "#3 换了灯泡", Form: FormSlash, Refs: []int64{3}}},
		{"longest 意见列表", "/意见列表", Parsed{Cmd: "suggestions", Form: FormSlash}},
		{"longest 运行任务", "/运行任务 backup", Parsed{Cmd: "runjob", Args: "backup", Form: FormSlash}},
		{"complaint", "/complaint 噪音", Parsed{Cmd: "complain", Args: "噪音", Form: FormSlash}},
		{"English glued to letters", "/repairs now", Parsed{Cmd: "unknown", Args: "now", Form: FormSlash}},
		{"English glued to digit", "/status3", Parsed{Cmd: "unknown", Form: FormSlash}},
		{"Chinese glued to digit", "/查询3", Parsed{Cmd: "status", Args: "3", Form: FormSlash}},
		{"status", "/status 3", Parsed{Cmd: "status", Args: "3", Form: FormSlash}},
		{"rate", "/rate 12 5 很好", Parsed{Cmd: "rate", Args: "12 5 很好", Form: FormSlash}},
		{"colon", "/repair:电梯", Parsed{Cmd: "repair", Args: "电梯", Form: FormSlash}},
		{"full-width colon", "/报修：电梯", Parsed{Cmd: "repair", Args: "电梯", Form: FormSlash}},
		{"schedule args verbatim", `/schedule add "0 9 * * 1" survey all 问卷`,
			Parsed{Cmd: "schedule", Args: `add "0 9 * * 1" survey all 问卷`, Form: FormSlash}},
		{"multi-line args", "/repair 电梯坏了\n  第二行\n\n第三行  \n",
			Parsed{Cmd: "repair", Args: "电梯坏了\n  第二行\n\n第三行", Form: FormSlash}},
		{"args on next line", "/repair\n电梯坏了", Parsed{Cmd: "repair", Args: "电梯坏了", Form: FormSlash}},
		{"markup kept", "/suggest <b>bold</b> *star* _u_ [l](http://x) `c` &amp;",
			Parsed{Cmd: "suggest", Args: "<b>bold</b> *star* _u_ [l](http://x) `c` &amp;", Form: FormSlash}},
		{"surrounding spaces", "\u3000 /repair x \u3000\n", Parsed{Cmd: "repair", Args: "x", Form: FormSlash}},
		{"full-width spaces in args", "/repair\u3000电梯\u3000坏了\u3000", Parsed{Cmd: "repair", Args: "电梯\u3000坏了", Form: FormSlash}},
		{"unknown", "/unknowncmd x", Parsed{Cmd: "unknown", Args: "x", Form: FormSlash}},
		{"unknown Chinese", "/天气 明天", Parsed{Cmd: "unknown", Args: "明天", Form: FormSlash}},
		{"unknown other bot", "/foo@OtherBot x", Parsed{Cmd: "unknown", Args: "x", Form: FormSlash, OtherBot: true}},
		{"unknown our bot", "/foo@Linli_bot x", Parsed{Cmd: "unknown", Args: "x", Form: FormSlash, Mention: true}},
		{"slash alone", "/", Parsed{Args: "/"}},
		{"slash space", "/ repair", Parsed{Args: "/ repair"}},
		{"slash smiley", "/:)", Parsed{Args: "/:)"}},
		{"slash digit", "/5", Parsed{Args: "/5"}},
		{"full-width slash alone", "／", Parsed{Args: "／"}},

		// Tags.
		{"tag 报修", "#报修 电梯坏了", Parsed{Cmd: "repair", Args: "电梯坏了", Form: FormTag}},
		{"tag 维修", "#维修 水管漏水", Parsed{Cmd: "repair", Args: "水管漏水", Form: FormTag}},
		{"tag repair", "#repair lift", Parsed{Cmd: "repair", Args: "lift", Form: FormTag}},
		{"tag REPAIR", "#REPAIR lift", Parsed{Cmd: "repair", Args: "lift", Form: FormTag}},
		{"tag 投诉", "#投诉 噪音扰民", Parsed{Cmd: "complain", Args: "噪音扰民", Form: FormTag}},
		{"tag complaint", "#complaint noise", Parsed{Cmd: "complain", Args: "noise", Form: FormTag}},
		{"tag complain", "#Complain noise", Parsed{Cmd: "complain", Args: "noise", Form: FormTag}},
		{"full-width hash", "＃报修 电梯", Parsed{Cmd: "repair", Args: "电梯", Form: FormTag}},
		{"tag alone", "#报修", Parsed{Cmd: "repair", Form: FormTag}},
		{"tag alone spaces", " #报修 \u3000", Parsed{Cmd: "repair", Form: FormTag}},
		{"tag full-width colon", "#报修：电梯", Parsed{Cmd: "repair", Args: "电梯", Form: FormTag}},
		{"tag colon", "#报修:电梯", Parsed{Cmd: "repair", Args: "电梯", Form: FormTag}},
		{"tag colon space", "#报修: 电梯", Parsed{Cmd: "repair", Args: "电梯", Form: FormTag}},
		{"tag glued", "#报修电梯坏了", Parsed{Cmd: "repair", Args: "电梯坏了", Form: FormTag}},
		{"tag closing hash", "#报修#电梯坏了", Parsed{Cmd: "repair", Args: "电梯坏了", Form: FormTag}},
		{"tag then ref", "#报修#12 还没修", Parsed{Cmd: "repair", Args: "#12 还没修", Form: FormTag, Refs: []int64{12}}},
		{"tag then building", "#报修#1号楼电梯坏了", Parsed{Cmd: "repair", Args: "1号楼电梯坏了", Form: FormTag}},
		{"tag multi-line", "#报修\n3号楼\n电梯坏了", Parsed{Cmd: "repair", Args: "3号楼\n电梯坏了", Form: FormTag}},
		{"bracket 【】", "【报修】电梯坏了", Parsed{Cmd: "repair", Args: "电梯坏了", Form: FormTag}},
		{"bracket []", "[报修] 电梯坏了", Parsed{Cmd: "repair", Args: "电梯坏了", Form: FormTag}},
		{"bracket ［］", "［投诉］噪音", Parsed{Cmd: "complain", Args: "噪音", Form: FormTag}},
		{"bracket spaces", "【 投诉 】物业", Parsed{Cmd: "complain", Args: "物业", Form: FormTag}},
		{"bracket English", "[Repair] lift", Parsed{Cmd: "repair", Args: "lift", Form: FormTag}},
		{"bracket hash", "【#报修】电梯", Parsed{Cmd: "repair", Args: "电梯", Form: FormTag}},
		{"bracket colon", "【报修】：电梯", Parsed{Cmd: "repair", Args: "电梯", Form: FormTag}},
		{"bracket alone", "【报修】", Parsed{Cmd: "repair", Form: FormTag}},
		{"bracket not a tag", "【报名】周六活动", Parsed{Args: "【报名】周六活动"}},
		{"bracket unclosed", "【报修 电梯", Parsed{Args: "【报修 电梯"}},
		{"not a tag command", "#status 3", Parsed{Args: "#status 3"}},
		{"tag glued to letters", "#repairs", Parsed{Args: "#repairs"}},
		{"hash alone", "#", Parsed{Args: "#"}},

		// Ticket references.
		{"ref space", "#12 已派师傅", Parsed{Args: "#12 已派师傅", Refs: []int64{12}}},
		// A reference needs a boundary after its number: Chinese glued to
		// it is part of a word ("#1号楼" is building 1), Chinese before it
		// is fine.
		{"ref glued CJK", "#12已派师傅", Parsed{Args: "#12已派师傅"}},
		{"ref building", "#1号楼 那个业主又来了", Parsed{Args: "#1号楼 那个业主又来了"}},
		{"ref CJK comma", "#12，已派师傅", Parsed{Args: "#12，已派师傅", Refs: []int64{12}}},
		{"ref CJK colon", "#12：已派师傅", Parsed{Args: "#12：已派师傅", Refs: []int64{12}}},
		{"ref CJK full stop", "3号楼漏水见#12。", Parsed{Args: "3号楼漏水见#12。", Refs: []int64{12}}},
		{"ref CJK quote", "「#12」修好了", Parsed{Args: "「#12」修好了", Refs: []int64{12}}},
		{"ref ideographic space", "#12　已派师傅", Parsed{Args: "#12　已派师傅", Refs: []int64{12}}},
		{"ref zero-width space", "#12​已派师傅", Parsed{Args: "#12​已派师傅", Refs: []int64{12}}},
		{"ref emoji", "#12👍", Parsed{Args: "#12👍", Refs: []int64{12}}},
		{"ref kana glued", "#12です", Parsed{Args: "#12です"}},
		{"ref full-width digit glued", "#12３", Parsed{Args: "#12３"}},
		{"ref 号 glued", "#12号", Parsed{Args: "#12号"}},
		{"ref full-width", "＃12 ok", Parsed{Args: "＃12 ok", Refs: []int64{12}}},
		{"ref 号楼", "#12号楼", Parsed{Args: "#12号楼"}},
		{"ref letter", "#12a", Parsed{Args: "#12a"}},
		{"ref underscore", "#12_a", Parsed{Args: "#12_a"}},
		{"ref overflow", "#99999999999999999999", Parsed{Args: "#99999999999999999999"}},
		{"ref max", "#9223372036854775807", Parsed{Args: "#9223372036854775807", Refs: []int64{9223372036854775807}}},
		{"ref max+1", "#9223372036854775808", Parsed{Args: "#9223372036854775808"}},
		{"ref zero", "#0", Parsed{Args: "#0"}},
		{"ref leading zeros", "#007", Parsed{Args: "#007", Refs: []int64{7}}},
		{"refs dedup", "#12 #13 #12 ＃13", Parsed{Args: "#12 #13 #12 ＃13", Refs: []int64{12, 13}}},
		{"refs punctuation", "见#12,#13。", Parsed{Args: "见#12,#13。", Refs: []int64{12, 13}}},
		{"ref after Chinese", "工单#12 好了", Parsed{Args: "工单#12 好了", Refs: []int64{12}}},
		{"ref between Chinese", "工单#12好了", Parsed{Args: "工单#12好了"}},
		{"ref URL fragment", "https://x.org/page#12", Parsed{Args: "https://x.org/page#12"}},
		{"ref URL slash", "https://x.org/#12", Parsed{Args: "https://x.org/#12"}},
		{"ref HTML entity", "&#12;", Parsed{Args: "&#12;"}},
		{"ref after word", "ticket#12", Parsed{Args: "ticket#12"}},
		{"ref in command", "/progress #5 配件到了", Parsed{Cmd: "progress", Args: "#5 配件到了", Form: FormSlash, Refs: []int64{5}}},

		// Mentions.
		{"mention WeChat space", "@物业助手\u2005报修 电梯坏了",
			Parsed{Cmd: "repair", Args: "电梯坏了", Form: FormMention, Mention: true}},
		{"mention normal space", "@物业助手 报修 电梯坏了",
			Parsed{Cmd: "repair", Args: "电梯坏了", Form: FormMention, Mention: true}},
		{"mention English", "@Linli_bot repair lift broken",
			Parsed{Cmd: "repair", Args: "lift broken", Form: FormMention, Mention: true}},
		{"mention any case", "@LINLI_BOT help", Parsed{Cmd: "help", Form: FormMention, Mention: true}},
		{"mention full-width at", "＠物业助手 报修：电梯坏了",
			Parsed{Cmd: "repair", Args: "电梯坏了", Form: FormMention, Mention: true}},
		{"mention comma", "@物业助手，报修，电梯坏了",
			Parsed{Cmd: "repair", Args: "电梯坏了", Form: FormMention, Mention: true}},
		{"mention slash", "@Linli_bot /status 3", Parsed{Cmd: "status", Args: "3", Form: FormMention, Mention: true}},
		{"mention slash other bot", "@Linli_bot /status@OtherBot 3",
			Parsed{Cmd: "status", Args: "3", Form: FormMention, Mention: true, OtherBot: true}},
		{"mention tag", "@Linli_bot #报修 x", Parsed{Cmd: "repair", Args: "x", Form: FormMention, Mention: true}},
		{"mention bracket", "@物业助手\u2005【投诉】噪音", Parsed{Cmd: "complain", Args: "噪音", Form: FormMention, Mention: true}},
		{"mention glued name", "@物业助手报修 x", Parsed{Cmd: "repair", Args: "x", Form: FormMention, Mention: true}},
		{"mention longest alias", "@物业助手 志愿者名单", Parsed{Cmd: "volunteers", Form: FormMention, Mention: true}},
		{"mention keyword glued", "@物业助手 投诉电话是多少",
			Parsed{Args: "投诉电话是多少", Mention: true}},
		{"mention no keyword", "@物业助手\u2005你好，电梯什么时候修好", Parsed{Args: "你好，电梯什么时候修好", Mention: true}},
		{"mention alone", "@物业助手", Parsed{Mention: true}},
		{"mention alone WeChat", "@物业助手\u2005", Parsed{Mention: true}},
		{"mention bare rate", "@物业助手 评分5", Parsed{Cmd: "rate", Args: "5", Form: FormMention, Mention: true}},
		{"mention bare metoo", "@物业助手 同上", Parsed{Cmd: "metoo", Form: FormMention, Mention: true}},
		{"mention keyword rate", "@物业助手 评分 5 谢谢", Parsed{Cmd: "rate", Args: "5 谢谢", Form: FormMention, Mention: true}},
		{"mention with ref", "@Linli_bot #12 done", Parsed{Args: "#12 done", Mention: true, Refs: []int64{12}}},
		{"mention longer name", "@Linli_botx 报修 x", Parsed{Args: "@Linli_botx 报修 x"}},
		{"mention unknown name", "@Linli 报修 x", Parsed{Args: "@Linli 报修 x"}},
		{"mention later", "电梯坏了 @物业助手", Parsed{Args: "电梯坏了 @物业助手", Mention: true}},
		{"mention later glued", "电梯坏了@物业助手", Parsed{Args: "电梯坏了@物业助手", Mention: true}},
		{"mention in tag", "#报修 电梯坏了 @Linli_bot", Parsed{Cmd: "repair", Args: "电梯坏了 @Linli_bot", Form: FormTag, Mention: true}},
		{"mail address", "write to x@Linli_bot", Parsed{Args: "write to x@Linli_bot"}},
		{"other person", "@张师傅 #12 修好了", Parsed{Args: "@张师傅 #12 修好了", Refs: []int64{12}}},

		// Bare forms.
		{"bare 评分 5", "评分 5", Parsed{Cmd: "rate", Args: "5", Form: FormBare}},
		{"bare 评分5", "评分5", Parsed{Cmd: "rate", Args: "5", Form: FormBare}},
		{"bare 评价 4", "评价 4", Parsed{Cmd: "rate", Args: "4", Form: FormBare}},
		{"bare 评分：5", "评分：5", Parsed{Cmd: "rate", Args: "5", Form: FormBare}},
		{"bare rate 5", "rate 5", Parsed{Cmd: "rate", Args: "5", Form: FormBare}},
		{"bare Rate 3", "Rate 3", Parsed{Cmd: "rate", Args: "3", Form: FormBare}},
		{"bare rate comment", "rate 4 great job", Parsed{Cmd: "rate", Args: "4 great job", Form: FormBare}},
		{"bare rate punctuation", "评分 5！", Parsed{Cmd: "rate", Args: "5！", Form: FormBare}},
		{"bare rate multi-line", "评分 5\n师傅很负责", Parsed{Cmd: "rate", Args: "5\n师傅很负责", Form: FormBare}},
		{"bare +1", "+1", Parsed{Cmd: "metoo", Form: FormBare}},
		{"bare full-width +1", "＋1", Parsed{Cmd: "metoo", Form: FormBare}},
		{"bare full-width +1, digit too", "＋１", Parsed{Cmd: "metoo", Form: FormBare}},
		{"bare full-width metoo", "ｍｅｔｏｏ～", Parsed{Cmd: "metoo", Form: FormBare}},
		{"full-width colon after a mention", "@物业助手：/status 3", Parsed{Cmd: "status", Args: "3", Form: FormMention, Mention: true}},
		{"bare 同", "同", Parsed{Cmd: "metoo", Form: FormBare}},
		{"bare 同上", "同上", Parsed{Cmd: "metoo", Form: FormBare}},
		{"bare 同上！", "同上！", Parsed{Cmd: "metoo", Form: FormBare}},
		{"bare 我家也是", "我家也是", Parsed{Cmd: "metoo", Form: FormBare}},
		{"bare 我也是", "我也是。", Parsed{Cmd: "metoo", Form: FormBare}},
		{"bare me too", "me too", Parsed{Cmd: "metoo", Form: FormBare}},
		{"bare Me Too!", "Me  Too!", Parsed{Cmd: "metoo", Form: FormBare}},
		{"bare metoo", "metoo", Parsed{Cmd: "metoo", Form: FormBare}},
		{"not 评分了吗", "评分了吗", Parsed{Args: "评分了吗"}},
		{"not 评分", "评分", Parsed{Args: "评分"}},
		{"not 评分 10", "评分 10", Parsed{Args: "评分 10"}},
		{"not 评分 0", "评分 0", Parsed{Args: "评分 0"}},
		{"not 评分 6", "评分 6", Parsed{Args: "评分 6"}},
		{"not 评分 5分", "评分 5分", Parsed{Args: "评分 5分"}},
		{"not rated", "rated 5", Parsed{Args: "rated 5"}},
		{"not inside sentence", "我想评分 5", Parsed{Args: "我想评分 5"}},
		{"not 同意", "同意", Parsed{Args: "同意"}},
		{"not 我家也是这样", "我家也是这样", Parsed{Args: "我家也是这样"}},
		{"not +12", "+12", Parsed{Args: "+12"}},
		{"not me tooo", "me tooo", Parsed{Args: "me tooo"}},
		{"not metoo prefix", "metoo!!x", Parsed{Args: "metoo!!x"}},
		{"not bare keyword", "报修 电梯坏了", Parsed{Args: "报修 电梯坏了"}},

		// Nothing at all.
		{"empty", "", Parsed{}},
		{"only spaces", " \t\n\u3000\u2005\u200b ", Parsed{}},
		{"plain text", "今天天气不错", Parsed{Args: "今天天气不错"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Parse(tt.in, testBotNames)
			if !sameParsed(got, tt.want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseBotNames(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		names []string
		want  Parsed
	}{
		{"no names", "/repair@Linli_bot x", nil, Parsed{Cmd: "repair", Args: "x", Form: FormSlash, OtherBot: true}},
		{"no names mention", "@Linli_bot 报修 x", nil, Parsed{Args: "@Linli_bot 报修 x"}},
		{"empty name ignored", "@ 报修 x", []string{""}, Parsed{Args: "@ 报修 x"}},
		{"name with at", "@Linli 报修 x", []string{"@Linli"}, Parsed{Cmd: "repair", Args: "x", Form: FormMention, Mention: true}},
		{"longest name", "@Linli_bot 报修 x", []string{"Linli", "Linli_bot"},
			Parsed{Cmd: "repair", Args: "x", Form: FormMention, Mention: true}},
		{"shorter name only", "@Linli 报修 x", []string{"Linli", "Linli_bot"},
			Parsed{Cmd: "repair", Args: "x", Form: FormMention, Mention: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Parse(tt.in, tt.names)
			if !sameParsed(got, tt.want) {
				t.Errorf("Parse(%q, %q)\n got %+v\nwant %+v", tt.in, tt.names, got, tt.want)
			}
		})
	}
}

// TestParseAliases checks every alias in every written form.
func TestParseAliases(t *testing.T) {
	for a, want := range aliases {
		forms := []string{"/" + a + " x", "／" + a + " x", "/" + a + "@Linli_bot x", "@物业助手\u2005" + a + " x"}
		if a[0] < utf8.RuneSelf {
			forms = append(forms, "/"+strings.ToUpper(a)+" x")
		}
		for _, in := range forms {
			t.Run(in, func(t *testing.T) {
				got := Parse(in, testBotNames)
				if got.Cmd != want || got.Args != "x" || got.OtherBot {
					t.Errorf("Parse(%q) = %+v, want Cmd %q Args \"x\"", in, got, want)
				}
			})
		}
	}
	for _, a := range tagAliases {
		for _, in := range []string{"#" + a + " x", "＃" + a + "：x", "【" + a + "】x"} {
			t.Run(in, func(t *testing.T) {
				got := Parse(in, testBotNames)
				if got.Cmd != aliases[a] || got.Args != "x" || got.Form != FormTag {
					t.Errorf("Parse(%q) = %+v, want Cmd %q Args \"x\" FormTag", in, got, aliases[a])
				}
			})
		}
	}
}

func TestAliasTable(t *testing.T) {
	n := 0
	seen := map[Command]bool{}
	for _, row := range commandTable {
		if seen[row.cmd] {
			t.Errorf("command %q listed twice", row.cmd)
		}
		seen[row.cmd] = true
		n += 1 + len(row.aliases)
		for _, a := range append([]string{string(row.cmd)}, row.aliases...) {
			if a != strings.ToLower(a) || a != strings.TrimSpace(a) || a == "" {
				t.Errorf("alias %q of %q: want lower case, no spaces", a, row.cmd)
			}
		}
	}
	if got, want := len(aliases), n; got != want {
		t.Errorf("len(aliases) = %d, want %d: an alias is listed for two commands", got, want)
	}
	if got, want := len(Commands), len(commandTable); got != want {
		t.Errorf("len(Commands) = %d, want %d", got, want)
	}
	if got, want := Commands[0], Command("repair"); got != want {
		t.Errorf("Commands[0] = %q, want %q", got, want)
	}
	for _, c := range Commands {
		if !c.Known() {
			t.Errorf("%q.Known() = false", c)
		}
	}
	for _, c := range []Command{"", "unknown", "start", "报修", "REPAIR"} {
		if c.Known() {
			t.Errorf("%q.Known() = true", c)
		}
	}
}

func TestFormString(t *testing.T) {
	for f, want := range map[Form]string{FormNone: "none", FormSlash: "slash", FormTag: "tag",
		FormMention: "mention", FormBare: "bare", Form(9): "Form(9)"} {
		if got := f.String(); got != want {
			t.Errorf("Form(%d).String() = %q, want %q", int(f), got, want)
		}
	}
}

// TestParseHuge checks that big and hostile inputs are handled and that
// refs are collected from all of them.
func TestParseHuge(t *testing.T) {
	const size = 64 << 10
	body := strings.Repeat("电梯坏了 ", size/len("电梯坏了 "))
	t.Run("repair 64 KB", func(t *testing.T) {
		got := Parse("#报修 "+body, testBotNames)
		if got.Cmd != "repair" || got.Args != strings.TrimSpace(body) {
			t.Errorf("Parse(#报修 + 64 KB) = Cmd %q, len(Args) %d", got.Cmd, len(got.Args))
		}
	})
	var refs strings.Builder
	var want []int64
	for i := int64(1); refs.Len() < size; i++ {
		fmt.Fprintf(&refs, "#%d ", i)
		want = append(want, i)
	}
	t.Run("many refs", func(t *testing.T) {
		got := Parse(refs.String()+refs.String(), testBotNames)
		if !slices.Equal(got.Refs, want) {
			t.Errorf("Parse(many refs): got %d refs, want %d", len(got.Refs), len(want))
		}
	})
	for _, in := range []string{
		strings.Repeat("@", size),
		strings.Repeat("＠物业助", size/12),
		strings.Repeat("@Linli_bo", size/9),
		strings.Repeat("#", size),
		strings.Repeat("#9", size/2),
		"#" + strings.Repeat("9", size),
		strings.Repeat("/", size),
		"/" + strings.Repeat("志愿者", size/9),
		"/" + strings.Repeat("a", size),
		"【" + strings.Repeat("报", size/3),
		strings.Repeat("\u3000", size/3) + "评分 5",
		strings.Repeat("\xff", size),
		strings.Repeat("\"“", size/4),
	} {
		t.Run(fmt.Sprintf("%.12q", in), func(t *testing.T) {
			checkParse(t, in)
		})
	}
}

func TestParseInvalidUTF8(t *testing.T) {
	for _, in := range []string{
		"\xff", "/\xff", "/repair \xff\xfe", "#报修\xff", "\xe6\x8a", "/\xe6\x8a", "#\xe6\x8a",
		"@\xe7\x89", "@物业助手\xff", "＃12\xff", "#12\xe6", "【\xff】", "评分 5\xff", "me\xfftoo",
		"/repair@\xff x", "\xef\xbc", "\x00/repair", "/repair\x00x", "\x1b[31m#报修",
	} {
		t.Run(fmt.Sprintf("%q", in), func(t *testing.T) {
			checkParse(t, in)
		})
	}
	got := Parse("/repair \xff\xfe", testBotNames)
	if got.Cmd != "repair" || got.Args != "\xff\xfe" {
		t.Errorf("Parse(invalid args) = %+v, want the bytes kept", got)
	}
}

// checkParse parses in and checks what must hold for every input.
func checkParse(tb testing.TB, in string) {
	tb.Helper()
	p := Parse(in, testBotNames)
	if !strings.Contains(in, p.Args) {
		tb.Errorf("Parse(%q).Args = %q: not a substring of the input", in, p.Args)
	}
	if utf8.ValidString(in) && p.Args != strings.TrimFunc(p.Args, isSpace) {
		tb.Errorf("Parse(%q).Args = %q: not trimmed", in, p.Args)
	}
	if (p.Cmd == "") != (p.Form == FormNone) {
		tb.Errorf("Parse(%q) = Cmd %q with Form %v", in, p.Cmd, p.Form)
	}
	if p.Cmd != "" && p.Cmd != "unknown" && !p.Cmd.Known() {
		tb.Errorf("Parse(%q).Cmd = %q: not a known command", in, p.Cmd)
	}
	if p.OtherBot && p.Form != FormSlash && p.Form != FormMention {
		tb.Errorf("Parse(%q) = OtherBot with Form %v", in, p.Form)
	}
	seen := map[int64]bool{}
	for _, r := range p.Refs {
		if r <= 0 || seen[r] {
			tb.Errorf("Parse(%q).Refs = %v: want positive and distinct", in, p.Refs)
			break
		}
		seen[r] = true
	}
	Fields(in)
	ParseTicketNumber(in)
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", " ", "/", "／", "/repair 电梯坏了", "/报修3号楼", "/repair@Linli_bot x", "/repair@OtherBot x",
		"#报修 电梯", "＃投诉：噪音", "【报修】电梯坏了", "[repair] x", "#报修#12 x", "#12 已派师傅", "#12已派师傅",
		"#12a", "#99999999999999999999", "@物业助手\u2005报修 电梯坏了", "@Linli_bot /status 3", "＠物业助手 #报修 x",
		"评分 5", "rate 4 great job", "+1", "同上", "me too", "评分了吗", "/unknowncmd x", "/志愿者名单",
		"\xff\xfe", "\u3000/repair\u3000", "/schedule add \"0 9 * * 1\" survey all “每周 问卷”", "<b>*x*</b>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkParse(t, in)
		for _, fld := range Fields(in) {
			if utf8.ValidString(in) && !utf8.ValidString(fld) {
				t.Errorf("Fields(%q) gave invalid UTF-8 %q", in, fld)
			}
		}
		if n, err := ParseTicketNumber(in); err == nil && n <= 0 {
			t.Errorf("ParseTicketNumber(%q) = %d, nil", in, n)
		}
	})
}

func TestFields(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"spaces", " \t\u3000\n", nil},
		{"plain", "a b  c", []string{"a", "b", "c"}},
		{"other spaces", "a\u3000b\nc\u2005d", []string{"a", "b", "c", "d"}},
		{"double quotes", `add "0 9 * * 1" survey all 问卷`, []string{"add", "0 9 * * 1", "survey", "all", "问卷"}},
		{"Chinese quotes", "add “0 9 * * 1” survey", []string{"add", "0 9 * * 1", "survey"}},
		{"Chinese quotes reversed", "add ”0 9 * * 1“ survey", []string{"add", "0 9 * * 1", "survey"}},
		{"Chinese quotes same", "add “0 9 * * 1“ survey", []string{"add", "0 9 * * 1", "survey"}},
		{"full-width quotes", "＂a b＂ c", []string{"a b", "c"}},
		{"Chinese inside double", `"说“你好”吧" x`, []string{"说“你好”吧", "x"}},
		{"double inside Chinese", `“say "hi" now” x`, []string{`say "hi" now`, "x"}},
		{"empty quotes", `a "" b`, []string{"a", "", "b"}},
		{"unclosed", `a "unclosed rest`, []string{"a", "unclosed rest"}},
		{"glued after quote", `say "hi"there`, []string{"say", "hithere"}},
		{"quote inside word", `don"t stop`, []string{`don"t`, "stop"}},
		{"Chinese quote inside word", "请参加“邻里节”活动", []string{"请参加“邻里节”活动"}},
		{"two quoted", `"a" "b"`, []string{"a", "b"}},
		{"quoted newline", "\"a\nb\" c", []string{"a\nb", "c"}},
		{"invalid UTF-8 kept", "\xff b", []string{"\xff", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fields(tt.in); !slices.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
				t.Errorf("Fields(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseTicketNumber(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"12", 12},
		{"#12", 12},
		{"＃12", 12},
		{"12号", 12},
		{"#12号", 12},
		{"12號", 12},
		{" 12 ", 12},
		{"\u300012\u3000", 12},
		{"007", 7},
		{"１２", 12}, // full-width digits, as Chinese input methods type them
		{"＃１２号", 12},
		{"1", 1},
		{"9223372036854775807", 9223372036854775807},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTicketNumber(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseTicketNumber(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
	for _, in := range []string{
		"", " ", "#", "＃", "号", "#号", "0", "#0", "-1", "#-1", "+12", "12a", "abc", "1 2", "1_000", "12.0",
		"##12", "12号号", "9223372036854775808", "99999999999999999999", "0x10", "\xff", "#12 电梯",
	} {
		t.Run(fmt.Sprintf("bad %q", in), func(t *testing.T) {
			if got, err := ParseTicketNumber(in); err == nil {
				t.Errorf("ParseTicketNumber(%q) = %d, nil; want an error", in, got)
			}
		})
	}
}

// fold maps the full-width twins of the symbols the parser knows to ASCII,
// and leaves Chinese punctuation and letters alone; foldWidth does it for
// a whole text.
func TestFoldWidth(t *testing.T) {
	for in, want := range map[rune]rune{'＃': '#', '／': '/', '＠': '@', '：': ':', '，': ',', '＋': '+', '１': '1', '＂': '"', '［': '[',
		'#': '#', '。': '。', '、': '、', '【': '【', '报': '报', 'a': 'a', '\u3000': ' '} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"１２：３０": "12:30", "￥１，２００．５元": "¥1,200.5元", "１２月２０日　１４点": "12月20日 14点", "好的。": "好的。"} {
		if got := foldWidth(in); got != want {
			t.Errorf("foldWidth(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParsePrivate(t *testing.T) {
	tests := []struct {
		in   string
		cmd  Command
		args string
	}{
		{"报修 3号楼电梯坏了", "repair", "3号楼电梯坏了"},
		{"  维修：厨房漏水", "repair", "厨房漏水"},
		{"投诉，楼下装修太吵", "complain", "楼下装修太吵"},
		{"repair the lift", "repair", "the lift"},
		{"评分 5", "rate", "5"},
		{"/status 12", "status", "12"},
		{"#报修 电梯", "repair", "电梯"},
		{"维修工几点来", "", "维修工几点来"}, // no separator: a question
		{"报修", "", "报修"},         // nothing to file
		{"报修   ", "", "报修"},
		{"repairman?", "", "repairman?"},
		{"#12 还没修好", "", "#12 还没修好"}, // a reference, as Parse has it
		{"", "", ""},
	}
	for _, tt := range tests {
		p := ParsePrivate(tt.in, nil)
		if p.Cmd != tt.cmd || p.Args != tt.args {
			t.Errorf("ParsePrivate(%q) = %q %q, want %q %q", tt.in, p.Cmd, p.Args, tt.cmd, tt.args)
		}
	}
}
