package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/linli/linli/board"
	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// boardMinAge debounces refreshes caused by commands: a pinned board edited
// less than this ago waits for the board job, which runs every minute.
const boardMinAge = time.Minute

// boardCommands change what the board shows: tickets, announcements,
// activities (sign-up counts too) and meetings. "" is a comment on a ticket,
// which may be its first response.
var boardCommands = map[Command]bool{
	"": true, "repair": true, "complain": true, "take": true, "assign": true, "progress": true, "hold": true,
	"resolve": true, "reopen": true, "cancel": true, "rate": true, "announce": true, "activity": true,
	"meeting": true, "join": true, "metoo": true,
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
	body, err := board.Body(r.tx, comm, loc)
	if err != nil {
		return err
	}
	return r.reply(board.Text(comm.Lang, i18n.BoardTitle, comm, loc, body, r.tx.Now()))
}

// noticesDigest shows or sets the time of the daily board (for the
// platforms with the board.Daily style), in each community's own time zone.
func (r *req) noticesDigest(arg string) error {
	if !r.me.IsManager() {
		return store.Errorf(store.EUNAUTHORIZED, "not_manager")
	}
	if r.chat.Kind == bot.Group {
		return store.Errorf(store.EUNAUTHORIZED, "admin_private")
	}
	arg = strings.TrimSpace(arg)
	if arg == "" {
		cur, err := board.DigestTime(r.tx)
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
		if err := board.SetDigestTime(r.tx, "off"); err != nil {
			return err
		}
		return r.reply(r.t(i18n.DigestOff))
	}
	h, m, ok := board.ParseClock(foldWidth(arg))
	if !ok {
		return store.Errorf(store.EINVALID, "bad_digest_time", truncate(arg, 20))
	}
	v := fmt.Sprintf("%02d:%02d", h, m)
	if err := board.SetDigestTime(r.tx, v); err != nil {
		return err
	}
	return r.reply(r.t(i18n.DigestSet, v))
}

// touchBoard passes err on; when a command that changes what boards show
// succeeded, the pinned boards are refreshed once it has committed, in the
// background (board.Queue: a burst of tickets refreshes them once a second).
func (r *req) touchBoard(err error) error {
	if err != nil || !boardCommands[r.p.Cmd] || !r.s.boards().Has(board.Pinned) {
		return err
	}
	// Only the community the command touched: its boards are the ones that
	// can show something new (the board job still checks them all).
	// A command in a private chat (an announcement to "all") may touch any.
	var comm int64
	if r.comm != nil && r.chat.Kind == bot.Group {
		comm = r.comm.ID
	}
	r.afterCommit(func(context.Context) { r.s.boardQ.Request(comm) })
	return nil
}

func (s *Service) boards() board.Options {
	return board.Options{Styles: s.cfg.Boards, Location: s.cfg.Location, MinAge: boardMinAge}
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
	if err := s.db.View(ctx, func(tx *store.Tx) (err error) { due, err = board.Refresh(tx, o); return }); err != nil {
		s.log.Error("check boards", "err", err)
		return
	}
	if due == 0 {
		return
	}
	o.DryRun = false
	if err := s.db.Update(ctx, func(tx *store.Tx) error { _, err := board.Refresh(tx, o); return err }); err != nil {
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
