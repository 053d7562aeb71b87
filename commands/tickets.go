package commands

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/desk"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// newTicket files a repair or complaint from the message (desk.File): the
// resident's card answers it, the staff groups get a staff card.
func (r *req) newTicket(kind string) error {
	text := r.p.Args
	if strings.TrimSpace(text) == "" {
		return store.Errorf(store.EINVALID, "empty_ticket", r.t(i18n.Tag(kind)))
	}
	if err := store.CheckTicketText(text); err != nil {
		return err
	}
	comm, err := r.requireCommunity()
	if err != nil {
		return err
	}
	n, err := r.tx.CountRecentTickets(r.me.ID, r.tx.Now().Add(-r.s.cfg.ThrottleWindow))
	if err != nil {
		return err
	}
	if n >= r.s.cfg.ThrottleCount {
		return store.Errorf(store.EINVALID, "throttled", n)
	}
	o, err := r.s.desk.File(r.tx, r.actor(), desk.Filing{Kind: kind, Text: text, Community: comm, Chat: r.chat,
		MsgID: r.m.ID, Thread: r.m.Thread, Attachments: r.m.Attachments})
	if err != nil {
		return err
	}
	return r.notifyAccountStaff(o.Ticket)
}

// actor is the sender as the desk sees them: who, in which community's
// group (or privately), in which chat, by a button or not.
func (r *req) actor() desk.Actor {
	w := desk.InGroup
	if r.chat.Kind == bot.Private {
		w = desk.InPrivate
	}
	return desk.Actor{Person: r.me, Scope: r.scope, Where: w, Platform: r.m.Platform, Chat: r.m.Chat, Button: r.m.Callback != nil}
}

// act has the desk apply a change for the sender and answers them with its
// outcome: a toast for a button, a reply otherwise.
func (r *req) act(id int64, c desk.Change) error {
	o, err := r.s.desk.Act(r.tx, r.actor(), id, c)
	if err != nil {
		return err
	}
	return r.tell(o)
}

// tell answers the sender with what came of an action.
func (r *req) tell(o desk.Outcome) error {
	if o.Reply() {
		return r.reply(o.Answer(r.lang))
	}
	return r.ack(o.Answer(r.lang))
}

func (r *req) kindName(t *store.Ticket) string { return r.t(i18n.Kind(t.Kind)) }

// person returns someone by id: the sender without a query.
func (r *req) person(id int64) (*store.Person, error) {
	if r.me != nil && id == r.me.ID && !r.unvouched {
		return r.me, nil
	}
	return r.tx.PersonByID(id)
}

// personArg resolves a PERSON argument; with none, a command sent as a reply
// names the author of the replied-to message. It returns nil when neither names anyone.
func (r *req) personArg(ref string, communityID int64) (*store.Person, error) {
	if strings.TrimSpace(ref) != "" {
		return r.tx.FindPerson(r.m.Platform, communityID, ref)
	}
	if r.m.ReplyToSender == "" {
		return nil, nil
	}
	return r.tx.SeePerson(store.Sighting{Platform: r.m.Platform, Key: r.m.ReplyToSender, Name: r.m.ReplyToSenderName})
}

// ticketFor loads a ticket for the sender and what they may do with it.
// It is the one way commands read a ticket: store.TicketFor applies the
// rule (store.Access) with the sender's memberships and, in a group, the
// group's community as the only one. A ticket they may not see is "no
// ticket #N", as for a number no ticket has.
func (r *req) ticketFor(id int64) (*store.Ticket, store.TicketAccess, error) {
	return r.s.desk.Ticket(r.tx, r.actor(), id)
}

// staffTicket is ticketFor for the staff's commands: the sender must work
// for the ticket's community.
func (r *req) staffTicket(id int64) (*store.Ticket, error) {
	t, acc, err := r.ticketFor(id)
	if err != nil {
		return nil, err
	}
	if !acc.Staff {
		return nil, store.Errorf(store.EUNAUTHORIZED, "not_staff")
	}
	return t, nil
}

// reporterTicket is ticketFor for what only the reporter may do (and,
// with staff set, the ticket's staff too).
func (r *req) reporterTicket(id int64, staff bool) (*store.Ticket, store.TicketAccess, error) {
	t, acc, err := r.ticketFor(id)
	if err != nil {
		return nil, acc, err
	}
	if !acc.Reporter && !(staff && acc.Staff) {
		return nil, acc, store.Errorf(store.EUNAUTHORIZED, "not_reporter")
	}
	return t, acc, nil
}

// argID is the ticket number the command's first word gives (what follows
// is ignored).
func (r *req) argID() (int64, error) {
	id, _, err := r.ticketArg(r.p.Args)
	return id, err
}

// ticketWithNote reads a staff command's "N text": the ticket and the text
// after its number. Without a text, the answer is noteUsage, the command's
// usage line; the zero Key makes the text optional. A text given is checked
// like a ticket's.
func (r *req) ticketWithNote(noteUsage i18n.Key) (*store.Ticket, string, error) {
	id, note, err := r.ticketArg(r.p.Args)
	if err != nil {
		return nil, "", err
	}
	if note == "" && noteUsage != (i18n.Key{}) {
		return nil, "", usage(noteUsage)
	}
	if note != "" {
		if err := store.CheckTicketText(note); err != nil {
			return nil, "", err
		}
	}
	t, err := r.staffTicket(id)
	if err != nil {
		return nil, "", err
	}
	return t, note, nil
}

// ack confirms a staff action: a toast for a button press, a reply otherwise.
func (r *req) ack(text string) error {
	if r.m.Callback != nil {
		r.toast = text
		return nil
	}
	return r.reply(text)
}

func (r *req) take() error {
	id, err := r.argID()
	if err != nil {
		return err
	}
	return r.act(id, desk.Change{Action: store.ActTake})
}

func (r *req) assign() error {
	id, who, err := r.ticketArg(r.p.Args)
	if err != nil {
		return err
	}
	t, err := r.staffTicket(id)
	if err != nil {
		return err
	}
	a, err := r.personArg(who, t.CommunityID)
	if err != nil {
		return err
	}
	if a == nil {
		return usage(i18n.UsageAssign)
	}
	return r.act(t.ID, desk.Change{Action: store.ActAssign, Assignee: a})
}

func (r *req) progress() error {
	t, text, err := r.ticketWithNote(i18n.UsageProgress)
	if err != nil {
		return err
	}
	return r.act(t.ID, desk.Change{Action: store.ActProgress, Note: text})
}

func (r *req) hold() error {
	t, reason, err := r.ticketWithNote(i18n.UsageHold)
	if err != nil {
		return err
	}
	return r.act(t.ID, desk.Change{Action: store.ActHold, Note: reason})
}

func (r *req) resolve() error {
	t, note, err := r.ticketWithNote(i18n.Key{})
	if err != nil {
		return err
	}
	return r.act(t.ID, desk.Change{Action: store.ActResolve, Note: note})
}

func (r *req) reopen() error {
	id, err := r.argID()
	if err != nil {
		return err
	}
	return r.act(id, desk.Change{Action: store.ActReopen})
}

func (r *req) cancel() error {
	id, err := r.argID()
	if err != nil {
		return err
	}
	return r.act(id, desk.Change{Action: store.ActCancel})
}

// rate stores a 1–5 rating and closes the ticket. "/rate 12 5 great" names
// the ticket; a bare "评分 5" rates the sender's latest resolved ticket.
func (r *req) rate() error {
	f := strings.Fields(r.p.Args)
	var t *store.Ticket
	var scoreText, comment string
	switch {
	case r.p.Form == FormBare || len(f) == 1:
		if len(f) == 0 {
			return usage(i18n.UsageRate)
		}
		// Their own, but in a group only the group's community's.
		unrated, err := r.tx.UnratedByReporter(r.me.ID, 10)
		if err != nil {
			return err
		}
		var mine []*store.Ticket
		for _, u := range unrated {
			if own, _, err := r.reporterTicket(u.ID, false); err == nil {
				mine = append(mine, own)
			} else if store.ErrorCode(err) == "" {
				return err
			}
		}
		switch len(mine) {
		case 0:
			if r.p.Form == FormBare {
				// "评分 5" from someone who never filed a ticket is chatter.
				filed, err := r.tx.Tickets(store.TicketFilter{ReporterID: r.me.ID, Limit: 1})
				if err != nil {
					return err
				}
				if len(filed) == 0 {
					return errSkip
				}
			}
			return r.reply(r.t(i18n.RateNothing))
		case 1:
		default:
			// Two or more: which one is meant is the resident's to say.
			var ls []string
			for _, m := range mine {
				ls = append(ls, r.t(i18n.TicketsLine, m.ID, r.kindName(m), r.t(i18n.Status(m.Status)), truncate(m.Text, 30)))
			}
			return r.reply(lines(r.t(i18n.RateWhich, len(mine)), strings.Join(ls, "\n"), r.t(i18n.RateWhichHow, mine[0].ID, truncate(f[0], 5))))
		}
		latest := mine[0]
		t, scoreText = latest, f[0]
		comment = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(r.p.Args), f[0]))
	case len(f) >= 2:
		id, err := ParseTicketNumber(f[0])
		if err != nil {
			return store.Errorf(store.EINVALID, "bad_ticket_number", truncate(f[0], 20))
		}
		if t, _, err = r.reporterTicket(id, false); err != nil {
			return err
		}
		scoreText = f[1]
		rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(r.p.Args), f[0]))
		comment = strings.TrimSpace(strings.TrimPrefix(rest, f[1]))
	default:
		return usage(i18n.UsageRate)
	}
	score, err := strconv.Atoi(foldWidth(scoreText))
	if err != nil || score < 1 || score > 5 {
		return store.Errorf(store.EINVALID, "bad_rating", t.ID)
	}
	if comment != "" {
		if err := store.CheckTicketText(comment); err != nil {
			return err
		}
	}
	return r.act(t.ID, desk.Change{Action: store.ActRate, Rating: score, Note: comment})
}

// merge folds duplicates into a ticket: "/merge 12 13 14" (13 and 14 go
// into 12). The desk checks that all are active tickets of one community
// the sender works for.
func (r *req) merge() error {
	f := strings.Fields(r.p.Args)
	if len(f) < 2 {
		return usage(i18n.UsageMerge)
	}
	var ids []int64
	for _, w := range f {
		id, err := ParseTicketNumber(w)
		if err != nil {
			return store.Errorf(store.EINVALID, "bad_ticket_number", truncate(w, 20))
		}
		ids = append(ids, id)
	}
	return r.act(ids[0], desk.Change{Action: desk.ActMerge, Merge: ids[1:]})
}

// comment records a reply on a ticket: staff answers are relayed to the
// resident's thread; the reporter's follow-ups go to the staff groups.
// Anyone else's "#12 …" is chatter, not a comment.
func (r *req) comment(id int64, text string, viaRef bool) error {
	text = stripLeadingRef(text)
	if strings.TrimSpace(text) == "" {
		return errSkip
	}
	t, acc, err := r.ticketFor(id)
	if store.ErrorCode(err) == store.ENOTFOUND {
		if r.me.IsStaff() || (r.chat.Kind == bot.Private && r.me.Memberships.AnyStaff()) {
			return err // staff meant a ticket: tell them there is none
		}
		return errSkip // "#3 …" from a resident: not about a ticket of theirs
	} else if err != nil {
		return err
	}
	staffReply := acc.Staff && !acc.Reporter
	if !staffReply && !acc.Reporter {
		if r.chat.Role == store.RoleStaffChat && r.m.ReplyTo != "" {
			// Someone in the staff group not (yet) granted staff answers a
			// card: tell them why it goes nowhere, rather than drop it.
			comm, err := r.tx.CommunityByID(t.CommunityID)
			if err != nil {
				return err
			}
			return r.reply(r.t(i18n.NotStaffReply, r.me.Label(), comm.Name, r.me.Label()))
		}
		return errSkip // someone else's ticket: chatter, not a comment
	}
	if staffReply {
		if rest, ok := staffNote(text); ok {
			// "!…": a note for the staff, not an answer to the resident.
			return r.addNote(t, rest)
		}
	}
	o, err := r.s.desk.Act(r.tx, r.actor(), t.ID, desk.Change{Action: store.ActComment, Note: text})
	if err != nil {
		return err
	}
	if r.m.ID != "" && !o.Unchanged {
		if err := r.tx.LinkMessage(r.m.Platform, r.m.Chat, r.m.ID, t.ID, "comment"); err != nil {
			return err
		}
	}
	return r.tell(o)
}

// note records a staff-only note: /note N TEXT.
func (r *req) note() error {
	t, text, err := r.ticketWithNote(i18n.UsageNote)
	if err != nil {
		return err
	}
	return r.addNote(t, text)
}

// addNote records a note on a ticket that only its community's staff see
// (in /status and the export), and shows it in the other staff groups.
func (r *req) addNote(t *store.Ticket, text string) error {
	if strings.TrimSpace(text) == "" {
		return usage(i18n.UsageNote)
	}
	if err := store.CheckTicketText(text); err != nil {
		return err
	}
	return r.act(t.ID, desk.Change{Action: store.ActNote, Note: text})
}

// staffNote reports whether a staff reply is a note ("!…" or "！…") and
// returns its text.
func staffNote(text string) (string, bool) {
	for _, mark := range []string{"!", "！"} {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(text), mark); ok {
			return strings.TrimSpace(rest), true
		}
	}
	return "", false
}

// leadingRef is a "#12" at the start of a comment, with what separates it
// from the text; like a reference anywhere (findRefs), the number must end
// at a space, punctuation or the end: "#1号楼" keeps its "#1".
var leadingRef = regexp.MustCompile(`^\s*[#＃]\d+(?:[\s\p{P}\p{S}]+|$)`)

func stripLeadingRef(s string) string { return strings.TrimSpace(leadingRef.ReplaceAllString(s, "")) }

// status shows a ticket as the sender may see it: whole (card and history)
// to its reporter and the community's staff, the card to a follower of a
// repair, and the notice board's name-free view to the community's other
// members.
func (r *req) status() error {
	id, err := r.argID()
	if err != nil {
		return err
	}
	t, acc, err := r.ticketFor(id)
	if err != nil {
		return err
	}
	if !acc.Whole() {
		return r.reply(r.boardView(t, acc))
	}
	evs, err := r.tx.Events(t.ID)
	if err != nil {
		return err
	}
	hist := []string{r.t(i18n.StatusHistory)}
	for _, e := range evs {
		who := r.t(i18n.System)
		if e.ActorID != 0 {
			if p, err := r.tx.PersonByID(e.ActorID); err == nil {
				who = p.Label()
			}
		}
		line := r.when(e.At) + " " + r.t(i18n.Event(e.Action), who)
		if e.Action == string(store.ActNote) && !acc.Staff {
			continue // staff-only: the reporter never sees it
		}
		if e.Action == string(store.ActAssign) && e.Note != "" {
			line = r.when(e.At) + " " + r.t(i18n.EventAssignTo, who, e.Note) // the note is the assignee
		} else if e.Note != "" && e.Action != "assign" && e.Action != "take" {
			line = r.t(i18n.StatusHistoryNote, line, truncate(e.Note, 60))
		}
		hist = append(hist, line)
	}
	card, err := r.s.desk.Card(r.tx, r.actor(), t)
	if err != nil {
		return err
	}
	return r.reply(lines(card, strings.Join(hist, "\n")))
}

// boardView is someone else's ticket as a member of its community sees it:
// number, kind and status, as on the notice board; the text only where
// store.TicketAccess.SeesText allows; never who filed it.
func (r *req) boardView(t *store.Ticket, acc store.TicketAccess) string {
	public := false
	if c, err := r.tx.ChatByID(t.OriginChatID); err == nil {
		public = c.Kind == bot.Group
	}
	ls := []string{r.t(i18n.CardTitle, t.ID, r.kindName(t))}
	if acc.SeesText(t, public) {
		ls = append(ls, r.t(i18n.CardText, truncate(t.Text, 200)))
	}
	ls = append(ls, r.t(i18n.CardStatus, r.t(i18n.Status(t.Status))))
	switch {
	case acc.Follower:
		ls = append(ls, r.t(i18n.StatusFollowing))
	case t.Kind == store.KindRepair && t.Active():
		ls = append(ls, r.t(i18n.StatusNeighbourMeToo, t.ID))
	default:
		ls = append(ls, r.t(i18n.StatusNeighbour))
	}
	return lines(ls...)
}

func (r *req) mine() error {
	ts, err := r.tx.Tickets(store.TicketFilter{ReporterID: r.me.ID, Limit: 20})
	if err != nil {
		return err
	}
	if len(ts) == 0 {
		return r.reply(r.t(i18n.TicketsMineNone))
	}
	return r.reply(lines(r.t(i18n.TicketsMineHeader), r.ticketLines(ts, false)))
}

// tickets lists active (default) or overdue tickets: in a group, of the
// group's community; in a private chat, of every community the sender works
// for.
func (r *req) tickets() error {
	const shown = 50
	f := store.TicketFilter{Active: true, Limit: shown}
	for _, w := range strings.Fields(strings.ToLower(r.p.Args)) {
		switch w {
		case "open", "待处理":
		case "overdue", "超时":
			f.Overdue = true
		case "mine", "我的":
			f.AssigneeID = r.me.ID
		default:
			return usage(i18n.UsageTickets)
		}
	}
	var comms []int64
	switch {
	case r.scope != 0:
		comms = []int64{r.scope}
	case r.allCommunities():
		comms = []int64{0} // every community at once
	default:
		for _, id := range r.me.Memberships.Communities() {
			if r.me.Memberships.Staff(id) {
				comms = append(comms, id)
			}
		}
	}
	// Each community gives its newest; the count says how many there are
	// in all, so that the line about the rest is right.
	var ts []*store.Ticket
	total := 0
	for _, id := range comms {
		f.CommunityID = id
		some, err := r.tx.Tickets(f)
		if err != nil {
			return err
		}
		n, err := r.tx.CountTickets(f)
		if err != nil {
			return err
		}
		ts, total = append(ts, some...), total+n
	}
	if len(ts) == 0 {
		if f.AssigneeID != 0 {
			return r.reply(r.t(i18n.TicketsAssignedNone))
		}
		return r.reply(r.t(i18n.TicketsNone))
	}
	slices.SortFunc(ts, func(a, b *store.Ticket) int { return cmp.Compare(b.ID, a.ID) })
	if len(ts) > shown {
		ts = ts[:shown]
	}
	ls := []string{r.t(i18n.TicketsHeader, total), r.ticketLines(ts, true)}
	if total > len(ts) {
		ls = append(ls, r.t(i18n.TicketsMore, total-len(ts)))
	}
	return r.reply(lines(ls...))
}

// ticketLines lists tickets, one a line; for staff (detail) each line also
// says who has it, how long ago it came in and by when it is due next.
func (r *req) ticketLines(ts []*store.Ticket, detail bool) string {
	var ls []string
	now := r.tx.Now()
	// Tickets of several communities say whose they are.
	names := map[int64]string{}
	for _, t := range ts {
		names[t.CommunityID] = ""
	}
	if len(names) > 1 {
		for id := range names {
			if c, err := r.tx.CommunityByID(id); err == nil {
				names[id] = c.Name
			}
		}
	} else {
		clear(names)
	}
	for _, t := range ts {
		l := r.t(i18n.TicketsLine, t.ID, r.kindName(t), r.t(i18n.Status(t.Status)), truncate(t.Text, 30))
		if name := names[t.CommunityID]; name != "" {
			l = r.t(i18n.TicketsIn, name) + l
		}
		if detail {
			who := r.t(i18n.TicketsUnassigned)
			if t.AssigneeID != 0 {
				if a, err := r.person(t.AssigneeID); err == nil {
					who = a.Label()
				}
			}
			l += r.t(i18n.TicketsDetail, who, r.age(now.Sub(t.CreatedAt)))
			switch {
			case !t.Active() || t.Status == store.StatusOnHold:
			case t.FirstResponseAt.IsZero():
				l += r.t(i18n.TicketsDueFirst, r.when(t.FirstResponseDue))
			default:
				l += r.t(i18n.TicketsDueResolve, r.when(t.ResolveDue))
			}
		}
		if t.Active() && t.Status != store.StatusOnHold &&
			((t.FirstResponseAt.IsZero() && !now.Before(t.FirstResponseDue)) || !now.Before(t.ResolveDue)) {
			l += r.t(i18n.TicketsOverdue)
		}
		ls = append(ls, l)
	}
	return strings.Join(ls, "\n")
}

// age says roughly how long ago something was: in days, else hours, else minutes.
func (r *req) age(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return r.t(i18n.AgeDays, int(d/(24*time.Hour)))
	case d >= time.Hour:
		return r.t(i18n.AgeHours, int(d/time.Hour))
	}
	return r.t(i18n.AgeMinutes, max(int(d/time.Minute), 0))
}

func (r *req) help() error {
	roles := r.me.Memberships
	staffHelp, managerHelp := roles.AnyStaff(), roles.AnyManager()
	if r.chat.Kind == bot.Group {
		staffHelp, managerHelp = r.me.IsStaff(), r.me.IsManager()
	}
	text := lines(r.t(i18n.HelpResident), r.t(i18n.HelpBoard))
	if staffHelp {
		text = lines(text, "", r.t(i18n.HelpStaff))
		if r.chat.Kind != bot.Group {
			text = lines(text, r.t(i18n.HelpWeb))
		}
	}
	switch {
	case managerHelp && r.chat.Kind == bot.Group:
		// In a group only binding works; the rest is for a private chat.
		text = lines(text, "", r.t(i18n.HelpManagerGroup))
	case managerHelp:
		text = lines(text, "", r.t(i18n.HelpManager), r.t(i18n.HelpManagerPolls), r.t(i18n.HelpExport))
		if roles.CompanyWide() {
			text = lines(text, r.t(i18n.HelpCompany))
		}
	}
	return r.reply(text)
}

// whoami lists the sender's roles, community by community, and which of
// their communities a private chat acts in.
func (r *req) whoami() error {
	roles := r.me.Memberships
	ls := []string{r.t(i18n.WhoAmI, r.me.Label())}
	if roles.CompanyWide() {
		ls = append(ls, r.t(i18n.WhoAmILine, r.t(i18n.CommunityAll), r.t(i18n.RoleManager)))
	}
	ids := roles.Communities()
	for _, id := range ids {
		if roles.CompanyWide() && !roles.Has(id, store.RoleStaff) && !roles.Has(id, store.RoleResident) {
			continue
		}
		c, err := r.tx.CommunityByID(id)
		if err != nil {
			return err
		}
		role := roles.Role(id) // the strongest: a manager there is staff and resident too
		if roles.CompanyWide() {
			role = store.RoleResident // the company-wide line says the rest
			if roles.Has(id, store.RoleStaff) {
				role = store.RoleStaff
			}
		}
		ls = append(ls, r.t(i18n.WhoAmILine, c.Name, r.t(i18n.Role(role))))
	}
	if roles.Has(0, store.RoleStaff) {
		ls = append(ls, r.t(i18n.WhoAmIUnplaced))
	}
	switch {
	case !roles.Belongs():
		ls = append(ls, r.t(i18n.StrangerPrivate))
	case r.chat.Kind == bot.Private && r.comm != nil && (len(ids) > 1 || roles.CompanyWide()):
		ls = append(ls, r.t(i18n.WhoAmIPrivate, r.comm.Name))
	}
	if r.unvouched {
		ls = append(ls, r.t(i18n.ErrUnvouched, r.me.Label()))
	}
	return r.reply(lines(ls...))
}

// PhotoWindow is how long after a ticket a photo from the same person in the
// same chat is taken as part of it.
const PhotoWindow = 5 * time.Minute

// photoFollowup attaches a photo (or file) with no command to the sender's
// ticket from the last few minutes in the same chat, and shows it to staff.
func (r *req) photoFollowup() error {
	if r.chat.Kind == bot.Group && !r.chat.Bound() {
		return errSkip
	}
	t, err := r.tx.LatestTicketBy(r.me.ID, r.chat.ID, r.tx.Now().Add(-PhotoWindow))
	if err != nil {
		return err
	}
	if t == nil || !t.Active() {
		return errSkip // a photo shared in the group, not for us
	}
	if r.m.ID != "" {
		if err := r.tx.LinkMessage(r.m.Platform, r.m.Chat, r.m.ID, t.ID, "attachment"); err != nil {
			return err
		}
	}
	o, err := r.s.desk.AddPhotos(r.tx, r.actor(), t.ID, r.m.Attachments)
	if err != nil {
		return err
	}
	return r.tell(o)
}
