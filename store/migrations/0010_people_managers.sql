-- Managers are looked up for every alert and every level-2 escalation
-- (Tx.Managers); without an index that read every person, which a catch-up
-- of thousands of overdue tickets on a large database did once a ticket.
CREATE INDEX people_managers ON people (id) WHERE role = 'manager';
