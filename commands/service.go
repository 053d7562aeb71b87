package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/linli/linli/board"
	"github.com/linli/linli/bot"
	"github.com/linli/linli/desk"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// Config tunes the Service.
type Config struct {
	// Lang is the reply language where no community says otherwise ("zh" or "en").
	Lang string
	// Location is the default time zone for times shown to people.
	Location *time.Location
	// Editable lists the platforms whose sent messages can be edited in place
	// (ticket cards are then updated instead of followed by new messages).
	Editable map[bot.PlatformID]bool
	// Buttons lists the platforms that show inline buttons.
	Buttons map[bot.PlatformID]bool
	// PrivacyMode reports whether the bot on a platform sees only commands and
	// replies in groups (Telegram privacy mode), for a hint on /bind.
	PrivacyMode func(bot.PlatformID) bool
	// DataDir is where photos and files that come with tickets are kept.
	DataDir string
	// ThrottleCount tickets per ThrottleWindow per person are accepted (5 per 10 minutes).
	ThrottleCount  int
	ThrottleWindow time.Duration
	Log            *slog.Logger
	// Jobs is the scheduler, for /schedule, /jobs and /runjob (nil: not running).
	Jobs Jobs
	// Boards says how each platform's resident groups get the bulletin board
	// (package board); platforms not listed have /notices only.
	Boards map[bot.PlatformID]board.Style
	// Directories are the platforms that key people by name and know names
	// before anyone writes (WeChat): /grant looks a name up there at once.
	Directories map[bot.PlatformID]NameDirectory
	// Account is the official account residents follow (the WeChat service
	// account), for /qrcode, /menu and joins by QR code; nil: none.
	Account Account
	// Desk is the ticket workflow the commands act through; nil: one made
	// of this Config (Lang, Location, Editable, Buttons, DataDir, Log).
	Desk *desk.Desk
	// WebURL is where the web desk is reached (https://linli.example.com),
	// for the sign-in links /web sends; "": no web desk.
	WebURL string
}

// NameDirectory is implemented by platforms whose people are their names
// and that know them before they write: WeChat knows the account's friends
// and the members of its groups.
type NameDirectory interface {
	// LookupName reports whether name is the account's friend under that
	// very name, shared by no other contact (the friend rule: only such a
	// person's role counts in a group), and which of groups (chat ids)
	// have a member of that name.
	LookupName(name string, groups []bot.ChatID) (friend bool, in []bot.ChatID)
}

// Service turns messages into state changes and replies. It implements bot.Handler.
type Service struct {
	db  *store.DB
	cfg Config
	log *slog.Logger

	seenMu sync.Mutex
	seen   map[seenKey]time.Time // who was recorded recently, to spare the writer

	suggestLimit *suggestLimiter
	desk         *desk.Desk   // the ticket workflow
	boardQ       *board.Queue // pinned-board refreshes asked for by commands
}

type seenKey struct {
	p    bot.PlatformID
	chat bot.ChatID
	user bot.UserID
}

// New returns a Service over db.
func New(db *store.DB, cfg Config) *Service {
	cfg.Lang = i18n.Normalize(cfg.Lang)
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.ThrottleCount <= 0 {
		cfg.ThrottleCount = 5
	}
	if cfg.ThrottleWindow <= 0 {
		cfg.ThrottleWindow = 10 * time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.PrivacyMode == nil {
		cfg.PrivacyMode = func(bot.PlatformID) bool { return false }
	}
	if cfg.Desk == nil {
		cfg.Desk = desk.New(desk.Config{Lang: cfg.Lang, Location: cfg.Location, Editable: cfg.Editable, Buttons: cfg.Buttons,
			DataDir: cfg.DataDir, Log: cfg.Log})
	}
	s := &Service{db: db, cfg: cfg, log: cfg.Log, seen: map[seenKey]time.Time{}, suggestLimit: newSuggestLimiter(), desk: cfg.Desk}
	s.boardQ = board.NewQueue(s.refreshBoards, nil)
	return s
}

// Close waits for the background work commands started (board refreshes)
// and takes no more of it. Call it once no more messages come.
func (s *Service) Close() { s.boardQ.Close() }

var _ bot.Handler = (*Service)(nil)

// errSkip rolls back a transaction that turned out to have nothing to do
// (a message in an unbound group): nothing about it is recorded.
var errSkip = errors.New("skip")

// req is one message being handled, inside its transaction.
type req struct {
	s    *Service
	tx   *store.Tx
	m    *bot.Message
	p    Parsed
	chat *store.Chat
	// me is the sender as they stand in comm (store.Person.In), with all
	// their memberships; a sender the platform cannot vouch for keeps only
	// the resident ones (unvouched).
	me   *store.Person
	comm *store.Community // nil when the message's community is unknown
	// scope is the community of the bound group the message came from: the
	// only one a group command acts on. 0 in private chats.
	scope int64
	lang  string
	// toast is the answer to a button press, set by ack.
	toast string
	// unvouched is set when the sender holds a role the platform could not
	// vouch for (a WeChat group card), so they act as a resident.
	unvouched bool
	// after runs once the transaction has committed (work that must not hold
	// the write lock, such as running a job for /runjob).
	after []func(context.Context)
}

// afterCommit schedules f to run once the request's transaction has committed.
func (r *req) afterCommit(f func(context.Context)) { r.after = append(r.after, f) }

// Handle implements bot.Handler: one message, handled exactly once.
func (s *Service) Handle(ctx context.Context, m *bot.Message) error {
	switch {
	case m.Event != bot.EventNone:
		return s.handleEvent(ctx, m)
	case m.Callback != nil:
		return s.handleCallback(ctx, m)
	case m.PollAnswer != nil:
		return s.pollAnswer(ctx, m)
	}
	p := Parse(m.Text, m.BotNames)
	if m.ChatKind == bot.Private {
		p = ParsePrivate(m.Text, m.BotNames)
	}
	if p.OtherBot {
		return nil
	}
	if p.Cmd == "suggest" && m.ChatKind == bot.Private {
		return s.suggest(ctx, m, p.Args)
	}
	// Group chatter that is no command, no ticket reference, no reply and no
	// mention needs no database work at all.
	if len(m.Attachments) > 0 {
		if err := s.keepFiles(ctx, m, p.Cmd == ""); err != nil {
			return err
		}
	}
	if p.Cmd == "" && len(m.Attachments) > 0 {
		// A photo without a command: it may belong to the sender's ticket of a
		// moment ago (WeChat sends the picture and the words separately).
		return s.run(ctx, m, string(m.ID), func(r *req) error {
			r.p = p
			return r.photoFollowup()
		})
	}
	if n, ok := voteNumber(p); ok && m.ChatKind == bot.Group {
		// "2" or "回复 2": a vote, if a numbered poll is open in the chat (poll.go).
		return s.run(ctx, m, string(m.ID), func(r *req) error {
			r.p = p
			return r.vote(n)
		})
	}
	if m.ChatKind == bot.Group && p.Cmd == "" && len(p.Refs) == 0 && m.ReplyTo == "" && !p.Mention && !m.MentionsBot {
		return s.notice(ctx, m)
	}
	return s.run(ctx, m, string(m.ID), func(r *req) error {
		r.p = p
		return r.dispatch()
	})
}

// keepFiles writes the message's photos and files under the data directory
// before its transaction (store.KeepFiles), so that the transaction, run
// again or rolled back, neither copies them twice nor leaves a copy behind.
// A bare photo (no command) is kept only when it can join a ticket the
// sender made in the chat in the last minutes: the others are the group's
// own and are not stored. Should that look miss a ticket,
// store.Tx.SaveAttachment still keeps the bytes, under the same name.
func (s *Service) keepFiles(ctx context.Context, m *bot.Message, bare bool) error {
	if s.cfg.DataDir == "" {
		return nil
	}
	if bare {
		wanted := false
		err := s.db.View(ctx, func(tx *store.Tx) error {
			chat, err := tx.ChatByKey(m.Platform, m.Chat)
			if err != nil || chat.Kind == bot.Group && !chat.Bound() {
				return err
			}
			me, err := tx.PersonByKey(m.Platform, m.Sender)
			if err != nil {
				return err
			}
			t, err := tx.LatestTicketBy(me.ID, chat.ID, tx.Now().Add(-PhotoWindow))
			wanted = err == nil && t != nil && t.Active()
			return err
		})
		if !wanted {
			if err != nil && store.ErrorCode(err) != store.ENOTFOUND {
				s.log.Warn("look for the ticket of a photo", "platform", m.Platform, "chat", m.Chat, "err", err)
			}
			return nil
		}
	}
	if err := store.KeepFiles(s.cfg.DataDir, m.Attachments); err != nil {
		return fmt.Errorf("handle message: %w", err)
	}
	return nil
}

// notice records who speaks in a bound group, at most once an hour per
// person and chat, so that managers can name them (/grant 张师傅) later. The
// message itself is not kept.
func (s *Service) notice(ctx context.Context, m *bot.Message) error {
	k := seenKey{m.Platform, m.Chat, m.Sender}
	now := time.Now()
	s.seenMu.Lock()
	last, ok := s.seen[k]
	if !ok || now.Sub(last) > time.Hour {
		if len(s.seen) >= 10000 {
			clear(s.seen)
		}
		s.seen[k] = now
	}
	s.seenMu.Unlock()
	if ok && now.Sub(last) <= time.Hour {
		return nil
	}
	return s.db.Update(ctx, func(tx *store.Tx) error {
		chat, err := tx.ChatByKey(m.Platform, m.Chat)
		if store.ErrorCode(err) == store.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		if !chat.Bound() {
			return nil
		}
		p, err := tx.SeePerson(store.Sighting{Platform: m.Platform, Key: m.Sender, Username: m.SenderUsername, Name: m.SenderName, Chat: chat})
		if err != nil {
			return err
		}
		return tellGranted(tx, s.cfg.Lang, p, m.WeakIdentity)
	})
}

// run handles a message in one transaction: the inbox entry, every state
// change and every reply commit together. When the handler fails, all of it is
// rolled back and the message is recorded with only a polite answer, so
// nothing is half-written and the sender still hears back.
//
// Messages handled at the same time share a transaction (store.DB.Batch:
// group commit): each runs in its own savepoint, so a failing one rolls back
// alone, and run returns only once the shared transaction has committed.
func (s *Service) run(ctx context.Context, m *bot.Message, msgKey string, fn func(*req) error) error {
	var failure error
	var after []func(context.Context)
	err := s.db.Batch(ctx, func(tx *store.Tx) error {
		// The group may run this again (alone) if the shared transaction fails.
		failure, after = nil, nil
		err := tx.Savepoint(func(tx *store.Tx) error {
			first, err := tx.FirstDelivery(m.Platform, m.Chat, bot.MessageID(msgKey))
			if err != nil || !first {
				return err
			}
			r, err := s.newReq(tx, m)
			if err != nil {
				return err
			}
			failure = fn(r)
			after = r.after
			return failure
		})
		if err == nil || errors.Is(err, errSkip) || failure == nil {
			// Done, nothing to do, or the transaction itself failed (the
			// platform may deliver the message again).
			return err
		}
		if _, fault := store.Fault(failure); fault {
			// The storage failed (disk full), not the message: answer
			// nothing; the adapter hands the message in again later.
			return failure
		}
		after = nil
		var ue *store.Error
		if !errors.As(failure, &ue) {
			s.log.Error("handle message", "platform", m.Platform, "chat", m.Chat, "msg", m.ID, "err", failure)
		}
		// The handler's writes are gone; record the message and answer it.
		first, err := tx.FirstDelivery(m.Platform, m.Chat, bot.MessageID(msgKey))
		if err != nil || !first {
			return err
		}
		r, err := s.newReq(tx, m)
		if err != nil {
			return err
		}
		text := r.errorText(failure)
		if m.Callback != nil {
			m.Callback.Answer = text
			return nil
		}
		return r.reply(text)
	})
	if errors.Is(err, errSkip) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, f := range after {
		f(ctx)
	}
	return nil
}

func (s *Service) newReq(tx *store.Tx, m *bot.Message) (*req, error) {
	chat, err := tx.SeeChat(m.Platform, m.Chat, m.ChatKind, m.ChatTitle)
	if err != nil {
		return nil, err
	}
	me, err := tx.SeePerson(store.Sighting{Platform: m.Platform, Key: m.Sender, Username: m.SenderUsername, Name: m.SenderName, Chat: chat})
	if err != nil {
		return nil, err
	}
	if err := tellGranted(tx, s.cfg.Lang, me, m.WeakIdentity); err != nil {
		return nil, err
	}
	r := &req{s: s, tx: tx, m: m, chat: chat, me: me, lang: s.cfg.Lang}
	if m.WeakIdentity && len(me.Memberships.Residents()) < len(me.Memberships) {
		// The platform cannot vouch that this is really them: act as a resident.
		weak := *me
		weak.Memberships = me.Memberships.Residents()
		r.me, r.unvouched = &weak, true
	}
	var commID int64
	switch {
	case chat.Kind == bot.Group && chat.Bound():
		commID, r.scope = chat.CommunityID, chat.CommunityID
	case chat.Kind == bot.Private:
		if commID, err = s.privateCommunity(tx, r.me, nil); err != nil {
			return nil, err
		}
	}
	if err := r.focusOn(commID); err != nil {
		return nil, err
	}
	return r, nil
}

// privateCommunity picks the community a private chat acts in, among the
// person's communities that keep (all when keep is nil): the one of the
// bound group they last wrote in (or chose with /community), else the
// first. A company-wide manager may act in any community. 0 when there is none.
func (s *Service) privateCommunity(tx *store.Tx, p *store.Person, keep func(int64) bool) (int64, error) {
	ids := p.Memberships.Communities()
	if p.Memberships.CompanyWide() {
		all, err := tx.Communities()
		if err != nil {
			return 0, err
		}
		ids = ids[:0]
		for _, c := range all {
			ids = append(ids, c.ID)
		}
	}
	var first int64
	for _, id := range ids {
		if keep != nil && !keep(id) {
			continue
		}
		if id == p.LastCommunityID {
			return id, nil
		}
		if first == 0 {
			first = id
		}
	}
	return first, nil
}

// focusOn makes the request act in a community (0: none): its language,
// and the sender's standing there.
func (r *req) focusOn(commID int64) error {
	r.comm, r.lang = nil, r.s.cfg.Lang
	if commID != 0 {
		c, err := r.tx.CommunityByID(commID)
		if err != nil {
			return err
		}
		r.setCommunity(c)
	}
	r.me = r.me.In(commID)
	return nil
}

// focusWhere moves a private request to one of the sender's communities
// where keep holds (a staff command to a community they work for, an admin
// command to one they manage), when the one it acts in does not.
func (r *req) focusWhere(keep func(int64) bool) error {
	if r.chat.Kind != bot.Private || (r.comm != nil && keep(r.comm.ID)) {
		return nil
	}
	id, err := r.s.privateCommunity(r.tx, r.me, keep)
	if err != nil || id == 0 {
		return err
	}
	return r.focusOn(id)
}

// allCommunities reports whether the sender manages every community
// (listings then span the company).
func (r *req) allCommunities() bool { return r.me.Memberships.CompanyWide() }

// managedCommunity is a community a manager named, if they manage it; one
// they do not manage is answered like one that does not exist.
func (r *req) managedCommunity(name string) (*store.Community, error) {
	c, err := r.tx.CommunityByName(name)
	if err != nil {
		return nil, err
	}
	if !r.me.Memberships.Manager(c.ID) {
		return nil, store.Errorf(store.ENOTFOUND, "no_community", strings.TrimSpace(name))
	}
	return c, nil
}

// managedCommunities lists the communities the sender manages ("all").
func (r *req) managedCommunities() ([]*store.Community, error) {
	all, err := r.tx.Communities()
	if err != nil {
		return nil, err
	}
	var out []*store.Community
	for _, c := range all {
		if r.me.Memberships.Manager(c.ID) {
			out = append(out, c)
		}
	}
	return out, nil
}

// tellGranted tells the managers who made the pending grants a sighting
// applied (p.Granted) that they now hold, in the community's language.
func tellGranted(tx *store.Tx, defLang string, p *store.Person, weak bool) error {
	for _, g := range p.Granted {
		by, err := tx.PersonByID(g.GrantedBy)
		if err != nil {
			return err
		}
		if by.PrivateChat == "" || by.Platform != p.Platform {
			continue
		}
		lang, where := defLang, ""
		if g.CommunityID != 0 {
			c, err := tx.CommunityByID(g.CommunityID)
			if err != nil {
				return err
			}
			lang, where = c.Lang, c.Name
		}
		if where == "" {
			where = i18n.T(lang, i18n.CommunityAll)
		}
		text := i18n.T(lang, i18n.GrantApplied, g.Ref(), p.Label(), where, i18n.T(lang, i18n.Role(g.Role)))
		if weak {
			text = lines(text, i18n.T(lang, i18n.GrantFriendRule, p.Label()))
		}
		if _, err := tx.Enqueue(store.Out{Platform: by.Platform, Chat: by.PrivateChat, Text: text}); err != nil {
			return err
		}
	}
	return nil
}

func (r *req) setCommunity(c *store.Community) {
	r.comm = c
	r.lang = c.Lang
}

// errorText is the one place that turns an error into what the user reads.
func (r *req) errorText(err error) string {
	var ue *store.Error
	if !errors.As(err, &ue) {
		return r.t(i18n.ErrInternal)
	}
	if ue.Code == store.EUNAUTHORIZED && r.unvouched {
		return r.t(i18n.ErrUnvouched, r.me.Label())
	}
	if ue.Key == "usage" {
		return r.t(i18n.ErrUsage, r.t(ue.Args[0].(i18n.Key)))
	}
	if ue.Key == "bad_transition" && len(ue.Args) == 3 {
		// Say why in words: the ticket's status, and what it cannot be now.
		action, _ := ue.Args[1].(string)
		status, _ := ue.Args[2].(string)
		why := r.t(i18n.Why(status))
		if action == string(store.ActRate) && status != store.StatusCancelled {
			return r.t(i18n.ErrRateNotYet, ue.Args[0], why)
		}
		return r.t(i18n.ErrBadTransition, ue.Args[0], r.t(i18n.Refused(action)), why)
	}
	if k, ok := i18n.Err(ue.Key); ok {
		return r.t(k, ue.Args...)
	}
	return r.t(i18n.ErrInternal)
}

func (r *req) t(k i18n.Key, args ...any) string { return i18n.T(r.lang, k, args...) }

// reply answers the message in its chat (threaded where the platform can).
func (r *req) reply(text string) error {
	_, err := r.tx.Enqueue(store.Out{Platform: r.m.Platform, Chat: r.m.Chat, Thread: r.m.Thread, ReplyTo: r.m.ID, Text: text})
	return err
}

// usage is a user error that shows a command's usage line.
func usage(line i18n.Key) error { return store.Errorf(store.EINVALID, "usage", line) }

// requireCommunity returns the request's community or a polite refusal.
func (r *req) requireCommunity() (*store.Community, error) {
	if r.comm == nil {
		return nil, store.Errorf(store.EINVALID, "no_community_set")
	}
	return r.comm, nil
}

// when formats a time in the community's zone and language.
func (r *req) when(t time.Time) string {
	return t.In(r.s.location(r.comm)).Format(r.t(i18n.TimeFormat))
}

func (s *Service) location(c *store.Community) *time.Location {
	if c != nil && c.TZ != "" {
		if loc, err := time.LoadLocation(c.TZ); err == nil {
			return loc
		}
	}
	return s.cfg.Location
}

// NotifyCommunityManagers is desk.NotifyCommunityManagers, for the
// commands that tell managers of something not about a ticket.
func NotifyCommunityManagers(tx *store.Tx, defLang string, communityID int64, text func(lang string) string) error {
	return desk.NotifyCommunityManagers(tx, defLang, communityID, text)
}

func truncate(s string, n int) string { return i18n.Clip(s, n) }
