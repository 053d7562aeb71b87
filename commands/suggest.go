package commands

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"sync"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// SuggestionsPerDay is how many anonymous suggestions one sender may leave a day.
const SuggestionsPerDay = 3

// suggestLimiter counts suggestions per sender in memory only: the sender is
// known only by a keyed hash whose key never leaves the process, so not even
// the counts can be tied to anyone after a restart.
type suggestLimiter struct {
	mu    sync.Mutex
	key   [32]byte
	day   string
	count map[string]int
}

func newSuggestLimiter() *suggestLimiter {
	l := &suggestLimiter{count: map[string]int{}}
	rand.Read(l.key[:])
	return l
}

// allow reports whether the sender may leave another suggestion today, and counts it.
func (l *suggestLimiter) allow(p bot.PlatformID, sender bot.UserID, now time.Time) bool {
	mac := hmac.New(sha256.New, l.key[:])
	mac.Write([]byte(string(p) + "\x00" + string(sender)))
	k := string(mac.Sum(nil))
	l.mu.Lock()
	defer l.mu.Unlock()
	if day := now.UTC().Format("2006-01-02"); day != l.day {
		l.day, l.count = day, map[string]int{}
	}
	if l.count[k] >= SuggestionsPerDay {
		return false
	}
	l.count[k]++
	return true
}

// newReceiptCode returns an unguessable code such as "K7QF-2M9X-TB4W" (60 bits).
func newReceiptCode() string {
	var b [8]byte
	rand.Read(b[:])
	s := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])[:12]
	return s[:4] + "-" + s[4:8] + "-" + s[8:12]
}

// suggest files an anonymous suggestion from a private chat. It runs outside
// the usual request path on purpose: it records no inbox entry, no chat, no
// person and no log line about the sender. The receipt is queued to the
// sender's chat and erased from the outbox once delivered.
func (s *Service) suggest(ctx context.Context, m *bot.Message, text string) error {
	lang := s.cfg.Lang
	reply := func(tx *store.Tx, msg string) error {
		_, err := tx.Enqueue(store.Out{Platform: m.Platform, Chat: m.Chat, Text: msg, Anonymous: true})
		return err
	}
	return s.db.Update(ctx, func(tx *store.Tx) error {
		// Reading the sender's community writes nothing that names them.
		// Someone who belongs to no community has no box to write in.
		var commID int64
		if p, err := tx.PersonByKey(m.Platform, m.Sender); err == nil {
			if p.Memberships, err = tx.Memberships(p.ID); err != nil {
				return err
			}
			if commID, err = s.privateCommunity(tx, p, nil); err != nil {
				return err
			}
		} else if store.ErrorCode(err) != store.ENOTFOUND {
			return err
		}
		if commID != 0 {
			if c, err := tx.CommunityByID(commID); err == nil {
				lang = c.Lang
			}
		}
		switch {
		case strings.TrimSpace(text) == "":
			return reply(tx, T(lang, "suggest.usage"))
		case commID == 0:
			return reply(tx, T(lang, "stranger.private"))
		}
		if err := store.CheckTicketText(text); err != nil {
			var ue *store.Error
			if e, ok := err.(*store.Error); ok {
				ue = e
			}
			if ue == nil {
				return err
			}
			return reply(tx, T(lang, "err."+ue.Key, ue.Args...))
		}
		if !s.suggestLimit.allow(m.Platform, m.Sender, tx.Now()) {
			return reply(tx, T(lang, "suggest.limit", SuggestionsPerDay))
		}
		code := newReceiptCode()
		sg, err := tx.AddSuggestion(commID, text, code)
		if err != nil {
			return err
		}
		return reply(tx, T(lang, "suggest.received", sg.ID, code, code))
	})
}

// suggestInGroup refuses /suggest in a group and, where the platform allows,
// takes the message down so that it does not expose its writer.
func (r *req) suggestInGroup() error {
	if _, err := r.tx.Enqueue(store.Out{Platform: r.m.Platform, Chat: r.m.Chat, Delete: r.m.ID, Text: "-"}); err != nil {
		return err
	}
	_, err := r.tx.Enqueue(store.Out{Platform: r.m.Platform, Chat: r.m.Chat, Thread: r.m.Thread, Text: r.t("suggest.in_group")})
	return err
}

// receipt shows the sender of a suggestion its answer: /receipt CODE.
func (r *req) receipt() error {
	code := strings.TrimSpace(r.p.Args)
	if code == "" {
		return usage("receipt")
	}
	sg, err := r.tx.SuggestionByReceipt(code)
	if err != nil {
		return err
	}
	if sg.Answer == "" {
		return r.reply(r.t("receipt.waiting", sg.ID, truncate(sg.Text, 60)))
	}
	return r.reply(r.t("receipt.answered", sg.ID, truncate(sg.Text, 60), sg.Answer))
}

// suggestions lists the suggestion box for staff and managers.
func (r *req) suggestions() error {
	var commID int64
	if r.comm != nil && !r.allCommunities() {
		commID = r.comm.ID
	}
	list, err := r.tx.Suggestions(commID, 30)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return r.reply(r.t("suggestions.none"))
	}
	ls := []string{r.t("suggestions.header", len(list))}
	for _, sg := range list {
		state := r.t("suggestions.open")
		if sg.Answer != "" {
			state = r.t("suggestions.answered")
		}
		ls = append(ls, r.t("suggestions.line", sg.ID, sg.Day, state, truncate(sg.Text, 80)))
	}
	ls = append(ls, r.t("suggestions.hint"))
	return r.reply(lines(ls...))
}

// answer replies to a suggestion: /answer ID TEXT, or /answer ID public TEXT
// to post it in the community's resident groups as well.
func (r *req) answer() error {
	id, rest, err := r.ticketArg(r.p.Args)
	if err != nil {
		return err
	}
	public := false
	if f := strings.Fields(rest); len(f) > 0 && (strings.EqualFold(f[0], "public") || f[0] == "公开") {
		public = true
		rest = strings.TrimSpace(strings.TrimPrefix(rest, f[0]))
	}
	if rest == "" {
		return usage("answer")
	}
	sg, err := r.tx.Suggestion(id)
	if err != nil {
		return err
	}
	if !r.me.Memberships.Staff(sg.CommunityID) {
		return store.Errorf(store.ENOTFOUND, "no_suggestion", id)
	}
	if err := r.tx.AnswerSuggestion(sg.ID, rest, r.me, public); err != nil {
		return err
	}
	if public {
		chats, err := r.tx.CommunityChats(sg.CommunityID, store.RoleResidentChat)
		if err != nil {
			return err
		}
		comm, err := r.tx.CommunityByID(sg.CommunityID)
		if err != nil {
			return err
		}
		for _, c := range chats {
			text := T(comm.Lang, "suggest.public", truncate(sg.Text, 200), rest)
			if _, err := r.tx.Enqueue(store.Out{Platform: c.Platform, Chat: c.Key, Text: text}); err != nil {
				return err
			}
		}
	}
	return r.reply(r.t("answer.done", sg.ID))
}

var communityMessages = map[string]map[string]string{
	"zh": {
		"suggest.usage":        "请在 /suggest 后面写下您的建议。意见箱是匿名的：我们不会记录是谁写的。",
		"suggest.limit":        "为防止滥用，每人每天最多提 %d 条建议，明天再来吧，谢谢理解。",
		"suggest.received":     "谢谢您的建议！已匿名投入意见箱（第 %d 条）。\n回执码：%s\n之后发送 /receipt %s 可查看物业的答复。请保存好回执码，我们不会记录是谁提的建议。",
		"suggest.in_group":     "意见箱是匿名的，请私聊我发送 /suggest 加您的建议。为保护您的隐私，群里的这条消息会被撤下（如机器人有权限）。",
		"suggest.public":       "【意见箱回复】\n业主建议：%s\n物业答复：%s",
		"receipt.waiting":      "第 %d 条建议（“%s”）已收到，物业还在处理，请稍后再查。",
		"receipt.answered":     "第 %d 条建议（“%s”）\n物业答复：%s",
		"suggestions.none":     "意见箱里还没有建议。",
		"suggestions.header":   "意见箱（最近 %d 条）：",
		"suggestions.line":     "%d · %s · %s · %s",
		"suggestions.open":     "待答复",
		"suggestions.answered": "已答复",
		"suggestions.hint":     "答复：/answer 编号 内容；公开答复（发到业主群）：/answer 编号 public 内容",
		"answer.done":          "已答复第 %d 条建议。",
		"err.no_receipt":       "没有找到这个回执码，请检查后再试。",
		"err.no_suggestion":    "没有找到第 %v 条建议。",
		"usage.receipt":        "/receipt 回执码",
		"usage.answer":         "/answer 编号 [public] 答复内容",
		"metoo.done":           "已记下：您也遇到了 #%d 的问题，处理进展会在这里通知。（共 %d 户反映）",
		"metoo.already":        "您已经在关注 #%d 了。",
		"metoo.own":            "#%d 是您自己报的，不用再 +1 啦。",
		"metoo.closed":         "#%d 已经结束了。如果问题又出现，请重新报修。",
		"metoo.hint":           "可能与 #%d（%s）相同，回复 +1 即可关注，不必重复报修。",
		"metoo.staff":          "#%d 又有一户反映同样的问题（%s），共 %d 户。",
		"volunteer.joined":     "谢谢您加入志愿者队伍！%s有活动时我们会联系您。发送 /volunteer leave 可退出。",
		"volunteer.skill":      "（特长：%s）",
		"volunteer.left":       "您已退出志愿者队伍，谢谢您一直以来的帮助。",
		"volunteer.not_in":     "您还不在志愿者名单上。发送 /volunteer 即可加入。",
		"volunteers.none":      "志愿者名单还是空的。",
		"volunteers.header":    "志愿者（%d 人）：",
		"volunteers.line":      "%s%s · %s 加入",
		"usage.metoo":          "/metoo 12（或直接回复工单消息 +1）",
	},
	"en": {
		"suggest.usage":        "Please write your suggestion after /suggest. The suggestion box is anonymous: we do not record who wrote it.",
		"suggest.limit":        "To prevent abuse, each person can leave %d suggestions a day. Please come back tomorrow, thank you.",
		"suggest.received":     "Thank you! Your suggestion is in the box, anonymously (no. %d).\nReceipt code: %s\nSend /receipt %s later to read the office's answer. Keep the code: we do not record who wrote it.",
		"suggest.in_group":     "The suggestion box is anonymous: please send /suggest with your idea to me in a private chat. To protect your privacy, that group message will be taken down (if the bot has the right).",
		"suggest.public":       "[Suggestion box answer]\nA resident suggested: %s\nThe office answers: %s",
		"receipt.waiting":      "Suggestion %d (\"%s\") has been received; the office is still working on an answer.",
		"receipt.answered":     "Suggestion %d (\"%s\")\nThe office answers: %s",
		"suggestions.none":     "The suggestion box is empty.",
		"suggestions.header":   "Suggestion box (latest %d):",
		"suggestions.line":     "%d · %s · %s · %s",
		"suggestions.open":     "awaiting answer",
		"suggestions.answered": "answered",
		"suggestions.hint":     "Answer: /answer ID text; answer publicly (posted in the resident groups): /answer ID public text",
		"answer.done":          "Suggestion %d answered.",
		"err.no_receipt":       "That receipt code doesn't match any suggestion. Please check it and try again.",
		"err.no_suggestion":    "There is no suggestion %v.",
		"usage.receipt":        "/receipt CODE",
		"usage.answer":         "/answer ID [public] text",
		"metoo.done":           "Noted: you have the same problem as #%d; updates will be posted here. (%d households so far)",
		"metoo.already":        "You're already following #%d.",
		"metoo.own":            "#%d is your own ticket, no need to +1 it.",
		"metoo.closed":         "#%d is already finished. If the problem is back, please file a new ticket.",
		"metoo.hint":           "This may be the same as #%d (%s): reply +1 to follow it instead of filing twice.",
		"metoo.staff":          "One more household reports the same problem as #%d (%s): %d in all.",
		"volunteer.joined":     "Thank you for volunteering! %sWe'll get in touch when there's an activity. Send /volunteer leave to leave the roll.",
		"volunteer.skill":      "(skill: %s) ",
		"volunteer.left":       "You've left the volunteer roll. Thank you for all your help.",
		"volunteer.not_in":     "You're not on the volunteer roll. Send /volunteer to join.",
		"volunteers.none":      "The volunteer roll is empty.",
		"volunteers.header":    "Volunteers (%d):",
		"volunteers.line":      "%s%s · joined %s",
		"usage.metoo":          "/metoo 12 (or reply +1 to the ticket's message)",
	},
}
