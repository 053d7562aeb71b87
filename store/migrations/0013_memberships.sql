-- Sealed communities: membership and roles are held per community.
--
-- Until now a person had one role and one community, and a sighting in any
-- bound group moved the community: staff of one community who wrote once in
-- another's group could then work that community's tickets, and staff with
-- no community saw every ticket. From here on each (person, community, role)
-- is a row of its own, granted and revoked on its own; sightings only ever
-- add a resident row.
--
-- community_id NULL: for a manager, every community of the company (the
-- bootstrap managers of -managers, and managers who had no community); for
-- staff, no community at all (staff who had none: they see nothing until a
-- manager grants them one). A resident always belongs to a community.
CREATE TABLE memberships (
	person_id    INTEGER NOT NULL REFERENCES people (id),
	community_id INTEGER REFERENCES communities (id),
	role         TEXT    NOT NULL CHECK (role IN ('resident', 'staff', 'manager')),
	granted_by   INTEGER REFERENCES people (id),
	created_at   INTEGER NOT NULL,
	CHECK (role <> 'resident' OR community_id IS NOT NULL)
) STRICT;
CREATE UNIQUE INDEX memberships_key ON memberships (person_id, role, coalesce(community_id, 0));
-- A community's managers (alerts, escalations) and members (names).
CREATE INDEX memberships_community ON memberships (community_id, role);

-- Today's roles, each with its community, become one row.
INSERT INTO memberships (person_id, community_id, role, created_at)
	SELECT id, community_id, role, created_at FROM people WHERE role IN ('staff', 'manager');
-- Residents whose community is known, and everyone last seen in a bound
-- resident group, are residents of that community.
INSERT OR IGNORE INTO memberships (person_id, community_id, role, created_at)
	SELECT id, community_id, 'resident', created_at FROM people WHERE role = 'resident' AND community_id IS NOT NULL;
INSERT OR IGNORE INTO memberships (person_id, community_id, role, created_at)
	SELECT p.id, c.community_id, 'resident', p.created_at FROM people p
	JOIN chats c ON c.platform = p.platform AND c.chat_key = p.group_chat
	WHERE p.group_chat <> '' AND c.community_id IS NOT NULL AND c.role = 'resident';

-- The old columns go: what is left of community_id is only the community of
-- the bound group the person last wrote in, which picks among their
-- communities in a private chat and grants nothing.
DROP INDEX people_managers;
DROP INDEX people_name;
ALTER TABLE people DROP COLUMN role;
ALTER TABLE people RENAME COLUMN community_id TO last_community_id;
CREATE INDEX people_display ON people (platform, display_name);

-- Grants for someone not seen yet (/grant staff @zhang, /grant staff 张师傅):
-- applied the first time they are seen in the community's groups. A
-- username is unique on its platform and applies in any of the community's
-- groups; a display name anyone can take, so it applies only in the staff
-- group, which only the office is in.
CREATE TABLE pending_grants (
	id           INTEGER PRIMARY KEY,
	platform     TEXT    NOT NULL,
	community_id INTEGER REFERENCES communities (id), -- NULL: every community (a company-wide manager)
	role         TEXT    NOT NULL CHECK (role IN ('staff', 'manager')),
	username     TEXT    NOT NULL DEFAULT '' COLLATE NOCASE,
	name         TEXT    NOT NULL DEFAULT '',
	granted_by   INTEGER NOT NULL REFERENCES people (id),
	created_at   INTEGER NOT NULL,
	CHECK ((username = '') <> (name = ''))
) STRICT;
CREATE UNIQUE INDEX pending_grants_key ON pending_grants (platform, coalesce(community_id, 0), username, name);
