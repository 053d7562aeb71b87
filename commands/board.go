package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// BoardStyle is how a platform's resident groups get the bulletin board (公告栏).
type BoardStyle int

const (
	// BoardNone leaves the board to /notices.
	BoardNone BoardStyle = iota
	// BoardPinned keeps one pinned board message per group, edited in place
	// whenever what it shows changes (Telegram).
	BoardPinned
	// BoardDaily posts the board once a day at the digest time, for
	// platforms that can neither pin nor edit (WeChat).
	BoardDaily
)

// DefaultDigestTime is when the daily board goes out unless managers set
// another time with /notices digest.
const DefaultDigestTime = "08:00"

// digestSetting holds the digest time ("HH:MM", or "off").
const digestSetting = "board.digest_time"

// boardMinAge debounces refreshes caused by commands: a pinned board edited
// less than this ago waits for the board job, which runs every minute.
const boardMinAge = time.Minute

// How much of each section the board shows.
const (
	boardAnnouncements = 5
	boardActivities    = 5
	boardMeetings      = 2
	boardTickets       = 15
)

// boardCommands change what the board shows: tickets, announcements,
// activities (sign-up counts too) and meetings. "" is a comment on a ticket,
// which may be its first response.
var boardCommands = map[Command]bool{
	"": true, "repair": true, "complain": true, "take": true, "assign": true, "progress": true, "hold": true,
	"resolve": true, "reopen": true, "cancel": true, "rate": true, "announce": true, "activity": true,
	"meeting": true, "join": true, "metoo": true,
}

// BoardBody is what a community's board shows: recent announcements,
// upcoming activities and meetings, and the progress of open tickets (number,
// kind and status, and the start of a repair's text so that residents can
// tell which is which; never who reported them, nor a complaint's words).
// It is "" when there is nothing.
func BoardBody(tx *store.Tx, comm *store.Community, loc *time.Location) (string, error) {
	lang := comm.Lang
	var sections []string
	anns, err := tx.RecentAnnouncements(comm.ID, boardAnnouncements)
	if err != nil {
		return "", err
	}
	if len(anns) > 0 {
		ls := []string{i18n.T(lang, i18n.BoardAnnouncements)}
		for _, a := range anns {
			ls = append(ls, i18n.T(lang, i18n.BoardAnnouncement, a.PostedAt.In(loc).Format(i18n.T(lang, i18n.BoardDate)), oneLine(a.Text, 60)))
		}
		sections = append(sections, lines(ls...))
	}
	acts, err := tx.UpcomingActivities(comm.ID)
	if err != nil {
		return "", err
	}
	if len(acts) > 0 {
		ls := []string{i18n.T(lang, i18n.BoardActivities)}
		for i, a := range acts {
			if i == boardActivities {
				ls = append(ls, i18n.T(lang, i18n.BoardMore, len(acts)-i))
				break
			}
			l := i18n.T(lang, i18n.BoardActivity, FormatTime(lang, loc, a.StartsAt), a.Title)
			if a.Place != "" {
				l += " · " + a.Place
			}
			ls = append(ls, l+" · "+SignupText(lang, a)+i18n.T(lang, i18n.BoardJoin, a.ID))
		}
		sections = append(sections, lines(ls...))
	}
	meets, err := tx.UpcomingMeetings(comm.ID)
	if err != nil {
		return "", err
	}
	if len(meets) > 0 {
		ls := []string{i18n.T(lang, i18n.BoardMeetings)}
		for i, m := range meets {
			if i == boardMeetings {
				break
			}
			l := i18n.T(lang, i18n.BoardMeeting, FormatTime(lang, loc, m.StartsAt))
			if m.Place != "" {
				l += " · " + m.Place
			}
			ls = append(ls, l)
		}
		ls = append(ls, i18n.T(lang, i18n.BoardAgenda))
		sections = append(sections, lines(ls...))
	}
	ts, err := tx.Tickets(store.TicketFilter{CommunityID: comm.ID, Active: true, Limit: 500})
	if err != nil {
		return "", err
	}
	if len(ts) > 0 {
		ls := []string{i18n.T(lang, i18n.BoardTickets, len(ts))}
		// Oldest first: the longest wait is what residents ask about.
		for i := len(ts) - 1; i >= 0; i-- {
			if len(ls) > boardTickets {
				ls = append(ls, i18n.T(lang, i18n.BoardMore, i+1))
				break
			}
			t := ts[i]
			kind, status := i18n.T(lang, i18n.Kind(t.Kind)), i18n.T(lang, i18n.Status(t.Status))
			line := i18n.T(lang, i18n.BoardTicket, t.ID, kind, status)
			if ex, err := boardExcerpt(tx, t); err != nil {
				return "", err
			} else if ex != "" {
				line = i18n.T(lang, i18n.BoardRepair, t.ID, kind, status, ex)
			}
			ls = append(ls, line)
		}
		sections = append(sections, lines(ls...))
	}
	return strings.Join(sections, "\n\n"), nil
}

// boardExcerptLen is about how much of a repair's text the board shows:
// enough for residents to tell two repairs apart ("3号楼电梯按钮坏了").
const boardExcerptLen = 20

// boardExcerpt is what the board shows of a ticket's text: the start of a
// repair that was filed in a group (its words were there for the
// neighbours to read already), nothing of a complaint (it may be about a
// neighbour) or of a repair filed in a private chat.
func boardExcerpt(tx *store.Tx, t *store.Ticket) (string, error) {
	if t.Kind != store.KindRepair {
		return "", nil
	}
	chat, err := tx.ChatByID(t.OriginChatID)
	if store.ErrorCode(err) == store.ENOTFOUND {
		return "", nil
	} else if err != nil {
		return "", err
	}
	if chat.Kind != bot.Group {
		return "", nil
	}
	return oneLine(t.Text, boardExcerptLen), nil
}

// boardText is a board as posted: a title, the body, and when it was made.
func boardText(lang string, title i18n.Key, comm *store.Community, loc *time.Location, body string, now time.Time) string {
	if body == "" {
		body = i18n.T(lang, i18n.BoardEmpty)
	}
	return lines(i18n.T(lang, title, comm.Name), body) + "\n\n" + i18n.T(lang, i18n.BoardFooter, FormatTime(lang, loc, now))
}

// oneLine shortens text to its first n characters on one line.
func oneLine(text string, n int) string {
	return truncate(strings.Join(strings.Fields(text), " "), n)
}

// notices: /notices shows the community's board; /notices digest
// [HH:MM|off] (managers, privately) shows or sets the daily board's time.
func (r *req) notices() error {
	if f, rest := splitArgs(r.p.Args, 1); len(f) > 0 {
		switch strings.ToLower(f[0]) {
		case "digest", "daily", "每日", "日报", "时间":
			return r.noticesDigest(rest)
		}
	}
	comm, err := r.requireCommunity()
	if err != nil {
		return err
	}
	loc := r.s.location(comm)
	body, err := BoardBody(r.tx, comm, loc)
	if err != nil {
		return err
	}
	return r.reply(boardText(comm.Lang, i18n.BoardTitle, comm, loc, body, r.tx.Now()))
}

// noticesDigest shows or sets the time of the daily board (for the
// platforms with BoardDaily), in each community's own time zone.
func (r *req) noticesDigest(arg string) error {
	if !r.me.IsManager() {
		return store.Errorf(store.EUNAUTHORIZED, "not_manager")
	}
	if r.chat.Kind == bot.Group {
		return store.Errorf(store.EUNAUTHORIZED, "admin_private")
	}
	arg = strings.TrimSpace(arg)
	if arg == "" {
		cur, err := digestTime(r.tx)
		if err != nil {
			return err
		}
		if cur == "off" {
			return r.reply(r.t(i18n.DigestIsOff))
		}
		return r.reply(r.t(i18n.DigestIs, cur))
	}
	switch strings.ToLower(arg) {
	case "off", "关闭", "关", "停止":
		if err := r.tx.SetSetting(digestSetting, "off"); err != nil {
			return err
		}
		return r.reply(r.t(i18n.DigestOff))
	}
	h, m, ok := parseClock(foldWidth(arg))
	if !ok {
		return store.Errorf(store.EINVALID, "bad_digest_time", truncate(arg, 20))
	}
	v := fmt.Sprintf("%02d:%02d", h, m)
	if err := r.tx.SetSetting(digestSetting, v); err != nil {
		return err
	}
	return r.reply(r.t(i18n.DigestSet, v))
}

// digestTime is the configured digest time, "HH:MM" or "off".
func digestTime(tx *store.Tx) (string, error) {
	v, err := tx.Setting(digestSetting)
	if err != nil || v == "" {
		return DefaultDigestTime, err
	}
	return v, nil
}

// parseClock reads "8:00", "08:30", "20:15" or "8点".
func parseClock(s string) (int, int, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimSuffix(s, "点"), "時")
	hs, ms, found := strings.Cut(strings.ReplaceAll(s, "：", ":"), ":")
	if !found {
		ms = "0"
	}
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 || len(ms) > 2 || len(hs) > 2 {
		return 0, 0, false
	}
	return h, m, true
}

// BoardOptions say which boards RefreshBoards and DigestBoards look after.
type BoardOptions struct {
	Styles   map[bot.PlatformID]BoardStyle
	Location *time.Location // communities without their own zone
	// MinAge skips pinned boards refreshed less than this ago (0: none).
	MinAge time.Duration
	// Community limits a refresh to one community's boards (0: every community).
	Community int64
	// DryRun counts what would change without queueing anything.
	DryRun bool
	// Grace is how late a daily board may still go out (the job's catch-up window).
	Grace time.Duration
}

func (o BoardOptions) any(style BoardStyle) bool {
	for _, s := range o.Styles {
		if s == style {
			return true
		}
	}
	return false
}

// boardChats are a community's active resident groups on platforms of a style.
func boardChats(tx *store.Tx, o BoardOptions, commID int64, style BoardStyle) ([]*store.Chat, error) {
	chats, err := tx.CommunityChats(commID, store.RoleResidentChat)
	if err != nil {
		return nil, err
	}
	var out []*store.Chat
	for _, c := range chats {
		if o.Styles[c.Platform] == style {
			out = append(out, c)
		}
	}
	return out, nil
}

// RefreshBoards brings every pinned board up to date: a group whose board
// would show something else gets an edit of its board message (a new board,
// pinned, if it has none yet and there is something to show). A version that
// is still queued is edited in turn once it has gone out, so the group keeps
// one message. It returns how many boards changed.
func RefreshBoards(tx *store.Tx, o BoardOptions) (int, error) {
	if !o.any(BoardPinned) {
		return 0, nil
	}
	comms, err := tx.Communities()
	if err != nil {
		return 0, err
	}
	now, n := tx.Now(), 0
	for _, comm := range comms {
		if o.Community != 0 && comm.ID != o.Community {
			continue
		}
		chats, err := boardChats(tx, o, comm.ID, BoardPinned)
		if err != nil || len(chats) == 0 {
			if err != nil {
				return n, err
			}
			continue
		}
		loc := CommunityLocation(comm, o.Location)
		var body *string
		for _, c := range chats {
			b, err := tx.Board(c.Platform, c.Key)
			if err != nil {
				return n, err
			}
			if b != nil && o.MinAge > 0 && now.Sub(b.UpdatedAt) < o.MinAge {
				continue
			}
			if body == nil {
				s, err := BoardBody(tx, comm, loc)
				if err != nil {
					return n, err
				}
				body = &s
			}
			if (b == nil && *body == "") || (b != nil && b.Body == *body) {
				continue
			}
			n++
			if o.DryRun {
				continue
			}
			out := store.Out{Platform: c.Platform, Chat: c.Key, Text: boardText(comm.Lang, i18n.BoardTitle, comm, loc, *body, now), Pin: b == nil || b.NeedsPin()}
			if b != nil {
				out.EditOf = b.OutID
			}
			id, err := tx.Enqueue(out)
			if err != nil {
				return n, err
			}
			if err := tx.SaveBoard(c.Platform, c.Key, comm.ID, id, *body); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// DigestBoards posts the daily board in the resident groups of platforms
// with BoardDaily, once a day at the digest time in each community's zone.
// A time missed while the bot was down goes out late within o.Grace, and
// never for a day before the database's first start. Communities with
// nothing to show get no post. It returns how many groups got one.
func DigestBoards(tx *store.Tx, o BoardOptions) (int, error) {
	if !o.any(BoardDaily) {
		return 0, nil
	}
	at, err := digestTime(tx)
	if err != nil || at == "off" {
		return 0, err
	}
	h, m, ok := parseClock(at)
	if !ok {
		return 0, fmt.Errorf("bad digest time %q", at)
	}
	first, err := tx.FirstStart()
	if err != nil {
		return 0, err
	}
	comms, err := tx.Communities()
	if err != nil {
		return 0, err
	}
	now, n := tx.Now(), 0
	for _, comm := range comms {
		chats, err := boardChats(tx, o, comm.ID, BoardDaily)
		if err != nil {
			return n, err
		}
		if len(chats) == 0 {
			continue
		}
		loc := CommunityLocation(comm, o.Location)
		local := now.In(loc)
		due := time.Date(local.Year(), local.Month(), local.Day(), h, m, 0, 0, loc)
		if due.After(local) {
			due = due.AddDate(0, 0, -1)
		}
		if now.Sub(due) > o.Grace || due.Before(first) {
			continue
		}
		key := fmt.Sprintf("board.digest:%d", comm.ID)
		last, err := tx.Setting(key)
		if err != nil {
			return n, err
		}
		if l, err := strconv.ParseInt(last, 10, 64); err == nil && l >= due.Unix() {
			continue
		}
		if err := tx.SetSetting(key, strconv.FormatInt(due.Unix(), 10)); err != nil {
			return n, err
		}
		body, err := BoardBody(tx, comm, loc)
		if err != nil {
			return n, err
		}
		if body == "" {
			continue
		}
		text := boardText(comm.Lang, i18n.BoardDigestTitle, comm, loc, body, now)
		for _, c := range chats {
			if _, err := tx.Enqueue(store.Out{Platform: c.Platform, Chat: c.Key, Text: text}); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// touchBoard passes err on; when a command that changes what boards show
// succeeded, the pinned boards are refreshed once it has committed, in the
// background (boardQueue: a burst of tickets refreshes them once a second).
func (r *req) touchBoard(err error) error {
	if err != nil || !boardCommands[r.p.Cmd] || !r.s.boards().any(BoardPinned) {
		return err
	}
	// Only the community the command touched: its boards are the ones that
	// can show something new (the board job still checks them all).
	// A command in a private chat (an announcement to "all") may touch any.
	var comm int64
	if r.comm != nil && r.chat.Kind == bot.Group {
		comm = r.comm.ID
	}
	r.afterCommit(func(context.Context) { r.s.boardQ.request(comm) })
	return nil
}

func (s *Service) boards() BoardOptions {
	return BoardOptions{Styles: s.cfg.Boards, Location: s.cfg.Location, MinAge: boardMinAge}
}

// refreshBoards refreshes the pinned boards a change may have touched,
// except those refreshed within boardMinAge (the board job catches up). A
// read transaction finds out first whether any board needs it, so a burst of
// tickets does not queue for the write lock a second time each.
func (s *Service) refreshBoards(ctx context.Context, community int64) {
	o := s.boards()
	o.Community = community
	o.DryRun = true
	var due int
	if err := s.db.View(ctx, func(tx *store.Tx) (err error) { due, err = RefreshBoards(tx, o); return }); err != nil {
		s.log.Error("check boards", "err", err)
		return
	}
	if due == 0 {
		return
	}
	o.DryRun = false
	if err := s.db.Update(ctx, func(tx *store.Tx) error { _, err := RefreshBoards(tx, o); return err }); err != nil {
		s.log.Error("refresh boards", "err", err)
	}
}

// BoardPinned is the Sender's Pinned hook: it records whether a board
// message got pinned. The first time the platform refuses (the bot lacks the
// right to pin), the group's managers are told, once, how to fix it.
func (s *Service) BoardPinned(ctx context.Context, out bot.Outgoing, msg bot.MessageID, err error) {
	var gone *bot.ChatGoneError
	if errors.As(err, &gone) {
		return // the chat is being marked inactive
	}
	cause, permanent := "", false
	if err != nil {
		cause, permanent = err.Error(), errors.Is(err, bot.ErrPermanent)
	}
	uerr := s.db.Update(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		tell, err := tx.BoardPinned(out.Platform, out.Chat, msg, cause, permanent)
		if err != nil || !tell {
			return err
		}
		title, comm := string(out.Chat), int64(0)
		if c, err := tx.ChatByKey(out.Platform, out.Chat); err == nil {
			if comm = c.CommunityID; c.Title != "" {
				title = c.Title
			}
		}
		return NotifyCommunityManagers(tx, s.cfg.Lang, comm, func(lang string) string { // the group's managers only
			return i18n.T(lang, i18n.BoardNoPin, title, truncate(cause, 120))
		})
	})
	if uerr != nil {
		s.log.Error("record board pin", "err", uerr)
	}
}
