-- /merge (issue 18): duplicates of one problem are folded into one ticket.
-- A duplicate closes as merged and names the ticket it went into; its
-- reporter and followers follow that one instead.
ALTER TABLE tickets ADD COLUMN merged_into INTEGER REFERENCES tickets(id);

-- A ticket's staff card lists the duplicates merged into it.
CREATE INDEX tickets_merged_into ON tickets (merged_into) WHERE merged_into IS NOT NULL;
