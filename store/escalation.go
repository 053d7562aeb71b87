package store

// EscalationCandidates lists the active tickets, newest first, that the
// escalation job may have to act on now: past a deadline at a level not yet
// recorded, or past the reminder point of a deadline (the share remindAt of
// the time it allows) with that reminder not yet sent. It is a superset of
// what the job acts on (the job decides ticket by ticket), and reads only
// what the partial indexes of migration 0008 lead to: the job runs every
// minute, and reading every open ticket each time cost more than all the rest.
//
// Escalation levels are 0, 1 and 2 (SetEscalation).
func (tx *Tx) EscalationCandidates(remindAt float64) ([]*Ticket, error) {
	now := unix(tx.now)
	share := 1 - remindAt
	// Each branch names its partial index: without statistics the planner
	// may take the wider one of two that both apply. A second of slack in
	// the reminder arithmetic keeps float rounding on the inclusive side.
	return queryAll(tx, scanTicket, `SELECT `+ticketCols+` FROM tickets WHERE id IN (
			SELECT id FROM tickets INDEXED BY tickets_esc_resolve
				WHERE status IN ('open', 'in_progress') AND escalation_level < 2 AND resolve_due <= ?1
			UNION ALL
			SELECT id FROM tickets INDEXED BY tickets_esc_first
				WHERE status IN ('open', 'in_progress') AND first_response_at IS NULL AND escalation_level < 1 AND first_response_due <= ?1
			UNION ALL
			SELECT t.id FROM tickets t INDEXED BY tickets_due_first
				WHERE t.status IN ('open', 'in_progress') AND t.first_response_at IS NULL AND t.first_response_due > ?1
				AND t.first_response_due - (t.first_response_due - t.created_at - t.held_seconds) * ?2 <= ?1 + 1
				AND NOT EXISTS (SELECT 1 FROM ticket_reminders r WHERE r.ticket_id = t.id AND r.kind = 'first')
			UNION ALL
			SELECT t.id FROM tickets t INDEXED BY tickets_due_resolve
				WHERE t.status IN ('open', 'in_progress') AND t.resolve_due > ?1
				AND t.resolve_due - (t.resolve_due - t.created_at - t.held_seconds) * ?2 <= ?1 + 1
				AND NOT EXISTS (SELECT 1 FROM ticket_reminders r WHERE r.ticket_id = t.id AND r.kind = 'resolve')
		) ORDER BY id DESC`, now, share)
}
