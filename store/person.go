package store

import (
	"database/sql"
	"errors"
	"strings"
	"unicode"

	"github.com/linli/linli/bot"
)

// Roles a person holds in a community (see Membership).
const (
	RoleResident = "resident"
	RoleStaff    = "staff"
	RoleManager  = "manager"
)

// Person is someone the bot has seen (or a bootstrap manager).
type Person struct {
	ID       int64
	Platform bot.PlatformID
	Key      bot.UserID
	Username string
	Name     string
	// LastCommunityID is the community of the bound group the person last
	// wrote in. It grants nothing: it only picks which of their communities
	// a private chat acts in (commands: /community changes it).
	LastCommunityID int64
	// PrivateChat is the person's private chat with the bot, if known.
	PrivateChat bot.ChatID
	// GroupChat is the last bound resident group the person wrote in.
	GroupChat bot.ChatID
	// Memberships are the person's roles, where they were read (SeePerson
	// reads them; Tx.Memberships for anyone else).
	Memberships Memberships
	// Role and CommunityID are the person's standing in the community they
	// act in (see In): their strongest role there, "" when they hold none.
	Role        string
	CommunityID int64
	// Granted lists the pending grants that the sighting which returned
	// this person applied (SeePerson), so that whoever made them is told.
	Granted []PendingGrant
}

// In returns the person as they stand in a community: Role is their
// strongest role there (Memberships.Role).
func (p *Person) In(communityID int64) *Person {
	c := *p
	c.CommunityID = communityID
	c.Role = p.Memberships.Role(communityID)
	return &c
}

// IsStaff reports whether the person may work tickets where they stand (staff or manager there).
func (p *Person) IsStaff() bool { return p.Role == RoleStaff || p.Role == RoleManager }

// IsManager reports whether the person manages the community they stand in.
func (p *Person) IsManager() bool { return p.Role == RoleManager }

// Label is how the person is shown to others: the name, or @username, or
// the key, without the invisible characters that could disguise it.
func (p *Person) Label() string {
	if n := CleanName(p.Name); n != "" {
		return n
	}
	if p.Username != "" {
		return "@" + p.Username
	}
	return CleanName(string(p.Key))
}

// CleanName is a name as it may be shown: without bidi controls (which
// could turn "李阿姨" into something that reads backwards, or hide a name
// behind another), zero-width and other invisible format characters, with
// control characters (line breaks) as spaces and runs of spaces as one.
func CleanName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Cf, r):
			continue
		case unicode.IsControl(r) || unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

const personCols = `id, platform, user_key, username, display_name, last_community_id, private_chat, group_chat`

func scanPerson(row interface{ Scan(...any) error }) (*Person, error) {
	var p Person
	var last sql.NullInt64
	if err := row.Scan(&p.ID, &p.Platform, &p.Key, &p.Username, &p.Name, &last, &p.PrivateChat, &p.GroupChat); err != nil {
		return nil, err
	}
	p.LastCommunityID = last.Int64
	return &p, nil
}

// Sighting is what a message tells about its sender.
type Sighting struct {
	Platform bot.PlatformID
	Key      bot.UserID
	Username string
	Name     string
	// Chat is where the person wrote: a bound group makes them a resident
	// of its community (and may apply a pending grant).
	Chat *Chat
}

// SeePerson records a sender, creating them on first sight, refreshing
// their names and chats, and returns them with their memberships. A
// sighting in a bound group makes them a resident of its community and
// applies the pending grants waiting for them there (Person.Granted); it
// never moves or grants any other role.
func (tx *Tx) SeePerson(s Sighting) (*Person, error) {
	s.Name = CleanName(s.Name)
	var comm int64
	var private, group string
	staffChat := false
	if s.Chat != nil {
		if s.Chat.Kind == bot.Private {
			private = string(s.Chat.Key)
		} else if s.Chat.Bound() {
			comm = s.Chat.CommunityID
			staffChat = s.Chat.Role == RoleStaffChat
			if s.Chat.Role == RoleResidentChat {
				group = string(s.Chat.Key)
			}
		}
	}
	// This runs for every message: read first, and write only when something
	// changed or last_seen_at is a minute old (it only orders people who
	// share a name, see FindPerson).
	var seen int64
	var last sql.NullInt64
	var ps Person
	err := tx.queryRow(`SELECT `+personCols+`, last_seen_at FROM people WHERE platform = ? AND user_key = ?`, s.Platform, s.Key).
		Scan(&ps.ID, &ps.Platform, &ps.Key, &ps.Username, &ps.Name, &last, &ps.PrivateChat, &ps.GroupChat, &seen)
	renamed := false
	if errors.Is(err, sql.ErrNoRows) {
		ps = Person{Platform: s.Platform, Key: s.Key, Username: s.Username, Name: s.Name, LastCommunityID: comm, PrivateChat: bot.ChatID(private), GroupChat: bot.ChatID(group)}
		if ps.ID, err = tx.insert(`INSERT INTO people (platform, user_key, username, display_name, last_community_id, private_chat, group_chat, created_at, last_seen_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			s.Platform, s.Key, s.Username, s.Name, nullID(comm), private, group, unix(tx.now), unix(tx.now)); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	} else {
		ps.LastCommunityID = last.Int64
		was := ps
		if s.Username != "" {
			ps.Username = s.Username
		}
		if s.Name != "" {
			ps.Name = s.Name
		}
		if comm != 0 {
			ps.LastCommunityID = comm
		}
		if private != "" {
			ps.PrivateChat = bot.ChatID(private)
		}
		if group != "" {
			ps.GroupChat = bot.ChatID(group)
		}
		renamed = ps.Name != was.Name || !strings.EqualFold(ps.Username, was.Username)
		changed := ps.Username != was.Username || ps.Name != was.Name || ps.LastCommunityID != was.LastCommunityID ||
			ps.PrivateChat != was.PrivateChat || ps.GroupChat != was.GroupChat
		if changed || unix(tx.now)-seen >= 60 {
			if _, err := tx.exec(`UPDATE people SET username = ?, display_name = ?, last_community_id = ?, private_chat = ?, group_chat = ?, last_seen_at = ?
				WHERE id = ?`, ps.Username, ps.Name, nullID(ps.LastCommunityID), ps.PrivateChat, ps.GroupChat, unix(tx.now), ps.ID); err != nil {
				return nil, err
			}
		}
		if ps.Memberships, err = tx.Memberships(ps.ID); err != nil {
			return nil, err
		}
	}
	if comm == 0 {
		return &ps, nil
	}
	joined := false
	if !ps.Memberships.Has(comm, RoleResident) {
		if _, err := tx.Grant(ps.ID, comm, RoleResident, 0); err != nil {
			return nil, err
		}
		ps.Memberships = append(ps.Memberships, Membership{comm, RoleResident})
		joined = true
	}
	// A pending grant waits for someone not seen yet in the community, or
	// for a name or username they did not have yet, or (a grant by name)
	// for their first message in the staff group. The table is all but
	// empty; staff groups are quiet next to resident groups.
	if joined || renamed || staffChat {
		if err := tx.applyPendingGrants(&ps, comm, staffChat); err != nil {
			return nil, err
		}
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
// a platform: "@username" or a platform user id (either names one person
// on the platform), or a display name the bot has seen: with communityID
// set, only among that community's members. An ambiguous name is refused.
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
	name := CleanName(ref)
	q := `SELECT ` + personCols + ` FROM people WHERE platform = ? AND display_name = ? ORDER BY last_seen_at DESC LIMIT 2`
	args := []any{p, name}
	if communityID != 0 {
		q = `SELECT ` + personCols + ` FROM people WHERE platform = ? AND display_name = ?
			AND id IN (SELECT person_id FROM memberships WHERE community_id = ?) ORDER BY last_seen_at DESC LIMIT 2`
		args = append(args, communityID)
	}
	found, err := queryAll(tx, scanPerson, q, args...)
	if err != nil {
		return nil, err
	}
	switch {
	case len(found) == 0:
		return nil, Errorf(ENOTFOUND, "no_person", name)
	case len(found) > 1:
		return nil, Errorf(ECONFLICT, "ambiguous_person", name)
	}
	return found[0], nil
}

// SetLastCommunity makes a community the one a person's private chat acts in.
func (tx *Tx) SetLastCommunity(personID, communityID int64) error {
	_, err := tx.exec(`UPDATE people SET last_community_id = ? WHERE id = ?`, nullID(communityID), personID)
	return err
}

// EnsureManager makes sure a bootstrap manager (from -managers) exists and
// manages every community.
func (tx *Tx) EnsureManager(p bot.PlatformID, key bot.UserID, name string, private bot.ChatID) (*Person, error) {
	_, err := tx.exec(`INSERT INTO people (platform, user_key, display_name, private_chat, created_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (platform, user_key) DO UPDATE SET
			private_chat = CASE WHEN people.private_chat = '' THEN excluded.private_chat ELSE people.private_chat END`,
		p, key, CleanName(name), private, unix(tx.now), unix(tx.now))
	if err != nil {
		return nil, err
	}
	ps, err := tx.PersonByKey(p, key)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Grant(ps.ID, 0, RoleManager, 0); err != nil {
		return nil, err
	}
	if ps.Memberships, err = tx.Memberships(ps.ID); err != nil {
		return nil, err
	}
	return ps, nil
}
