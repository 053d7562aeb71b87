-- The retention job (store.Prune) deletes old sent outbox rows. Deleting a
-- row makes SQLite look for the rows that refer to it (foreign keys: edits
-- through edit_of, the boards' out_id); without these indexes each delete
-- read the whole outbox and every board. Only edits have an edit_of, so the
-- first index stays small, and a board changes its row rarely.
CREATE INDEX outbox_edit_of ON outbox (edit_of) WHERE edit_of IS NOT NULL;
CREATE INDEX boards_out ON boards (out_id);
