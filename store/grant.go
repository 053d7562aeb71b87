package store

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/linli/linli/bot"
)

// PendingGrant is a role granted to someone the bot has not seen yet, by
// @username or by display name. It applies the first time they are seen in
// the community's groups: a username (unique on its platform) in any of
// them, a display name (anyone can take one) only in a staff group.
type PendingGrant struct {
	ID          int64
	Platform    bot.PlatformID
	CommunityID int64 // 0: every community (a company-wide manager)
	Role        string
	Username    string // without the "@"
	Name        string
	GrantedBy   int64
}

// Ref is how the grant names the person: "@username" or the name.
func (g *PendingGrant) Ref() string {
	if g.Username != "" {
		return "@" + g.Username
	}
	return g.Name
}

const pendingCols = `id, platform, coalesce(community_id, 0), role, username, name, granted_by`

func scanPending(row interface{ Scan(...any) error }) (*PendingGrant, error) {
	var g PendingGrant
	err := row.Scan(&g.ID, &g.Platform, &g.CommunityID, &g.Role, &g.Username, &g.Name, &g.GrantedBy)
	return &g, err
}

// AddPendingGrant records a grant for someone not seen yet; a later grant
// for the same name in the same community replaces the earlier one.
func (tx *Tx) AddPendingGrant(g PendingGrant) (*PendingGrant, error) {
	g.Username = strings.TrimPrefix(strings.TrimSpace(g.Username), "@")
	g.Name = CleanName(g.Name)
	switch {
	case g.Role != RoleStaff && g.Role != RoleManager:
		return nil, Errorf(EINVALID, "bad_role", g.Role)
	case g.CommunityID == 0 && g.Role != RoleManager:
		return nil, Errorf(EINVALID, "grant_needs_community")
	case (g.Username == "") == (g.Name == ""):
		return nil, Errorf(EINVALID, "no_person", g.Ref())
	}
	id, err := tx.insert(`INSERT INTO pending_grants (platform, community_id, role, username, name, granted_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (platform, coalesce(community_id, 0), username, name) DO UPDATE SET role = excluded.role, granted_by = excluded.granted_by, created_at = excluded.created_at`,
		g.Platform, nullID(g.CommunityID), g.Role, g.Username, g.Name, g.GrantedBy, unix(tx.now))
	if err != nil {
		return nil, err
	}
	// On a conflict the row id is not the new one: read it back.
	got, err := scanPending(tx.queryRow(`SELECT `+pendingCols+` FROM pending_grants
		WHERE platform = ? AND coalesce(community_id, 0) = ? AND username = ? AND name = ?`, g.Platform, g.CommunityID, g.Username, g.Name))
	if errors.Is(err, sql.ErrNoRows) {
		g.ID = id
		return &g, nil
	}
	return got, err
}

// CancelPendingGrants drops the pending grants for ref ("@username" or a
// name) in a community (0: the company-wide ones) and returns them.
func (tx *Tx) CancelPendingGrants(p bot.PlatformID, communityID int64, ref string) ([]*PendingGrant, error) {
	ref = strings.TrimSpace(ref)
	user, name := "", CleanName(ref)
	if u, ok := strings.CutPrefix(ref, "@"); ok {
		user = u
	}
	gs, err := queryAll(tx, scanPending, `SELECT `+pendingCols+` FROM pending_grants
		WHERE platform = ? AND coalesce(community_id, 0) = ? AND ((username <> '' AND username = ?) OR (name <> '' AND name IN (?, ?)))`,
		p, communityID, user, name, strings.TrimPrefix(name, "@"))
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		if _, err := tx.exec(`DELETE FROM pending_grants WHERE id = ?`, g.ID); err != nil {
			return nil, err
		}
	}
	return gs, nil
}

// PendingGrants lists the grants waiting in the given communities (and the
// company-wide ones).
func (tx *Tx) PendingGrants(communityIDs []int64) ([]*PendingGrant, error) {
	all, err := queryAll(tx, scanPending, `SELECT `+pendingCols+` FROM pending_grants ORDER BY coalesce(community_id, 0), id`)
	if err != nil {
		return nil, err
	}
	var out []*PendingGrant
	for _, g := range all {
		for _, c := range append([]int64{0}, communityIDs...) {
			if g.CommunityID == c {
				out = append(out, g)
				break
			}
		}
	}
	return out, nil
}

// applyPendingGrants applies to ps the grants waiting for them in a
// community where they were just seen (staffChat: in its staff group), and
// records them in ps.Granted.
func (tx *Tx) applyPendingGrants(ps *Person, communityID int64, staffChat bool) error {
	if ps.Username == "" && ps.Name == "" {
		return nil
	}
	name := ps.Name
	if !staffChat {
		name = "" // a display name applies only in the staff group
	}
	gs, err := queryAll(tx, scanPending, `SELECT `+pendingCols+` FROM pending_grants
		WHERE platform = ? AND (community_id = ? OR community_id IS NULL)
		AND ((username <> '' AND username = ?) OR (name <> '' AND name = ?)) ORDER BY id`,
		ps.Platform, communityID, ps.Username, name)
	if err != nil || len(gs) == 0 {
		return err
	}
	for _, g := range gs {
		if _, err := tx.Grant(ps.ID, g.CommunityID, g.Role, g.GrantedBy); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM pending_grants WHERE id = ?`, g.ID); err != nil {
			return err
		}
		ps.Granted = append(ps.Granted, *g)
	}
	if ps.Memberships, err = tx.Memberships(ps.ID); err != nil {
		return err
	}
	return nil
}
