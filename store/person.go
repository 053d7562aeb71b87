package store

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/linli/linli/bot"
)

// Person roles.
const (
	RoleResident = "resident"
	RoleStaff    = "staff"
	RoleManager  = "manager"
)

// Person is someone the bot has seen (or a bootstrap manager).
type Person struct {
	ID          int64
	Platform    bot.PlatformID
	Key         bot.UserID
	Username    string
	Name        string
	Role        string
	CommunityID int64
	// PrivateChat is the person's private chat with the bot, if known.
	PrivateChat bot.ChatID
	// GroupChat is the last bound resident group the person wrote in.
	GroupChat bot.ChatID
}

// IsStaff reports whether the person may work tickets (staff or manager).
func (p *Person) IsStaff() bool { return p.Role == RoleStaff || p.Role == RoleManager }

// IsManager reports whether the person is a manager.
func (p *Person) IsManager() bool { return p.Role == RoleManager }

// Label is how the person is shown to others: the name, or @username, or the key.
func (p *Person) Label() string {
	switch {
	case p.Name != "":
		return p.Name
	case p.Username != "":
		return "@" + p.Username
	}
	return string(p.Key)
}

const personCols = `id, platform, user_key, username, display_name, role, community_id, private_chat, group_chat`

func scanPerson(row interface{ Scan(...any) error }) (*Person, error) {
	var p Person
	var comm sql.NullInt64
	if err := row.Scan(&p.ID, &p.Platform, &p.Key, &p.Username, &p.Name, &p.Role, &comm, &p.PrivateChat, &p.GroupChat); err != nil {
		return nil, err
	}
	p.CommunityID = comm.Int64
	return &p, nil
}

// Sighting is what a message tells about its sender.
type Sighting struct {
	Platform bot.PlatformID
	Key      bot.UserID
	Username string
	Name     string
	// Chat is where the person wrote; a bound group sets their community.
	Chat *Chat
}

// SeePerson records a sender, creating them as a resident on first sight, and
// refreshing their names, community and chats.
func (tx *Tx) SeePerson(s Sighting) (*Person, error) {
	var comm any
	var private, group string
	if s.Chat != nil {
		if s.Chat.Kind == bot.Private {
			private = string(s.Chat.Key)
		} else if s.Chat.Bound() {
			comm = s.Chat.CommunityID
			if s.Chat.Role == RoleResidentChat {
				group = string(s.Chat.Key)
			}
		}
	}
	// This runs for every message: read first, and write only when something
	// changed or last_seen_at is a minute old (it only orders people who
	// share a name, see FindPerson).
	var seen int64
	var pcomm sql.NullInt64
	var ps Person
	err := tx.queryRow(`SELECT `+personCols+`, last_seen_at FROM people WHERE platform = ? AND user_key = ?`, s.Platform, s.Key).
		Scan(&ps.ID, &ps.Platform, &ps.Key, &ps.Username, &ps.Name, &ps.Role, &pcomm, &ps.PrivateChat, &ps.GroupChat, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		ps = Person{Platform: s.Platform, Key: s.Key, Username: s.Username, Name: s.Name, Role: RoleResident, PrivateChat: bot.ChatID(private), GroupChat: bot.ChatID(group)}
		if comm != nil {
			ps.CommunityID = comm.(int64)
		}
		if ps.ID, err = tx.insert(`INSERT INTO people (platform, user_key, username, display_name, community_id, private_chat, group_chat, created_at, last_seen_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			s.Platform, s.Key, s.Username, s.Name, comm, private, group, unix(tx.now), unix(tx.now)); err != nil {
			return nil, err
		}
		return &ps, nil
	} else if err != nil {
		return nil, err
	}
	ps.CommunityID = pcomm.Int64
	was := ps
	if s.Username != "" {
		ps.Username = s.Username
	}
	if s.Name != "" {
		ps.Name = s.Name
	}
	if comm != nil {
		ps.CommunityID = comm.(int64)
	}
	if private != "" {
		ps.PrivateChat = bot.ChatID(private)
	}
	if group != "" {
		ps.GroupChat = bot.ChatID(group)
	}
	if ps == was && unix(tx.now)-seen < 60 {
		return &ps, nil
	}
	var newComm any
	if ps.CommunityID != 0 {
		newComm = ps.CommunityID
	}
	if _, err := tx.exec(`UPDATE people SET username = ?, display_name = ?, community_id = ?, private_chat = ?, group_chat = ?, last_seen_at = ?
		WHERE id = ?`, ps.Username, ps.Name, newComm, ps.PrivateChat, ps.GroupChat, unix(tx.now), ps.ID); err != nil {
		return nil, err
	}
	return &ps, nil
}

// PersonByKey returns a person by platform id.
func (tx *Tx) PersonByKey(p bot.PlatformID, key bot.UserID) (*Person, error) {
	ps, err := scanPerson(tx.queryRow(`SELECT `+personCols+` FROM people WHERE platform = ? AND user_key = ?`, p, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "no_person", key)
	}
	return ps, err
}

// PersonByID returns a person.
func (tx *Tx) PersonByID(id int64) (*Person, error) {
	ps, err := scanPerson(tx.queryRow(`SELECT `+personCols+` FROM people WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "no_person", id)
	}
	return ps, err
}

// FindPerson resolves what a manager or staff member typed to name someone on
// a platform: "@username", a platform user id, or a display name the bot has
// seen (preferring the given community). An ambiguous name is refused.
func (tx *Tx) FindPerson(p bot.PlatformID, communityID int64, ref string) (*Person, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, Errorf(EINVALID, "no_person", ref)
	}
	if u, ok := strings.CutPrefix(ref, "@"); ok {
		ps, err := scanPerson(tx.queryRow(`SELECT `+personCols+` FROM people WHERE platform = ? AND username = ? COLLATE NOCASE ORDER BY last_seen_at DESC LIMIT 1`, p, u))
		if err == nil {
			return ps, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		ref = u // WeChat has no usernames: "@张师傅" names a display name
	}
	if ps, err := tx.PersonByKey(p, bot.UserID(ref)); err == nil {
		return ps, nil
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	rows, err := tx.query(`SELECT `+personCols+` FROM people WHERE platform = ? AND display_name = ?
		ORDER BY (community_id = ?) DESC, last_seen_at DESC`, p, ref, communityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var found []*Person
	for rows.Next() {
		ps, err := scanPerson(rows)
		if err != nil {
			return nil, err
		}
		found = append(found, ps)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	switch {
	case len(found) == 0:
		return nil, Errorf(ENOTFOUND, "no_person", ref)
	case len(found) > 1 && found[0].CommunityID == found[1].CommunityID:
		return nil, Errorf(ECONFLICT, "ambiguous_person", ref)
	}
	return found[0], nil
}

// SetRole changes a person's role; granting staff also sets their community.
func (tx *Tx) SetRole(personID int64, role string, communityID int64) error {
	switch role {
	case RoleResident, RoleStaff, RoleManager:
	default:
		return Errorf(EINVALID, "bad_role", role)
	}
	var comm any
	if communityID != 0 {
		comm = communityID
	}
	_, err := tx.exec(`UPDATE people SET role = ?, community_id = coalesce(?, community_id) WHERE id = ?`, role, comm, personID)
	return err
}

// EnsureManager makes sure a bootstrap manager (from -managers) exists.
func (tx *Tx) EnsureManager(p bot.PlatformID, key bot.UserID, name string, private bot.ChatID) (*Person, error) {
	_, err := tx.exec(`INSERT INTO people (platform, user_key, display_name, role, private_chat, created_at, last_seen_at)
		VALUES (?, ?, ?, 'manager', ?, ?, ?)
		ON CONFLICT (platform, user_key) DO UPDATE SET role = 'manager',
			private_chat = CASE WHEN people.private_chat = '' THEN excluded.private_chat ELSE people.private_chat END`,
		p, key, name, private, unix(tx.now), unix(tx.now))
	if err != nil {
		return nil, err
	}
	return tx.PersonByKey(p, key)
}

// Managers lists every manager, for private alerts.
func (tx *Tx) Managers() ([]*Person, error) {
	return queryAll(tx, scanPerson, `SELECT `+personCols+` FROM people WHERE role = 'manager' ORDER BY id`)
}
