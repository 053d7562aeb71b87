package commands

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// Account is an official account people follow (the property office's
// WeChat service account, 服务号): residents join a community by scanning
// the community's QR code, and the account has a menu. cmd/bot implements
// it over the platform; commands never imports the platform.
type Account interface {
	// Platform is the platform of the account's followers.
	Platform() bot.PlatformID
	// QRCode returns the image (PNG) of a permanent QR code whose scan
	// comes back as a join with scene (see JoinScene).
	QRCode(ctx context.Context, scene string) ([]byte, error)
	// SyncMenu replaces the account's menu with Linli's, in lang.
	SyncMenu(ctx context.Context, lang string) error
	// DeskURL is a ticket's page on the web desk, for staff notices ("":
	// none).
	DeskURL(ticketID int64) string
	// JoinScene returns the QR scene of a message that says someone
	// followed the account or scanned one of its codes ("" when they
	// followed without a code), and whether m is one.
	JoinScene(m *bot.Message) (string, bool)
}

// Menu keys of the account's click buttons: a press comes back as a
// Callback whose Data is one of these.
const (
	MenuKeyRepair  = "menu:repair"
	MenuKeyMine    = "menu:mine"
	MenuKeyNotices = "menu:notices"
	MenuKeySuggest = "menu:suggest"
)

// accountTimeout bounds the account's API calls of one command.
const accountTimeout = 30 * time.Second

// scenePrefix starts the QR scene of a community: "community:12". The id,
// not the name, so that a poster outlives a rename. Scenes are persisted
// on printed posters: never change the format.
const scenePrefix = "community:"

// CommunityScene is the QR scene that joins a community.
func CommunityScene(communityID int64) string {
	return scenePrefix + strconv.FormatInt(communityID, 10)
}

// sceneCommunity parses a scene; 0 when it names no community.
func sceneCommunity(scene string) int64 {
	rest, ok := strings.CutPrefix(scene, scenePrefix)
	if !ok {
		return 0
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// onAccount reports whether m came through the service account.
func (s *Service) onAccount(m *bot.Message) bool {
	return s.cfg.Account != nil && m.Platform == s.cfg.Account.Platform()
}

// joined handles a follow or a scan of the account's QR code: a community's
// code makes the follower a resident member of it. A follow also makes a
// chat that had gone (an unfollow) active again.
func (s *Service) joined(ctx context.Context, m *bot.Message, scene string) error {
	return s.run(ctx, m, string(m.ID), func(r *req) error {
		if !r.chat.Active {
			if err := r.tx.SetChatActive(r.chat.ID, true, ""); err != nil {
				return err
			}
		}
		if scene == "" {
			if r.me.Memberships.Belongs() {
				return r.reply(r.t(i18n.AccountWelcomeBack))
			}
			return r.reply(r.t(i18n.AccountWelcome))
		}
		id := sceneCommunity(scene)
		if id == 0 {
			return r.reply(r.t(i18n.AccountBadCode))
		}
		c, err := r.tx.CommunityByID(id)
		if store.ErrorCode(err) == store.ENOTFOUND {
			return r.reply(r.t(i18n.AccountBadCode))
		} else if err != nil {
			return err
		}
		if _, err := r.tx.Grant(r.me.ID, c.ID, store.RoleResident, 0); err != nil {
			return err
		}
		if err := r.tx.SetLastCommunity(r.me.ID, c.ID); err != nil {
			return err
		}
		r.lang = i18n.Normalize(c.Lang)
		return r.reply(r.t(i18n.AccountJoined, c.Name))
	})
}

// qrcode answers a community's QR code for lobby posters:
// /qrcode COMMUNITY (a manager of it, in a private chat). The code is made
// after the command's transaction commits (an API call must not hold the
// write lock) and answered in a second one; if the account cannot make it,
// the manager hears why.
func (r *req) qrcode() error {
	acc := r.s.cfg.Account
	if acc == nil {
		return store.Errorf(store.EINVALID, "no_account")
	}
	name := strings.TrimSpace(r.p.Args)
	if name == "" {
		return usage(i18n.UsageQRCode)
	}
	c, err := r.managedCommunity(name)
	if err != nil {
		return err
	}
	out := store.Out{Platform: r.m.Platform, Chat: r.m.Chat, Thread: r.m.Thread, ReplyTo: r.m.ID}
	lang, comm := r.lang, *c
	r.afterCommit(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, accountTimeout)
		defer cancel()
		png, err := acc.QRCode(ctx, CommunityScene(comm.ID))
		if err == nil {
			var path string
			path, err = r.s.saveQRCode(comm.ID, png)
			out.Text = i18n.T(lang, i18n.AccountQRCode, comm.Name)
			out.Attachment = &store.OutAttachment{Kind: "photo", Path: path, Name: fmt.Sprintf("qrcode-%d.png", comm.ID)}
		}
		if err != nil {
			r.s.log.Error("qrcode", "community", comm.ID, "err", err)
			out.Text, out.Attachment = i18n.T(lang, i18n.AccountQRCodeFailed, comm.Name), nil
		}
		if err := r.s.db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Enqueue(out)
			return err
		}); err != nil {
			r.s.log.Error("qrcode reply", "err", err)
		}
	})
	return nil
}

// saveQRCode keeps a community's QR code under the data directory, where
// the outbox reads it when the answer is sent.
func (s *Service) saveQRCode(communityID int64, png []byte) (string, error) {
	dir := filepath.Join(s.cfg.DataDir, "qrcodes")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("qrcode dir: %w", err)
	}
	path := filepath.Join(dir, fmt.Sprintf("community-%d.png", communityID))
	if err := os.WriteFile(path, png, 0o600); err != nil {
		return "", fmt.Errorf("save qrcode: %w", err)
	}
	return path, nil
}

// menu sets the account's menu: /menu sync (a manager, in a private chat).
func (r *req) menu() error {
	acc := r.s.cfg.Account
	if acc == nil {
		return store.Errorf(store.EINVALID, "no_account")
	}
	if f := Fields(r.p.Args); len(f) != 1 || (f[0] != "sync" && f[0] != "同步") {
		return usage(i18n.UsageMenu)
	}
	out := store.Out{Platform: r.m.Platform, Chat: r.m.Chat, Thread: r.m.Thread, ReplyTo: r.m.ID}
	lang, menuLang := r.lang, r.s.cfg.Lang
	r.afterCommit(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, accountTimeout)
		defer cancel()
		out.Text = i18n.T(lang, i18n.AccountMenuSynced)
		if err := acc.SyncMenu(ctx, menuLang); err != nil {
			r.s.log.Error("menu sync", "err", err)
			out.Text = i18n.T(lang, i18n.AccountMenuFailed)
		}
		if err := r.s.db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Enqueue(out)
			return err
		}); err != nil {
			r.s.log.Error("menu sync reply", "err", err)
		}
	})
	return nil
}

// menuClick answers a press on a click button of the account's menu.
func (s *Service) menuClick(ctx context.Context, m *bot.Message) error {
	key := m.Callback.Data
	return s.run(ctx, m, "cb:"+m.Callback.ID, func(r *req) error {
		switch key {
		case MenuKeyMine, MenuKeyNotices:
			r.p = Parsed{Cmd: Command(strings.TrimPrefix(key, "menu:")), Form: FormSlash}
			return r.dispatch()
		case MenuKeySuggest:
			return r.reply(r.t(i18n.AccountMenuSuggest))
		}
		if !r.me.Memberships.Belongs() {
			return r.reply(r.t(i18n.AccountWelcome))
		}
		return r.reply(r.t(i18n.AccountMenuRepair))
	})
}

// notifyAccountStaff tells the staff and managers of a new ticket's
// community who follow the service account, privately: the account has no
// groups, so its staff hear of tickets one by one, with a link to the web
// desk, and answer with "#12 …" (within their 48-hour window).
func (r *req) notifyAccountStaff(t *store.Ticket) error {
	acc := r.s.cfg.Account
	if acc == nil {
		return nil
	}
	hs, err := r.tx.RoleHolders([]int64{t.CommunityID})
	if err != nil {
		return err
	}
	p := acc.Platform()
	seen := map[int64]bool{}
	for _, h := range hs {
		ps := h.Person
		if h.CommunityID != t.CommunityID || ps.Platform != p || ps.PrivateChat == "" || seen[ps.ID] || ps.ID == t.ReporterID {
			continue
		}
		seen[ps.ID] = true
		card, err := r.s.desk.StaffCard(r.tx, t, p)
		if err != nil {
			return err
		}
		text := lines(card, r.t(i18n.AccountStaffHint, t.ID))
		if u := acc.DeskURL(t.ID); u != "" {
			text = lines(text, r.t(i18n.AccountStaffDesk, u))
		}
		if _, err := r.tx.Enqueue(store.Out{Platform: p, Chat: ps.PrivateChat, Text: text, TicketID: t.ID, LinkRole: "staff_card"}); err != nil {
			return err
		}
	}
	return nil
}
