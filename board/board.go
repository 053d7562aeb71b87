// Package board renders the bulletin board (公告栏) of a community's
// resident groups and keeps it up to date: a pinned message edited in place
// where the platform can pin and edit (Telegram), a daily post where it
// cannot (WeChat). It shows recent announcements, upcoming activities and
// meetings, and the progress of open tickets. Chat commands ask for a
// refresh through a Queue after a change; the board job refreshes and posts
// on its own schedule; /notices shows the board on demand.
package board

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/notice"
	"github.com/linli/linli/store"
)

// Style is how a platform's resident groups get the bulletin board (公告栏).
type Style int

const (
	// None leaves the board to /notices.
	None Style = iota
	// Pinned keeps one pinned board message per group, edited in place
	// whenever what it shows changes (Telegram).
	Pinned
	// Daily posts the board once a day at the digest time, for
	// platforms that can neither pin nor edit (WeChat).
	Daily
)

// DefaultDigestTime is when the daily board goes out unless managers set
// another time with /notices digest.
const DefaultDigestTime = "08:00"

// digestSetting holds the digest time ("HH:MM", or "off").
const digestSetting = "board.digest_time"

// How much of each section the board shows.
const (
	boardAnnouncements = 5
	boardActivities    = 5
	boardMeetings      = 2
	boardTickets       = 15
)

// Body is what a community's board shows: recent announcements,
// upcoming activities and meetings, and the progress of open tickets (number,
// kind and status, and the start of a repair's text so that residents can
// tell which is which; never who reported them, nor a complaint's words).
// It is "" when there is nothing.
func Body(tx *store.Tx, comm *store.Community, loc *time.Location) (string, error) {
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
		sections = append(sections, i18n.Lines(ls...))
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
			l := i18n.T(lang, i18n.BoardActivity, i18n.FormatTime(lang, loc, a.StartsAt), a.Title)
			if a.Place != "" {
				l += " · " + a.Place
			}
			ls = append(ls, l+" · "+notice.Signups(lang, a)+i18n.T(lang, i18n.BoardJoin, a.ID))
		}
		sections = append(sections, i18n.Lines(ls...))
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
			l := i18n.T(lang, i18n.BoardMeeting, i18n.FormatTime(lang, loc, m.StartsAt))
			if m.Place != "" {
				l += " · " + m.Place
			}
			ls = append(ls, l)
		}
		ls = append(ls, i18n.T(lang, i18n.BoardAgenda))
		sections = append(sections, i18n.Lines(ls...))
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
			if ex, err := excerpt(tx, t); err != nil {
				return "", err
			} else if ex != "" {
				line = i18n.T(lang, i18n.BoardRepair, t.ID, kind, status, ex)
			}
			ls = append(ls, line)
		}
		sections = append(sections, i18n.Lines(ls...))
	}
	return strings.Join(sections, "\n\n"), nil
}

// excerptLen is about how much of a repair's text the board shows:
// enough for residents to tell two repairs apart ("3号楼电梯按钮坏了").
const excerptLen = 20

// excerpt is what the board shows of a ticket's text: the start of a
// repair that was filed in a group (its words were there for the
// neighbours to read already), nothing of a complaint (it may be about a
// neighbour) or of a repair filed in a private chat.
func excerpt(tx *store.Tx, t *store.Ticket) (string, error) {
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
	return oneLine(t.Text, excerptLen), nil
}

// Text is a board as posted: a title, the body, and when it was made.
func Text(lang string, title i18n.Key, comm *store.Community, loc *time.Location, body string, now time.Time) string {
	if body == "" {
		body = i18n.T(lang, i18n.BoardEmpty)
	}
	return i18n.Lines(i18n.T(lang, title, comm.Name), body) + "\n\n" + i18n.T(lang, i18n.BoardFooter, i18n.FormatTime(lang, loc, now))
}

// oneLine shortens text to its first n characters on one line.
func oneLine(text string, n int) string {
	return i18n.Clip(strings.Join(strings.Fields(text), " "), n)
}

// DigestTime is the configured digest time, "HH:MM" or "off".
func DigestTime(tx *store.Tx) (string, error) {
	v, err := tx.Setting(digestSetting)
	if err != nil || v == "" {
		return DefaultDigestTime, err
	}
	return v, nil
}

// SetDigestTime sets the digest time: "HH:MM" (as ParseClock reads it,
// written back with two digits each) or "off".
func SetDigestTime(tx *store.Tx, v string) error { return tx.SetSetting(digestSetting, v) }

// ParseClock reads "8:00", "08:30", "20:15" or "8点".
func ParseClock(s string) (int, int, bool) {
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

// Options say which boards Refresh and Digest look after.
type Options struct {
	Styles   map[bot.PlatformID]Style
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

// Has reports whether any platform gets its boards in style.
func (o Options) Has(style Style) bool {
	for _, s := range o.Styles {
		if s == style {
			return true
		}
	}
	return false
}

// groupsOf are a community's active resident groups on platforms of a style.
func groupsOf(tx *store.Tx, o Options, commID int64, style Style) ([]*store.Chat, error) {
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

// Refresh brings every pinned board up to date: a group whose board
// would show something else gets an edit of its board message (a new board,
// pinned, if it has none yet and there is something to show). A version that
// is still queued is edited in turn once it has gone out, so the group keeps
// one message. It returns how many boards changed.
func Refresh(tx *store.Tx, o Options) (int, error) {
	if !o.Has(Pinned) {
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
		chats, err := groupsOf(tx, o, comm.ID, Pinned)
		if err != nil || len(chats) == 0 {
			if err != nil {
				return n, err
			}
			continue
		}
		loc := comm.Location(o.Location)
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
				s, err := Body(tx, comm, loc)
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
			out := store.Out{Platform: c.Platform, Chat: c.Key, Text: Text(comm.Lang, i18n.BoardTitle, comm, loc, *body, now), Pin: b == nil || b.NeedsPin()}
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

// Digest posts the daily board in the resident groups of platforms
// with the Daily style, once a day at the digest time in each community's zone.
// A time missed while the bot was down goes out late within o.Grace, and
// never for a day before the database's first start. Communities with
// nothing to show get no post. It returns how many groups got one.
func Digest(tx *store.Tx, o Options) (int, error) {
	if !o.Has(Daily) {
		return 0, nil
	}
	at, err := DigestTime(tx)
	if err != nil || at == "off" {
		return 0, err
	}
	h, m, ok := ParseClock(at)
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
		chats, err := groupsOf(tx, o, comm.ID, Daily)
		if err != nil {
			return n, err
		}
		if len(chats) == 0 {
			continue
		}
		loc := comm.Location(o.Location)
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
		body, err := Body(tx, comm, loc)
		if err != nil {
			return n, err
		}
		if body == "" {
			continue
		}
		text := Text(comm.Lang, i18n.BoardDigestTitle, comm, loc, body, now)
		for _, c := range chats {
			if _, err := tx.Enqueue(store.Out{Platform: c.Platform, Chat: c.Key, Text: text}); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
