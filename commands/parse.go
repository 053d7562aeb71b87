// Package commands parses chat messages into commands and handles every
// command family: tickets, suggestions, notices, activities and admin.
package commands

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Command is the canonical, English name of a command ("repair", "complain", ...).
type Command string

// unknown is the Command of a slash command that is not in the alias table,
// so the caller can answer "unknown command, see /help".
const unknown Command = "unknown"

// Known reports whether c is one of Commands (not "" and not "unknown").
func (c Command) Known() bool { return c != "" && aliases[string(c)] == c }

// Form is how a command was written.
type Form int

// The forms of a command. FormNone is the form of a message that is not a
// command, and only of such a message.
const (
	FormNone    Form = iota
	FormSlash        // "/repair …", "/repair@Bot …", "／报修 …"
	FormTag          // "#报修 …", "#repair …", "【报修】…", "#报修：…"
	FormMention      // "@Bot 报修 …", "@Bot /status 3", "@Bot #报修 …"
	FormBare         // the whole message is "评分 5", "rate 4 great job", "+1", "同上", …
)

func (f Form) String() string {
	switch f {
	case FormNone:
		return "none"
	case FormSlash:
		return "slash"
	case FormTag:
		return "tag"
	case FormMention:
		return "mention"
	case FormBare:
		return "bare"
	}
	return "Form(" + strconv.Itoa(int(f)) + ")"
}

// Parsed is what Parse found in a message.
type Parsed struct {
	// Cmd is "" when the message is not a command, "unknown" for a slash
	// command that is not in the alias table.
	Cmd Command
	// Args is the text after the command, tag or keyword, trimmed of
	// spaces (ASCII, full-width U+3000 and the other Unicode spaces) with
	// inner newlines kept verbatim. It is always a substring of the message.
	// When Cmd is "" it is the whole trimmed message, less a leading mention
	// of the bot, so the caller can use it as a comment.
	Args string
	// Form is how the command was written; FormNone exactly when Cmd is "".
	Form Form
	// OtherBot is set for "/cmd@SomeOtherBot": the command is addressed to
	// another bot; Cmd is still filled and the caller ignores the message.
	OtherBot bool
	// Mention is set when the text mentions one of the bot's names anywhere,
	// "/cmd@Bot" included.
	Mention bool
	// Refs are the ticket references "#12" / "＃12" found anywhere in the
	// text, deduplicated, in order of appearance.
	Refs []int64
}

// commandTable is the source of Commands and aliases: canonical name first,
// then the aliases it also answers to. English aliases are lower case.
var commandTable = []struct {
	cmd     Command
	aliases []string
}{
	{"repair", []string{"报修", "维修"}},
	{"complain", []string{"complaint", "投诉"}},
	{"suggest", []string{"建议", "意见", "意见箱"}},
	{"status", []string{"查询", "进展", "状态"}},
	{"mine", []string{"我的", "我的工单"}},
	{"cancel", []string{"取消", "撤回"}},
	{"rate", []string{"评分", "评价"}},
	{"notices", []string{"公告栏", "公告", "通知"}},
	{"join", []string{"报名"}},
	{"volunteer", []string{"志愿者", "志愿"}},
	{"volunteers", []string{"志愿者名单"}},
	{"agenda", []string{"议题"}},
	{"help", []string{"帮助", "start"}}, // Telegram sends /start when a chat with the bot opens
	{"take", []string{"接单"}},
	{"assign", []string{"指派", "派单"}},
	{"progress", []string{"进度", "回复"}},
	{"hold", []string{"挂起", "暂停"}},
	{"resolve", []string{"完成", "解决", "已解决"}},
	{"reopen", []string{"重开", "重新打开"}},
	{"tickets", []string{"工单", "工单列表"}},
	{"bind", []string{"绑定"}},
	{"unbind", []string{"解绑", "解除绑定"}},
	{"grant", []string{"授权"}},
	{"revoke", []string{"撤销", "撤权"}},
	{"announce", []string{"发布", "发公告"}},
	{"schedule", []string{"定时", "计划"}},
	{"sla", []string{"时限"}},
	{"report", []string{"报告", "月报"}},
	{"kpi", []string{"指标"}},
	{"export", []string{"导出"}},
	{"jobs", []string{"任务"}},
	{"runjob", []string{"运行任务"}},
	{"expense", []string{"支出", "费用"}},
	{"activity", []string{"活动"}},
	{"meeting", []string{"会议", "业主大会"}},
	{"outbox", []string{"发件箱"}},
	{"suggestions", []string{"意见列表"}},
	{"answer", []string{"答复"}},
	{"note", []string{"备注", "内部备注"}},
	{"merge", []string{"合并", "并单"}},
	{"receipt", []string{"回执"}},
	{"metoo", []string{"同", "我也是"}},
	{"poll", []string{"投票"}},
	{"survey", []string{"问卷"}},
	{"whoami", []string{"我是谁"}},
	{"roles", []string{"权限", "人员"}},
	{"community", []string{"小区", "切换小区"}},
	{"qrcode", []string{"二维码"}},
	{"menu", []string{"菜单"}},
	{"web", []string{"网页", "工作台"}},
}

// Commands lists every known command, in the order of the alias table.
var Commands = func() []Command {
	cmds := make([]Command, len(commandTable))
	for i, row := range commandTable {
		cmds[i] = row.cmd
	}
	return cmds
}()

// aliases maps every name a command answers to (its canonical English name
// included, English in lower case) to the command.
var aliases = func() map[string]Command {
	m := make(map[string]Command)
	for _, row := range commandTable {
		m[string(row.cmd)] = row.cmd
		for _, a := range row.aliases {
			m[a] = row.cmd
		}
	}
	return m
}()

// allAliases and tagAliases hold the keys of aliases longest first, so the
// first one that matches is the longest match (志愿者名单 before 志愿者).
var (
	allAliases = longestFirst(func(Command) bool { return true })
	tagAliases = longestFirst(func(c Command) bool { return c == "repair" || c == "complain" })
	rateWords  = longestFirst(func(c Command) bool { return c == "rate" })
)

func longestFirst(keep func(Command) bool) []string {
	var list []string
	for a, c := range aliases {
		if keep(c) {
			list = append(list, a)
		}
	}
	slices.SortFunc(list, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return list
}

// Parse finds the command in one chat message. botNames are the names the
// bot is mentioned by ("Linli_bot", "物业助手"); a leading "@" is ignored.
// Parse never panics and runs in time linear in len(text).
func Parse(text string, botNames []string) Parsed {
	p := parseTrimmed(trimSpace(text), botNames)
	p.Mention = p.Mention || mentionsBot(text, botNames)
	p.Refs = findRefs(text)
	return p
}

func parseTrimmed(s string, names []string) Parsed {
	if s == "" {
		return Parsed{}
	}
	if p, ok := parseSlash(s, names); ok {
		return p
	}
	if p, ok := parseTag(s); ok {
		return p
	}
	if rest, ok := cutLeadingMention(s, names); ok {
		p := parseAfterMention(rest, names)
		p.Mention = true
		return p
	}
	if p, ok := parseBare(s); ok {
		return p
	}
	return Parsed{Args: s}
}

// ParsePrivate is Parse for a private chat with the bot, where a ticket's
// word needs no "#" or "/": "报修 3号楼电梯坏了", "投诉：噪音". The word must
// be followed by a space or punctuation (as after a mention), so that
// "维修工几点来" stays a question.
func ParsePrivate(text string, botNames []string) Parsed {
	p := Parse(text, botNames)
	if p.Cmd != "" || p.OtherBot {
		return p
	}
	s := trimSpace(text)
	if _, ok := cutRune(s, '#'); ok {
		return p // "#12 …" is a reference
	}
	cmd, after, ok := matchAlias(s, tagAliases, separated)
	if !ok || trimSpace(argsOf(after)) == "" {
		return p
	}
	p.Cmd, p.Form, p.Args = cmd, FormTag, argsOf(after)
	return p
}

// parseSlash parses "/name args", "/name@Bot args" and "/报修3号楼" (the
// remainder glued to the name). A name must start with a letter, so "/",
// "/ x" and "/:)" are not commands.
func parseSlash(s string, names []string) (Parsed, bool) {
	rest, ok := cutRune(s, '/')
	if !ok {
		return Parsed{}, false
	}
	if r, _ := utf8.DecodeRuneInString(rest); !unicode.IsLetter(r) {
		return Parsed{}, false
	}
	p := Parsed{Form: FormSlash}
	cmd, after, ok := matchAlias(rest, allAliases, glued)
	if !ok {
		cmd = unknown
		end := strings.IndexFunc(rest, func(r rune) bool { return isSpace(r) || fold(r) == '@' })
		if end < 0 {
			end = len(rest)
		}
		after = rest[end:]
	}
	p.Cmd = cmd
	if at, ok := cutRune(after, '@'); ok {
		var ours bool
		after, ours, p.OtherBot = cutBotSuffix(at, names)
		p.Mention = ours
	}
	p.Args = argsOf(after)
	return p, true
}

// cutBotSuffix cuts the bot name off "Bot args" (the text after the "@" of
// "/cmd@Bot") and reports whether the name is one of names (ours) or another
// (other). "/cmd@ args", with no name at all, is neither.
func cutBotSuffix(s string, names []string) (rest string, ours, other bool) {
	if n := matchName(s, names); n >= 0 {
		return s[n:], true, false
	}
	end := strings.IndexFunc(s, isSpace)
	if end < 0 {
		end = len(s)
	}
	return s[end:], false, end > 0
}

type tagBracket struct{ open, close rune }

// tagBrackets open and close a tag; "［报修］" folds to "[报修]".
var tagBrackets = []tagBracket{{'【', '】'}, {'[', ']'}, {'〔', '〕'}, {'〖', '〗'}}

// parseTag parses "#报修 …", "#报修：…", "#报修#…" and "【报修】…". Only
// repair and complain are tags; "#12 …" is a ticket reference, not a tag.
func parseTag(s string) (Parsed, bool) {
	if rest, ok := cutRune(s, '#'); ok {
		if startsWithDigit(rest) {
			return Parsed{}, false
		}
		cmd, after, ok := matchAlias(rest, tagAliases, glued)
		if !ok {
			return Parsed{}, false
		}
		// "#报修#电梯坏了": a closing hash, as in Weibo-style topics; but
		// "#报修#12" keeps its reference ("#报修#1号楼…" has none).
		if h, ok := cutRune(after, '#'); ok && !startsWithRef(h) {
			after = h
		}
		return Parsed{Cmd: cmd, Form: FormTag, Args: argsOf(after)}, true
	}
	for _, b := range tagBrackets {
		rest, ok := cutRune(s, b.open)
		if !ok {
			continue
		}
		rest = trimLeftSpace(rest)
		if h, ok := cutRune(rest, '#'); ok {
			rest = h
		}
		for _, a := range tagAliases {
			if !hasPrefixFold(rest, a) {
				continue
			}
			if after, ok := cutRune(trimLeftSpace(rest[len(a):]), b.close); ok {
				return Parsed{Cmd: aliases[a], Form: FormTag, Args: argsOf(after)}, true
			}
		}
		return Parsed{}, false
	}
	return Parsed{}, false
}

// parseAfterMention parses what follows "@Bot": a slash command, a tag, a
// keyword ("报修 电梯坏了") or a bare form. The keyword must be followed by a
// space or punctuation: "@物业助手 投诉电话是多少" asks a question, it is
// not a complaint about "电话是多少".
func parseAfterMention(s string, names []string) Parsed {
	s = trimLeftSpace(s)
	if t, ok := cutRune(s, ':', ','); ok {
		s = trimLeftSpace(t)
	}
	if p, ok := parseSlash(s, names); ok {
		p.Form = FormMention
		return p
	}
	if p, ok := parseTag(s); ok {
		p.Form = FormMention
		return p
	}
	if cmd, after, ok := matchAlias(s, allAliases, separated); ok {
		return Parsed{Cmd: cmd, Form: FormMention, Args: argsOf(after)}
	}
	if p, ok := parseBare(trimSpace(s)); ok {
		p.Form = FormMention
		return p
	}
	return Parsed{Args: trimSpace(s)}
}

// parseBare parses a whole message that is a score ("评分 5", "评分5",
// "rate 4 great job") or agreement ("+1", "同上", "me too").
func parseBare(s string) (Parsed, bool) {
	for _, a := range rateWords {
		if !hasPrefixFold(s, a) {
			continue
		}
		rest := trimLeftSpace(s[len(a):])
		if t, ok := cutRune(rest, ':'); ok {
			rest = trimLeftSpace(t)
		}
		if rest == "" || rest[0] < '1' || rest[0] > '5' {
			continue
		}
		if r, n := utf8.DecodeRuneInString(rest[1:]); n > 0 && !isSpace(r) && !unicode.IsPunct(r) {
			continue // "评分 10", "评分 5分", "rate 5x"
		}
		return Parsed{Cmd: "rate", Form: FormBare, Args: trimSpace(rest)}, true
	}
	if isMetoo(s) {
		return Parsed{Cmd: "metoo", Form: FormBare}, true
	}
	return Parsed{}, false
}

func isMetoo(s string) bool {
	s = strings.TrimRightFunc(s, func(r rune) bool {
		return isSpace(r) || strings.ContainsRune("!。.~", fold(r))
	})
	if len(s) > 3*len("metoo") { // the longest, typed full-width
		return false
	}
	s = foldWidth(s)
	if len(s) > len("我家也是") {
		return false
	}
	switch strings.ToLower(s) {
	case "+1", "同", "同上", "我家也是", "我也是", "metoo":
		return true
	}
	rest, ok := cutPrefixFold(s, "me")
	if !ok || rest == trimLeftSpace(rest) {
		return false
	}
	return strings.EqualFold(trimLeftSpace(rest), "too")
}

// aliasBoundary says what may follow an alias.
type aliasBoundary int

const (
	// glued: after a slash or hash the user clearly means a command, so a
	// Chinese alias may be glued to its text ("/报修3号楼"); an English one
	// only to something that is not a letter, digit or "_" ("/repair电梯"
	// but not "/repairs").
	glued aliasBoundary = iota
	// separated: a keyword after a mention must be followed by the end,
	// a space or punctuation.
	separated
)

// matchAlias finds the longest alias in list (longest first) at the start
// of s, case-insensitively for ASCII, and returns its command and the text
// after it.
func matchAlias(s string, list []string, b aliasBoundary) (Command, string, bool) {
	for _, a := range list {
		if !hasPrefixFold(s, a) {
			continue
		}
		rest := s[len(a):]
		if rest == "" {
			return aliases[a], rest, true
		}
		r, _ := utf8.DecodeRuneInString(rest)
		switch {
		case isSpace(r):
		case b == separated:
			if !unicode.IsPunct(r) {
				continue
			}
		case a[len(a)-1] < utf8.RuneSelf: // an English alias
			if isWordByte(rest[0]) {
				continue
			}
		}
		return aliases[a], rest, true
	}
	return "", s, false
}

// argsOf turns the text after a command into Args: spaces and one colon or
// comma ("#报修：电梯坏了") dropped from the front, spaces from the end.
func argsOf(s string) string {
	s = trimLeftSpace(s)
	if t, ok := cutRune(s, ':', ','); ok {
		s = t
	}
	return trimSpace(s)
}

// cutLeadingMention cuts "@Bot" off the start of s.
func cutLeadingMention(s string, names []string) (string, bool) {
	rest, ok := cutRune(s, '@')
	if !ok {
		return s, false
	}
	n := matchName(rest, names)
	if n < 0 {
		return s, false
	}
	return rest[n:], true
}

// mentionsBot reports whether "@Bot" occurs anywhere in s. An "@" glued to
// a preceding letter or digit ("mail@Bot") is not a mention.
func mentionsBot(s string, names []string) bool {
	for i := 0; i < len(s); i++ {
		r, n := utf8.DecodeRuneInString(s[i:])
		if fold(r) != '@' {
			continue
		}
		rest := s[i+n:]
		if i > 0 && isWordByte(s[i-1]) {
			continue
		}
		if matchName(rest, names) >= 0 {
			return true
		}
	}
	return false
}

// matchName returns the length of the longest bot name at the start of s
// (ASCII case-insensitively), or -1. A name ending in a letter or digit must
// not be followed by one ("@Linli" is not "@Linli_bot"); a Chinese name may
// be glued to the text, since WeChat users often leave out the space.
func matchName(s string, names []string) int {
	best := -1
	for _, n := range names {
		n = strings.TrimLeftFunc(trimSpace(n), func(r rune) bool { return fold(r) == '@' })
		if n == "" || len(n) <= best {
			continue
		}
		rest, ok := cutPrefixFold(s, n)
		if !ok {
			continue
		}
		if isWordByte(n[len(n)-1]) && rest != "" && isWordByte(rest[0]) {
			continue
		}
		best = len(n)
	}
	return best
}

// findRefs returns the ticket numbers of every "#N" or "＃N" in s, in order,
// without repeats. N must end at a boundary: a space, punctuation, a symbol
// or the end of the text ("#12 已派师傅", "#12，已派", "见#12。"); a letter
// of any script, a digit or "_" right after it makes it no reference, so
// "#1号楼" is building 1, not ticket 1, and "#12a" nothing. "#N" must not
// be preceded by an ASCII letter, digit, "_", "/" or "&" (URL fragments,
// "&#12;"); Chinese before it is fine ("工单#12 好了").
func findRefs(s string) []int64 {
	var (
		refs []int64
		seen map[int64]bool
	)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if fold(r) != '#' {
			i++
			continue
		}
		if i > 0 && (isWordByte(s[i-1]) || s[i-1] == '/' || s[i-1] == '&') {
			i += n
			continue
		}
		start := i + n
		end := start
		for end < len(s) && isDigit(s[end]) {
			end++
		}
		i = end
		if end == start || !refEnds(s[end:]) {
			continue
		}
		v, err := strconv.ParseInt(s[start:end], 10, 64)
		if err != nil || v <= 0 || seen[v] {
			continue
		}
		if seen == nil {
			seen = make(map[int64]bool)
		}
		seen[v] = true
		refs = append(refs, v)
	}
	return refs
}

// refEnds reports whether rest, what follows the digits of a "#N", starts
// with a boundary (see findRefs).
func refEnds(rest string) bool {
	if rest == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(rest)
	switch {
	case r == '_':
		return false
	case isSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r):
		return true
	case r == utf8.RuneError:
		return true // a broken byte ends the number as well as anything
	}
	return false // a letter or digit of any script, or a mark: part of a word
}

// startsWithRef reports whether s starts with the digits of a reference
// and its boundary ("12 …", "12" but not "1号楼").
func startsWithRef(s string) bool {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i > 0 && refEnds(s[i:])
}

// Fields splits s into fields separated by spaces. A field that starts with
// a double quote (" or ＂) or a Chinese quote (“ or ”) runs to the matching
// closing quote and may hold spaces: `add "0 9 * * 1" survey` gives
// ["add", "0 9 * * 1", "survey"]. Quotes inside a word are kept; an
// unclosed quote runs to the end. Bytes are kept verbatim.
func Fields(s string) []string {
	var (
		fields []string
		cur    strings.Builder
		in     bool // inside a field
		quote  rune // the open quote, or 0
	)
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		chunk := s[i : i+w]
		i += w
		switch {
		case quote != 0:
			if closesQuote(quote, r) {
				quote = 0
			} else {
				cur.WriteString(chunk)
			}
		case isSpace(r):
			if in {
				fields = append(fields, cur.String())
				cur.Reset()
				in = false
			}
		case !in && openQuote(r) != 0:
			quote, in = openQuote(r), true
		default:
			cur.WriteString(chunk)
			in = true
		}
	}
	if in {
		fields = append(fields, cur.String())
	}
	return fields
}

// openQuote returns the kind of quote r opens. Chinese input methods and
// phone keyboards do not always pair “ and ” correctly, so either opens and
// either closes a Chinese quote.
func openQuote(r rune) rune {
	switch fold(r) {
	case '"':
		return '"'
	case '“', '”':
		return '“'
	}
	return 0
}

func closesQuote(open, r rune) bool {
	return openQuote(r) == open
}

// ParseTicketNumber parses "12", "#12", "＃12" or "12号" into a positive
// ticket number.
func ParseTicketNumber(s string) (int64, error) {
	t := trimSpace(foldWidth(s)) // "１２" is 12
	if h, ok := cutRune(t, '#'); ok {
		t = h
	}
	if h, ok := strings.CutSuffix(t, "号"); ok {
		t = h
	} else if h, ok := strings.CutSuffix(t, "號"); ok {
		t = h
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || !allDigits(t) { // ParseInt alone would take "+12"
		return 0, fmt.Errorf("invalid ticket number %q", s)
	}
	return n, nil
}

// isSpace reports white space, including the U+3000 ideographic space and
// the U+2005 WeChat puts after a mention, plus the zero-width characters
// that copy and paste leaves around text.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\u2060' || r == '\ufeff'
}

func trimSpace(s string) string     { return strings.TrimFunc(s, isSpace) }
func trimLeftSpace(s string) string { return strings.TrimLeftFunc(s, isSpace) }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func startsWithDigit(s string) bool { return s != "" && isDigit(s[0]) }

func isWordByte(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}

// cutRune cuts the first rune off s if it is one of rs once folded, so
// that '#' also cuts "＃".
func cutRune(s string, rs ...rune) (string, bool) {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || r == utf8.RuneError && n == 1 {
		return s, false
	}
	if slices.Contains(rs, fold(r)) {
		return s[n:], true
	}
	return s, false
}

// fold maps a full-width form, as Chinese input methods type it (＃, ／,
// ＠, ：, ＋, １), to its ASCII twin; every other rune stays as it is. The
// mapping is Unicode's (golang.org/x/text/width, not a hand-made table
// of ranges), and the parser compares folded runes, so each ASCII symbol
// it knows also matches its full-width twin while Args keep the bytes as
// typed.
func fold(r rune) rune {
	if p := width.LookupRune(r); p.Kind() == width.EastAsianFullwidth {
		if n := p.Narrow(); n != 0 {
			return n
		}
	}
	return r
}

// foldWidth folds a whole text to its canonical width: full-width ASCII
// and the ideographic space to ASCII ("１２：３０" is "12:30", "￥" is "¥"),
// half-width katakana to full width; Chinese punctuation ("。", "、") stays.
// The parsers of numbers, dates, times and amounts read what it returns.
func foldWidth(s string) string { return width.Fold.String(s) }

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lowerASCII(s[i]) != lowerASCII(prefix[i]) {
			return false
		}
	}
	return true
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if !hasPrefixFold(s, prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
