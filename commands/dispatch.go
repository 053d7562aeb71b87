package commands

import (
	"context"
	"strconv"
	"strings"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// Who may use a command.
type access int

const (
	anyone  access = iota
	staff          // staff or manager
	manager        // manager, in a private chat
	binder         // manager, in the group being bound
	company        // manager of every community, in a private chat (the bot's own workings)
)

type spec struct {
	run    func(r *req) error
	access access
	// privateOnly refuses the command in groups (with a hint) for everyone.
	privateOnly bool
}

// specs is the command table: every command is listed here, nothing registers
// itself at run time.
var specs = map[Command]spec{
	"repair":      {run: func(r *req) error { return r.newTicket(store.KindRepair) }},
	"complain":    {run: func(r *req) error { return r.newTicket(store.KindComplaint) }},
	"status":      {run: (*req).status},
	"mine":        {run: (*req).mine},
	"cancel":      {run: (*req).cancel},
	"rate":        {run: (*req).rate},
	"help":        {run: (*req).help},
	"whoami":      {run: (*req).whoami},
	"community":   {run: (*req).community, privateOnly: true},
	"roles":       {run: (*req).roles, access: manager},
	"take":        {run: (*req).take, access: staff},
	"assign":      {run: (*req).assign, access: staff},
	"progress":    {run: (*req).progress, access: staff},
	"hold":        {run: (*req).hold, access: staff},
	"resolve":     {run: (*req).resolve, access: staff},
	"reopen":      {run: (*req).reopen},
	"tickets":     {run: (*req).tickets, access: staff},
	"bind":        {run: (*req).bind, access: binder},
	"unbind":      {run: (*req).unbind, access: binder},
	"grant":       {run: (*req).grant, access: manager},
	"revoke":      {run: (*req).revoke, access: manager},
	"sla":         {run: (*req).sla, access: manager},
	"outbox":      {run: (*req).outbox, access: company}, // lists what every community was sent
	"suggest":     {run: (*req).suggestInGroup},          // private chats take Service.suggest
	"receipt":     {run: (*req).receipt},
	"suggestions": {run: (*req).suggestions, access: staff},
	"answer":      {run: (*req).answer, access: staff},
	"note":        {run: (*req).note, access: staff},
	"merge":       {run: (*req).merge, access: staff},
	"metoo":       {run: (*req).metoo},
	"volunteer":   {run: (*req).volunteer},
	"volunteers":  {run: (*req).volunteers, access: manager},
	"schedule":    {run: (*req).schedule, access: manager},
	"announce":    {run: (*req).announce, access: manager},
	"jobs":        {run: (*req).jobs, access: manager},
	"runjob":      {run: (*req).runjob, access: manager},
	"activity":    {run: (*req).activity, access: manager},
	"meeting":     {run: (*req).meeting, access: manager},
	"expense":     {run: (*req).expense, access: manager},
	"report":      {run: (*req).report, access: manager},
	"kpi":         {run: (*req).kpi, access: manager},
	"export":      {run: (*req).export, access: manager},
	"join":        {run: (*req).join},
	"agenda":      {run: (*req).agenda},
	"notices":     {run: (*req).notices},
	"poll":        {run: (*req).poll, access: manager},
	"survey":      {run: (*req).survey, access: manager},
	"qrcode":      {run: (*req).qrcode, access: manager},
	"menu":        {run: (*req).menu, access: manager},
	"web":         {run: (*req).web, access: staff},
}

// strangerCommands are what someone who belongs to no community may use in
// a private chat; anything else gets the explanation of how to join one.
var strangerCommands = map[Command]bool{"whoami": true, "receipt": true}

// dispatch routes a parsed message: a command, a comment on a ticket, or nothing.
func (r *req) dispatch() error {
	group := r.chat.Kind == bot.Group
	roles := r.me.Memberships
	// Groups nobody bound are ignored, except a manager binding them.
	if group && !r.chat.Bound() && !(r.p.Cmd == "bind" && roles.AnyManager()) {
		return errSkip
	}
	if !group && !roles.Belongs() && !strangerCommands[r.p.Cmd] {
		// A stranger: nothing is filed, followed or shown.
		if r.s.onAccount(r.m) {
			return r.reply(r.t(i18n.AccountWelcome)) // how to join: the lobby's QR code
		}
		return r.reply(r.t(i18n.StrangerPrivate))
	}
	if r.p.Cmd == "" {
		return r.touchBoard(r.noCommand())
	}
	sp, ok := specs[r.p.Cmd]
	if !ok {
		// Unknown commands in groups may be meant for another bot.
		if group && !r.p.Mention && !r.m.MentionsBot {
			return errSkip
		}
		if r.p.Cmd == unknown {
			return store.Errorf(store.EINVALID, "unknown_command")
		}
		// A known command of a feature this build does not have yet.
		return store.Errorf(store.EINVALID, "unknown_command")
	}
	// In a group, roles count only in the group's community (r.me stands
	// there); in a private chat, a role anywhere lets the command run, in a
	// community where the sender holds it, and each ticket is checked
	// against its own community (store.TicketFor).
	switch sp.access {
	case staff:
		if group && !r.me.IsStaff() || !group && !roles.AnyStaff() {
			return store.Errorf(store.EUNAUTHORIZED, "not_staff")
		}
		if err := r.focusWhere(roles.Staff); err != nil {
			return err
		}
	case manager:
		if !roles.AnyManager() {
			return store.Errorf(store.EUNAUTHORIZED, "not_manager")
		}
		if group {
			return store.Errorf(store.EUNAUTHORIZED, "admin_private")
		}
		if err := r.focusWhere(roles.Manager); err != nil {
			return err
		}
	case company:
		if !roles.AnyManager() {
			return store.Errorf(store.EUNAUTHORIZED, "not_manager")
		}
		if !roles.CompanyWide() {
			return store.Errorf(store.EUNAUTHORIZED, "not_company_manager")
		}
		if group {
			return store.Errorf(store.EUNAUTHORIZED, "admin_private")
		}
	case binder:
		if !roles.AnyManager() {
			return store.Errorf(store.EUNAUTHORIZED, "not_manager")
		}
		if !group {
			return store.Errorf(store.EINVALID, "bind_in_group")
		}
	}
	if sp.privateOnly && group {
		return store.Errorf(store.EINVALID, "private_only")
	}
	return r.touchBoard(sp.run(r))
}

// noCommand handles text that is no command: a reply to a ticket's message or
// a "#12" reference is a comment on that ticket; a bare message in a private
// chat gets a short hint.
func (r *req) noCommand() error {
	var ticketID int64
	if r.m.ReplyTo != "" {
		id, err := r.tx.TicketByMessage(r.m.Platform, r.m.Chat, r.m.ReplyTo)
		if err != nil {
			return err
		}
		ticketID = id
	}
	if ticketID == 0 && len(r.p.Refs) > 0 {
		ticketID = r.p.Refs[0]
	}
	if ticketID == 0 {
		// A reply to a digest names the ticket it is about, or is asked to.
		if asked, err := r.askWhich(); asked || err != nil {
			return err
		}
	}
	if ticketID != 0 {
		return r.comment(ticketID, r.p.Args, ticketID == firstRef(r.p.Refs) && r.m.ReplyTo == "")
	}
	if r.chat.Kind == bot.Private {
		return r.help()
	}
	return errSkip
}

func firstRef(refs []int64) int64 {
	if len(refs) == 0 {
		return 0
	}
	return refs[0]
}

// handleCallback turns a button press into the command it stands for.
// Button data: "t:12:take", "t:12:resolve", "t:12:reopen", "rate:12:5".
func (s *Service) handleCallback(ctx context.Context, m *bot.Message) error {
	if s.onAccount(m) && strings.HasPrefix(m.Callback.Data, "menu:") {
		return s.menuClick(ctx, m)
	}
	parts := strings.Split(m.Callback.Data, ":")
	var p Parsed
	switch {
	case len(parts) == 3 && parts[0] == "t":
		p = Parsed{Cmd: Command(parts[2]), Args: parts[1], Form: FormSlash}
	case len(parts) == 3 && parts[0] == "rate":
		p = Parsed{Cmd: "rate", Args: parts[1] + " " + parts[2], Form: FormSlash}
	default:
		m.Callback.Answer = "?"
		return nil
	}
	switch p.Cmd {
	case "take", "resolve", "reopen", "rate":
	default:
		m.Callback.Answer = "?"
		return nil
	}
	return s.run(ctx, m, "cb:"+m.Callback.ID, func(r *req) error {
		r.p = p
		r.m.ReplyTo = "" // the answer goes to the card's chat, not as a reply
		if err := r.dispatch(); err != nil {
			return err
		}
		m.Callback.Answer = r.toast
		return nil
	})
}

// handleEvent reacts to chat events: the bot added to or removed from a
// group, a group that moved to a new id, a renamed group.
func (s *Service) handleEvent(ctx context.Context, m *bot.Message) error {
	if s.onAccount(m) {
		if scene, ok := s.cfg.Account.JoinScene(m); ok {
			return s.joined(ctx, m, scene)
		}
	}
	return s.db.Update(ctx, func(tx *store.Tx) error {
		switch m.Event {
		case bot.EventBotAdded:
			chat, err := tx.SeeChat(m.Platform, m.Chat, bot.Group, m.ChatTitle)
			if err != nil {
				return err
			}
			if err := tx.SetChatActive(chat.ID, true, ""); err != nil {
				return err
			}
			if chat.Bound() {
				return nil
			}
			// A new group belongs to no community yet: the company-wide
			// managers hear of it, in a digest (added.go: a stranger may add
			// the bot to any number of groups), and whoever added the bot at
			// once if they manage a community (they will want to bind it).
			text := func(lang string) string { return i18n.T(lang, i18n.AddedToGroup, chat.Title, chat.Key) }
			if err := s.addedToGroup(tx, chat); err != nil {
				return err
			}
			return s.tellAdder(tx, m, text)
		case bot.EventBotRemoved:
			chat, err := tx.ChatByKey(m.Platform, m.Chat)
			if store.ErrorCode(err) == store.ENOTFOUND {
				return nil
			} else if err != nil {
				return err
			}
			if err := tx.SetChatActive(chat.ID, false, "bot removed"); err != nil {
				return err
			}
			if !chat.Bound() {
				return nil
			}
			return NotifyCommunityManagers(tx, s.cfg.Lang, chat.CommunityID, func(lang string) string {
				return i18n.T(lang, i18n.RemovedFromGroup, chat.Title, chat.Key)
			})
		case bot.EventMigrated:
			if _, err := tx.ChatByKey(m.Platform, m.Chat); store.ErrorCode(err) == store.ENOTFOUND {
				return nil
			}
			return tx.MoveChat(m.Platform, m.Chat, m.NewChat)
		case bot.EventRenamed:
			// Platforms that key groups by name (WeChat) report the new name as
			// NewChat: the binding and links follow it.
			if m.NewChat != "" && m.NewChat != m.Chat {
				if _, err := tx.ChatByKey(m.Platform, m.Chat); err == nil {
					if err := tx.MoveChat(m.Platform, m.Chat, m.NewChat); err != nil {
						return err
					}
				}
				_, err := tx.SeeChat(m.Platform, m.NewChat, bot.Group, m.ChatTitle)
				return err
			}
			_, err := tx.SeeChat(m.Platform, m.Chat, bot.Group, m.ChatTitle)
			return err
		}
		return nil
	})
}

// tellAdder tells the person who added the bot to a group, if they manage
// a community but not every one (those heard already), privately.
func (s *Service) tellAdder(tx *store.Tx, m *bot.Message, text func(lang string) string) error {
	if m.Sender == "" {
		return nil
	}
	p, err := tx.PersonByKey(m.Platform, m.Sender)
	if store.ErrorCode(err) == store.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if p.Memberships, err = tx.Memberships(p.ID); err != nil {
		return err
	}
	if !p.Memberships.AnyManager() || p.Memberships.CompanyWide() || p.PrivateChat == "" {
		return nil
	}
	lang := s.cfg.Lang
	if ids := p.Memberships.Communities(); len(ids) > 0 {
		if c, err := tx.CommunityByID(ids[0]); err == nil {
			lang = c.Lang
		}
	}
	_, err = tx.Enqueue(store.Out{Platform: p.Platform, Chat: p.PrivateChat, Text: text(lang)})
	return err
}

// ticketArg parses the ticket number at the start of args and returns it with the rest.
func (r *req) ticketArg(args string) (int64, string, error) {
	f := strings.Fields(args)
	if len(f) == 0 {
		return 0, "", store.Errorf(store.EINVALID, "no_ticket_number", string(r.p.Cmd))
	}
	id, err := ParseTicketNumber(f[0])
	if err != nil {
		return 0, "", store.Errorf(store.EINVALID, "bad_ticket_number", truncate(f[0], 20))
	}
	rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(args), f[0]))
	return id, rest, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
