package store

import (
	"database/sql"
	"slices"
)

// Membership is one role a person holds in one community. CommunityID 0
// on a manager means every community of the company (a company-wide
// manager); on staff it means none yet (staff migrated without a
// community: they see nothing until a manager grants them one).
type Membership struct {
	CommunityID int64
	Role        string
}

// Memberships are all the roles a person holds. Its methods answer what the
// person is in one community; they are the rules every command and job
// asks (with Access, for tickets).
type Memberships []Membership

// CompanyWide reports whether the person manages every community.
func (ms Memberships) CompanyWide() bool {
	return slices.Contains(ms, Membership{0, RoleManager})
}

// Has reports whether the person holds exactly that role in that community.
func (ms Memberships) Has(communityID int64, role string) bool {
	return slices.Contains(ms, Membership{communityID, role})
}

// Role is the strongest role the person holds in a community: manager,
// staff, resident, or "" for none. A company-wide manager is a manager of
// every community; for communityID 0 only that counts.
func (ms Memberships) Role(communityID int64) string {
	role := ""
	for _, m := range ms {
		switch {
		case m.Role == RoleManager && (m.CommunityID == 0 || m.CommunityID == communityID):
			return RoleManager
		case communityID == 0 || m.CommunityID != communityID:
		case m.Role == RoleStaff:
			role = RoleStaff
		case m.Role == RoleResident && role == "":
			role = RoleResident
		}
	}
	return role
}

// Staff reports whether the person may work a community's tickets (staff or manager there).
func (ms Memberships) Staff(communityID int64) bool {
	r := ms.Role(communityID)
	return r == RoleStaff || r == RoleManager
}

// Manager reports whether the person manages a community.
func (ms Memberships) Manager(communityID int64) bool { return ms.Role(communityID) == RoleManager }

// Member reports whether the person belongs to a community in any role.
func (ms Memberships) Member(communityID int64) bool {
	return communityID != 0 && ms.Role(communityID) != ""
}

// AnyStaff reports whether the person is staff or manager of some community.
func (ms Memberships) AnyStaff() bool {
	for _, m := range ms {
		if m.Role == RoleManager || (m.Role == RoleStaff && m.CommunityID != 0) {
			return true
		}
	}
	return false
}

// AnyManager reports whether the person manages some community.
func (ms Memberships) AnyManager() bool {
	return slices.ContainsFunc(ms, func(m Membership) bool { return m.Role == RoleManager })
}

// Communities lists the communities the person holds a role in, in order
// of id (a company-wide manager's "every community" is not listed).
func (ms Memberships) Communities() []int64 {
	var ids []int64
	for _, m := range ms {
		if m.CommunityID != 0 {
			ids = append(ids, m.CommunityID)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Belongs reports whether the person belongs anywhere: a community, or
// every community. Someone who does not is a stranger to the bot.
func (ms Memberships) Belongs() bool { return ms.CompanyWide() || len(ms.Communities()) > 0 }

// Residents is the resident part of the memberships: what is left of a
// person the platform cannot vouch for (a WeChat group card).
func (ms Memberships) Residents() Memberships {
	var out Memberships
	for _, m := range ms {
		if m.Role == RoleResident {
			out = append(out, m)
		}
	}
	return out
}

// Memberships reads a person's roles.
func (tx *Tx) Memberships(personID int64) (Memberships, error) {
	return queryAll(tx, func(row interface{ Scan(...any) error }) (Membership, error) {
		var m Membership
		err := row.Scan(&m.CommunityID, &m.Role)
		return m, err
	}, `SELECT coalesce(community_id, 0), role FROM memberships WHERE person_id = ? ORDER BY coalesce(community_id, 0), role`, personID)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Grant gives a person a role in a community (0 with RoleManager: every
// community) and reports whether it is new. A manager is staff as well, so
// granting manager replaces a staff role there, and staff is not granted
// to someone who manages the community already. by is who granted it (0:
// the bot itself).
func (tx *Tx) Grant(personID, communityID int64, role string, by int64) (bool, error) {
	switch {
	case role != RoleResident && role != RoleStaff && role != RoleManager:
		return false, Errorf(EINVALID, "bad_role", role)
	case communityID == 0 && role != RoleManager:
		return false, Errorf(EINVALID, "grant_needs_community")
	}
	if role == RoleStaff {
		ms, err := tx.Memberships(personID)
		if err != nil {
			return false, err
		}
		if ms.Has(communityID, RoleManager) {
			return false, nil
		}
	}
	res, err := tx.exec(`INSERT INTO memberships (person_id, community_id, role, granted_by, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (person_id, role, coalesce(community_id, 0)) DO NOTHING`, personID, nullID(communityID), role, nullID(by), unix(tx.now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return false, err
	}
	if role == RoleManager {
		if _, err := tx.exec(`DELETE FROM memberships WHERE person_id = ? AND role = 'staff' AND coalesce(community_id, 0) = ?`, personID, communityID); err != nil {
			return false, err
		}
	}
	return true, nil
}

// Revoke takes one role in one community back and reports whether the
// person held it.
func (tx *Tx) Revoke(personID, communityID int64, role string) (bool, error) {
	res, err := tx.exec(`DELETE FROM memberships WHERE person_id = ? AND role = ? AND coalesce(community_id, 0) = ?`, personID, role, communityID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ManagersOf lists who hears privately about a community: its own
// managers and the company-wide ones, each once, by id. With communityID
// 0 only the company-wide managers are listed (an alert that concerns no
// community yet, such as the bot added to a new group).
func (tx *Tx) ManagersOf(communityID int64) ([]*Person, error) {
	return queryAll(tx, scanPerson, `SELECT `+personCols+` FROM people WHERE id IN (
		SELECT person_id FROM memberships WHERE role = 'manager' AND (community_id IS NULL OR community_id = ?)) ORDER BY id`, communityID)
}

// Managers lists everyone who manages any community, for alerts about the
// bot itself (a platform logged out), which concern every community.
func (tx *Tx) Managers() ([]*Person, error) {
	return queryAll(tx, scanPerson, `SELECT `+personCols+` FROM people WHERE id IN (
		SELECT person_id FROM memberships WHERE role = 'manager') ORDER BY id`)
}

// Holder is a person with a role in a community, for /roles.
type Holder struct {
	Person      *Person
	CommunityID int64
	Role        string
}

// RoleHolders lists the staff and managers of the given communities (and
// the company-wide managers), by community, role and name.
func (tx *Tx) RoleHolders(communityIDs []int64) ([]Holder, error) {
	var out []Holder
	err := tx.eachRow(func(rows *sql.Rows) error {
		var h Holder
		var comm int64
		var role string
		p, err := scanPerson(scanPrefix{rows, []any{&comm, &role}})
		if err != nil {
			return err
		}
		h.Person, h.CommunityID, h.Role = p, comm, role
		if comm == 0 || slices.Contains(communityIDs, comm) {
			out = append(out, h)
		}
		return nil
	}, `SELECT coalesce(m.community_id, 0), m.role, `+prefixCols("p", personCols)+` FROM memberships m JOIN people p ON p.id = m.person_id
		WHERE m.role IN ('staff', 'manager') ORDER BY coalesce(m.community_id, 0), m.role DESC, p.display_name, p.id`)
	return out, err
}

// scanPrefix scans a row whose first columns go to before and the rest to
// what Scan is given.
type scanPrefix struct {
	row    interface{ Scan(...any) error }
	before []any
}

func (s scanPrefix) Scan(dest ...any) error { return s.row.Scan(append(s.before, dest...)...) }

// LangOf is the language p reads: that of the first community they hold a
// role in, else def. p's Memberships are read when they are not yet.
func (tx *Tx) LangOf(p *Person, def string) (string, error) {
	roles := p.Memberships
	if roles == nil {
		var err error
		if roles, err = tx.Memberships(p.ID); err != nil {
			return "", err
		}
	}
	if ids := roles.Communities(); len(ids) > 0 {
		c, err := tx.CommunityByID(ids[0])
		if err != nil {
			return "", err
		}
		return c.Lang, nil
	}
	return def, nil
}
