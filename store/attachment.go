package store

import (
	"time"

	"github.com/linli/linli/bot"
)

// TicketAttachment is a photo or file that belongs to a ticket.
type TicketAttachment struct {
	ID       int64
	TicketID int64
	Platform bot.PlatformID
	Kind     string
	Ref      string
	Path     string
	Name     string
	At       time.Time
}

// SaveAttachment records an attachment of a ticket. When the platform gave the
// bytes, the copy under dir (the data directory) that KeepFiles wrote before
// the transaction is recorded, so the picture outlives the platform's copy;
// without one, SaveAttachment keeps the bytes itself under the same
// content-hash name (a rerun of the transaction finds the file there).
func (tx *Tx) SaveAttachment(ticketID int64, p bot.PlatformID, a bot.Attachment, dir string) (*TicketAttachment, error) {
	kind := a.Kind
	if kind != "photo" {
		kind = "file"
	}
	ta := &TicketAttachment{TicketID: ticketID, Platform: p, Kind: kind, Ref: a.Ref, Path: a.Stored, Name: a.Name, At: tx.now}
	if ta.Path == "" && len(a.Data) > 0 && dir != "" {
		a.Kind = kind
		path, err := keepFile(dir, &a)
		if err != nil {
			return nil, err
		}
		ta.Path = path
	}
	err := tx.queryRow(`INSERT INTO ticket_attachments (ticket_id, platform, kind, ref, path, name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ticketID, p, kind, ta.Ref, ta.Path, ta.Name, unix(tx.now)).Scan(&ta.ID)
	if err != nil {
		return nil, err
	}
	return ta, nil
}

// TicketAttachments lists a ticket's attachments, oldest first.
func (tx *Tx) TicketAttachments(ticketID int64) ([]*TicketAttachment, error) {
	rows, err := tx.query(`SELECT id, ticket_id, platform, kind, ref, path, name, created_at FROM ticket_attachments WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*TicketAttachment
	for rows.Next() {
		var a TicketAttachment
		var at int64
		if err := rows.Scan(&a.ID, &a.TicketID, &a.Platform, &a.Kind, &a.Ref, &a.Path, &a.Name, &at); err != nil {
			return nil, err
		}
		a.At = fromUnix(at)
		out = append(out, &a)
	}
	return out, rows.Err()
}

// Outgoing returns the attachment as something to send on platform p: by the
// platform's own reference when it is the same platform, else from the saved
// copy; nil when neither can be used there.
func (a *TicketAttachment) Outgoing(p bot.PlatformID) *OutAttachment {
	switch {
	case a.Platform == p && a.Ref != "":
		return &OutAttachment{Kind: a.Kind, Ref: a.Ref, Name: a.Name}
	case a.Path != "":
		return &OutAttachment{Kind: a.Kind, Path: a.Path, Name: a.Name}
	}
	return nil
}

// LatestTicketBy returns the reporter's newest ticket created in a chat since a
// time (a photo sent just after a tagged message belongs to it), or nil.
func (tx *Tx) LatestTicketBy(reporterID, chatID int64, since time.Time) (*Ticket, error) {
	ts, err := tx.query(`SELECT `+ticketCols+` FROM tickets WHERE reporter_id = ? AND origin_chat_id = ? AND created_at >= ?
		ORDER BY id DESC LIMIT 1`, reporterID, chatID, unix(since))
	if err != nil {
		return nil, err
	}
	defer ts.Close()
	if !ts.Next() {
		return nil, ts.Err()
	}
	return scanTicket(ts)
}
