package commands

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/notice"
	"github.com/linli/linli/report"
	"github.com/linli/linli/store"
)

// poll: /poll QUESTION | OPTION | OPTION … puts a poll to the resident groups
// of the manager's community: a native poll where the platform has them
// (Telegram), elsewhere a numbered list answered by replying a number.
// /poll results N, /poll list and /poll close N follow it up.
func (r *req) poll() error {
	args := strings.TrimSpace(r.p.Args)
	if !strings.ContainsAny(args, "|｜") {
		f, rest := splitArgs(args, 1)
		if len(f) > 0 {
			switch strings.ToLower(f[0]) {
			case "results", "result", "结果", "统计":
				return r.pollResults(rest)
			case "list", "ls", "列表":
				return r.pollList()
			case "close", "stop", "end", "结束", "关闭":
				return r.pollClose(rest)
			}
		}
		return usage(i18n.UsagePoll)
	}
	parts := strings.FieldsFunc(args, func(r rune) bool { return r == '|' || r == '｜' })
	var question string
	var options []string
	for i, p := range parts {
		p = trimSpace(p)
		switch {
		case i == 0:
			question = p
		case p != "":
			options = append(options, p)
		}
	}
	comm, err := r.requireCommunity()
	if err != nil {
		return err
	}
	poll, err := r.tx.AddPoll(store.Poll{CommunityID: comm.ID, Question: question, Options: options, CreatedBy: r.me.ID})
	if err != nil {
		return err
	}
	n, err := PostPoll(r.tx, comm, comm.Location(r.s.cfg.Location), poll)
	if err != nil {
		return err
	}
	if n == 0 {
		return store.Errorf(store.EINVALID, "none_posted", comm.Name)
	}
	return r.reply(r.t(i18n.PollPosted, poll.ID, n, r.when(poll.ClosesAt), poll.ID))
}

// PostPoll queues a poll in every resident group of its community: as a
// native poll where the platform has them, else as its numbered list. It
// returns the number of groups.
func PostPoll(tx *store.Tx, comm *store.Community, loc *time.Location, p *store.Poll) (int, error) {
	chats, err := tx.CommunityChats(comm.ID, store.RoleResidentChat)
	if err != nil {
		return 0, err
	}
	text := PollText(comm.Lang, loc, p)
	for _, c := range chats {
		id, err := tx.Enqueue(store.Out{Platform: c.Platform, Chat: c.Key, Text: text,
			Poll: &bot.Poll{Question: p.Question, Options: p.Options}})
		if err != nil {
			return 0, err
		}
		if err := tx.AddPollPost(p.ID, id, c.Platform, c.Key); err != nil {
			return 0, err
		}
	}
	return len(chats), nil
}

// PollText is a poll as a numbered list, for platforms without native polls.
func PollText(lang string, loc *time.Location, p *store.Poll) string {
	ls := []string{i18n.T(lang, i18n.PollTitle, p.ID, p.Question)}
	for i, o := range p.Options {
		ls = append(ls, strconv.Itoa(i+1)+". "+o)
	}
	ls = append(ls, i18n.T(lang, i18n.PollHow, len(p.Options), i18n.FormatTime(lang, loc, p.ClosesAt)))
	return lines(ls...)
}

func (r *req) pollArg(args string) (*store.Poll, error) {
	id, _, err := r.idArg(args, i18n.UsagePoll)
	if err != nil {
		return nil, err
	}
	return r.tx.Poll(id)
}

func (r *req) pollResults(args string) error {
	p, err := r.pollArg(args)
	if err != nil {
		return err
	}
	res, err := r.tx.PollResult(p)
	if err != nil {
		return err
	}
	return r.reply(r.pollResultText(res))
}

func (r *req) pollResultText(res store.PollResult) string {
	p := res.Poll
	state := r.t(i18n.PollOpenUntil, r.when(p.ClosesAt))
	if !p.Open(r.tx.Now()) {
		state = r.t(i18n.PollClosed)
	}
	ls := []string{r.t(i18n.PollTitle, p.ID, p.Question), state, r.t(i18n.PollTotal, res.Total)}
	for i, o := range p.Options {
		ls = append(ls, r.t(i18n.PollCount, i+1, o, res.Counts[i], report.Percent(res.Counts[i], res.Total), bar(res.Counts[i], res.Total)))
	}
	return lines(ls...)
}

// bar draws a share as up to ten blocks.
func bar(n, total int) string {
	if total == 0 || n == 0 {
		return ""
	}
	return " " + strings.Repeat("▇", max(1, (10*n+total/2)/total))
}

func (r *req) pollList() error {
	comm, err := r.requireCommunity()
	if err != nil {
		return err
	}
	ps, err := r.tx.Polls(comm.ID, 10)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		return r.reply(r.t(i18n.PollNone))
	}
	ls := []string{r.t(i18n.PollHeader)}
	for _, p := range ps {
		res, err := r.tx.PollResult(p)
		if err != nil {
			return err
		}
		state := r.t(i18n.PollStateOpen)
		if !p.Open(r.tx.Now()) {
			state = r.t(i18n.PollStateClosed)
		}
		ls = append(ls, r.t(i18n.PollLine, p.ID, truncate(p.Question, 30), res.Total, state))
	}
	return r.reply(lines(ls...))
}

func (r *req) pollClose(args string) error {
	p, err := r.pollArg(args)
	if err != nil {
		return err
	}
	already := !p.ClosedAt.IsZero()
	if err := r.tx.ClosePoll(p.ID); err != nil {
		return err
	}
	if p, err = r.tx.Poll(p.ID); err != nil {
		return err
	}
	res, err := r.tx.PollResult(p)
	if err != nil {
		return err
	}
	head := r.t(i18n.PollClosedNow, p.ID)
	if already {
		head = r.t(i18n.AlreadyPollClosed, p.ID)
	}
	return r.reply(lines(head, r.pollResultText(res)))
}

// voteText is a message that may answer a numbered poll: "2", "２", "回复 2",
// "投票：2", "vote 2". explicit is set when a vote word says it is one.
type voteText struct {
	n        int
	explicit bool
}

var voteWords = []string{"回复", "投票", "选择", "选", "vote", "option"}

// voteNumber reads a vote from a message that is no command and names no ticket.
func voteNumber(p Parsed) (voteText, bool) {
	if p.Cmd != "" || len(p.Refs) > 0 {
		return voteText{}, false
	}
	s := trimSpace(foldWidth(p.Args))
	if len(s) > 24 {
		return voteText{}, false
	}
	v := voteText{}
	for _, w := range voteWords {
		if rest, ok := cutPrefixFold(s, w); ok {
			s, v.explicit = trimLeftSpace(rest), true
			if t, ok := cutRune(s, ':', '：'); ok {
				s = trimLeftSpace(t)
			}
			break
		}
	}
	s = strings.TrimRight(s, ".。!！")
	if s == "" || len(s) > 2 || !allDigits(s) {
		return voteText{}, false
	}
	v.n, _ = strconv.Atoi(s)
	return v, v.n > 0
}

// vote records a number typed in a group as a vote in the poll it answers: the
// poll message it replies to, else the latest numbered poll open in the chat.
// A number that answers no poll is handled as before (a comment on a ticket
// card it replies to, or chatter).
func (r *req) vote(v voteText) error {
	if !r.chat.Bound() {
		return r.dispatch()
	}
	p, err := r.tx.NumberedPoll(r.m.Platform, r.m.Chat, r.m.ReplyTo)
	if err != nil {
		return err
	}
	if p == nil {
		return r.dispatch()
	}
	if v.n > len(p.Options) {
		if !v.explicit && r.m.ReplyTo == "" {
			return r.dispatch()
		}
		return store.Errorf(store.EINVALID, "bad_vote", len(p.Options))
	}
	prev, err := r.tx.Vote(p.ID, r.me.ID, v.n-1)
	if err != nil {
		return err
	}
	choice := strconv.Itoa(v.n) + ". " + p.Options[v.n-1]
	switch prev {
	case -1:
		return r.reply(r.t(i18n.VoteRecorded, r.me.Label(), choice, p.ID))
	case v.n - 1:
		return r.reply(r.t(i18n.VoteSame, r.me.Label(), choice, p.ID))
	}
	return r.reply(r.t(i18n.VoteChanged, r.me.Label(), choice, p.ID))
}

// pollAnswer records a vote in a native poll (Telegram's poll_answer): one
// vote per person, a new answer replaces the old, a retracted one is removed.
// Votes after the poll closed are not counted. Nothing is sent back: the
// platform shows the vote itself.
func (s *Service) pollAnswer(ctx context.Context, m *bot.Message) error {
	return s.db.Update(ctx, func(tx *store.Tx) error {
		first, err := tx.FirstDelivery(m.Platform, m.Chat, m.ID)
		if err != nil || !first {
			return err
		}
		a := store.EarlyPollAnswer{
			Voter:  store.Sighting{Platform: m.Platform, Key: m.Sender, Username: m.SenderUsername, Name: m.SenderName},
			Choice: -1,
		}
		if opts := m.PollAnswer.Options; len(opts) > 0 {
			a.Choice = opts[0]
		}
		p, err := tx.PollByNative(m.Platform, m.PollAnswer.Poll)
		if err != nil {
			return err
		}
		if p == nil {
			// The poll's id is not recorded yet (its send has not returned):
			// keep the vote until it is (PollPosted).
			return tx.ParkPollAnswer(m.PollAnswer.Poll, a)
		}
		return countAnswer(tx, p, a)
	})
}

// countAnswer records a vote (or its retraction) in an open poll.
func countAnswer(tx *store.Tx, p *store.Poll, a store.EarlyPollAnswer) error {
	if !p.Open(tx.Now()) || a.Choice >= len(p.Options) {
		return nil
	}
	me, err := tx.SeePerson(a.Voter)
	if err != nil {
		return err
	}
	if a.Choice < 0 {
		return tx.Unvote(p.ID, me.ID)
	}
	_, err = tx.Vote(p.ID, me.ID, a.Choice)
	return err
}

// PollPosted is the Sender's PollSent hook: it records the platform's id of a
// native poll, so that its answers find the poll, and counts the answers that
// came before it.
func (s *Service) PollPosted(ctx context.Context, out bot.Outgoing, _ bot.MessageID, poll string) error {
	return s.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.PollPosted(out.ID, poll); err != nil {
			return err
		}
		early, err := tx.TakePollAnswers(out.Platform, poll)
		if err != nil || len(early) == 0 {
			return err
		}
		p, err := tx.PollByNative(out.Platform, poll)
		if err != nil || p == nil {
			return err
		}
		for _, a := range early {
			if err := countAnswer(tx, p, a); err != nil {
				return err
			}
		}
		return nil
	})
}

// survey: /survey add URL [CRON] posts a link survey to the resident groups
// of the manager's community now, or on a schedule (a survey schedule, as
// /schedule add makes, listed by /schedule list).
func (r *req) survey() error {
	f, rest := splitArgs(r.p.Args, 1)
	if len(f) == 0 {
		return usage(i18n.UsageSurvey)
	}
	switch strings.ToLower(f[0]) {
	case "add", "new", "添加", "发布", "发":
	default:
		if !HasLink(f[0]) {
			return usage(i18n.UsageSurvey)
		}
		rest = strings.TrimSpace(r.p.Args) // "/survey URL [CRON]"
	}
	uf, spec := splitArgs(rest, 1)
	if len(uf) == 0 {
		return usage(i18n.UsageSurvey)
	}
	link := uf[0]
	if !HasLink(link) || !strings.HasPrefix(strings.ToLower(link), "http") {
		return store.Errorf(store.EINVALID, "survey_needs_link")
	}
	if err := store.CheckScheduleText(link); err != nil {
		return err
	}
	comm, err := r.requireCommunity()
	if err != nil {
		return err
	}
	if sf, _ := splitArgs(spec, 1); len(sf) == 1 {
		if r0, _ := utf8.DecodeRuneInString(spec); openQuote(r0) != 0 {
			spec = sf[0]
		}
	}
	if spec == "" {
		n, err := notice.Broadcast(r.tx, comm, store.ScheduleSurvey, link)
		if err != nil {
			return err
		}
		if n == 0 {
			return store.Errorf(store.EINVALID, "none_posted", comm.Name)
		}
		return r.reply(r.t(i18n.SurveySent, n))
	}
	jobs, err := r.jobsService()
	if err != nil {
		return err
	}
	loc := r.s.zone(comm.TZ)
	next, err := jobs.Preview(spec, loc, r.tx.Now(), 3)
	if err != nil {
		return err
	}
	sc, err := r.tx.AddSchedule(store.Schedule{Spec: spec, Kind: store.ScheduleSurvey, CommunityID: comm.ID, Text: link, TZ: comm.TZ, CreatedBy: r.me.ID})
	if err != nil {
		return err
	}
	r.reload(jobs)
	msg := []string{
		r.t(i18n.ScheduleAdded, sc.ID, r.t(i18n.ScheduleKindSurvey), comm.Name),
		r.t(i18n.ScheduleWhen, jobs.Describe(spec, r.lang)),
		r.t(i18n.ScheduleNext, r.timeList(loc, next)),
	}
	if r.residentGroupCount([]*store.Community{comm}) == 0 {
		msg = append(msg, r.t(i18n.ScheduleNoGroups))
	}
	return r.reply(lines(msg...))
}
