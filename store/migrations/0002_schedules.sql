-- Schedules, job runs, SLA reminders, expenses, activities, meetings and the
-- monthly report's complaint categories. Times are unix seconds (UTC).

-- A manager's timed message: an announcement, a survey link, an activity or a
-- meeting notice, sent to the resident groups of one community (or all).
CREATE TABLE schedules (
	id           INTEGER PRIMARY KEY,
	spec         TEXT    NOT NULL,
	kind         TEXT    NOT NULL CHECK (kind IN ('announcement', 'survey', 'activity', 'meeting')),
	community_id INTEGER REFERENCES communities (id), -- NULL: every community
	text         TEXT    NOT NULL CHECK (text <> ''),
	tz           TEXT    NOT NULL DEFAULT '',         -- '' is the configured default zone
	enabled      INTEGER NOT NULL DEFAULT 1,
	last_run_at  INTEGER,
	last_ok      INTEGER NOT NULL DEFAULT 1,
	last_result  TEXT    NOT NULL DEFAULT '',
	created_by   INTEGER REFERENCES people (id),
	created_at   INTEGER NOT NULL
) STRICT;

-- One row per run of a built-in job, kept short (see RecordJobRun).
CREATE TABLE job_runs (
	id          INTEGER PRIMARY KEY,
	name        TEXT    NOT NULL,
	started_at  INTEGER NOT NULL,
	finished_at INTEGER NOT NULL,
	ok          INTEGER NOT NULL,
	result      TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX job_runs_name ON job_runs (name, id);

-- The 80% reminders of a ticket's deadlines, so each is sent once.
CREATE TABLE ticket_reminders (
	ticket_id INTEGER NOT NULL REFERENCES tickets (id),
	kind      TEXT    NOT NULL CHECK (kind IN ('first', 'resolve')),
	sent_at   INTEGER NOT NULL,
	PRIMARY KEY (ticket_id, kind)
) STRICT, WITHOUT ROWID;

-- Money the office spent, in fen (1/100 yuan), for the monthly report.
-- Removed rows are kept (deleted_at) so the record stays auditable.
CREATE TABLE expenses (
	id           INTEGER PRIMARY KEY,
	community_id INTEGER NOT NULL REFERENCES communities (id),
	amount_fen   INTEGER NOT NULL CHECK (amount_fen > 0),
	category     TEXT    NOT NULL CHECK (category <> ''),
	text         TEXT    NOT NULL DEFAULT '',
	created_by   INTEGER REFERENCES people (id),
	at           INTEGER NOT NULL,
	deleted_at   INTEGER,
	deleted_by   INTEGER REFERENCES people (id)
) STRICT;
CREATE INDEX expenses_at ON expenses (community_id, at);

CREATE TABLE activities (
	id           INTEGER PRIMARY KEY,
	community_id INTEGER NOT NULL REFERENCES communities (id),
	title        TEXT    NOT NULL CHECK (title <> ''),
	place        TEXT    NOT NULL DEFAULT '',
	starts_at    INTEGER NOT NULL,
	capacity     INTEGER NOT NULL DEFAULT 0 CHECK (capacity >= 0), -- 0: no limit
	notice_7d_at INTEGER,                                          -- when each reminder went out
	notice_1d_at INTEGER,
	cancelled_at INTEGER,
	created_by   INTEGER REFERENCES people (id),
	created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX activities_starts ON activities (community_id, starts_at);

CREATE TABLE activity_signups (
	activity_id INTEGER NOT NULL REFERENCES activities (id),
	person_id   INTEGER NOT NULL REFERENCES people (id),
	at          INTEGER NOT NULL,
	PRIMARY KEY (activity_id, person_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX activity_signups_at ON activity_signups (at);

CREATE TABLE meetings (
	id           INTEGER PRIMARY KEY,
	community_id INTEGER NOT NULL REFERENCES communities (id),
	starts_at    INTEGER NOT NULL,
	place        TEXT    NOT NULL DEFAULT '',
	remind_7d_at INTEGER,
	remind_1d_at INTEGER,
	cancelled_at INTEGER,
	created_by   INTEGER REFERENCES people (id),
	created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX meetings_starts ON meetings (community_id, starts_at);

-- Topics residents raise for the resident meeting. meeting_id is NULL until
-- a meeting is scheduled; the next meeting of the community then takes them.
CREATE TABLE agenda_items (
	id           INTEGER PRIMARY KEY,
	community_id INTEGER NOT NULL REFERENCES communities (id),
	meeting_id   INTEGER REFERENCES meetings (id),
	person_id    INTEGER NOT NULL REFERENCES people (id),
	text         TEXT    NOT NULL CHECK (text <> ''),
	at           INTEGER NOT NULL
) STRICT;
CREATE INDEX agenda_items_meeting ON agenda_items (community_id, meeting_id);

-- Keywords that sort complaints into categories for the monthly report. A
-- complaint goes to the category of the first keyword (by id) in its text;
-- complaints without one are "其他" (other). Managers edit it with /report keyword.
CREATE TABLE complaint_categories (
	id       INTEGER PRIMARY KEY,
	keyword  TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (keyword <> ''),
	category TEXT NOT NULL CHECK (category <> '')
) STRICT;
INSERT INTO complaint_categories (keyword, category) VALUES
	('电梯', '电梯'), ('升降机', '电梯'), ('elevator', '电梯'), ('lift', '电梯'),
	('停车', '停车'), ('车位', '停车'), ('车库', '停车'), ('占道', '停车'), ('parking', '停车'),
	('噪音', '噪音'), ('噪声', '噪音'), ('吵', '噪音'), ('noise', '噪音'), ('noisy', '噪音'), ('loud', '噪音'),
	('卫生', '卫生'), ('垃圾', '卫生'), ('清洁', '卫生'), ('保洁', '卫生'), ('异味', '卫生'), ('脏', '卫生'),
	('trash', '卫生'), ('garbage', '卫生'), ('rubbish', '卫生'), ('dirty', '卫生'),
	('安保', '安保'), ('保安', '安保'), ('门禁', '安保'), ('监控', '安保'), ('被盗', '安保'), ('小偷', '安保'),
	('security', '安保'), ('guard', '安保'), ('theft', '安保');
