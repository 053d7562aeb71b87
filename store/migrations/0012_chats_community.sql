-- A community's groups by role (Tx.CommunityChats: the staff groups a new
-- ticket's card goes to, the resident groups an announcement goes to). A
-- property company with a thousand groups read them all for every ticket.
CREATE INDEX chats_community ON chats (community_id, role, id) WHERE community_id IS NOT NULL;
