-- A ticket has two pages (package web): the view page, read-only, whose
-- link the cards in a resident group carry, and the reporter's page, with
-- follow-up, photo and rating, whose link only the reporter is sent
-- privately. The tokens before this one were posted in groups for anyone
-- there to act as the reporter: each stays its ticket's view token (links
-- already sent keep working, read-only), and the reporter's token is made
-- new (store.NewToken) the first time it is asked for, so NULL until then.
ALTER TABLE ticket_pages ADD COLUMN reporter_token TEXT;
CREATE UNIQUE INDEX ticket_pages_reporter ON ticket_pages (reporter_token); -- NULLs are distinct
