package store

import (
	"database/sql"
	"errors"
	"strings"
	"time"
)

// Default SLA clocks: first response within a day, resolution within a week.
const (
	DefaultFirstResponse = 24 * time.Hour
	DefaultResolve       = 7 * 24 * time.Hour
)

// Community is one residential community (小区).
type Community struct {
	ID            int64
	Name          string
	Lang          string // "zh" or "en"
	TZ            string // IANA zone; "" means the configured default
	FirstResponse time.Duration
	Resolve       time.Duration
	CreatedAt     time.Time
}

const communityCols = `id, name, lang, tz, first_response_sla, resolve_sla, created_at`

func scanCommunity(row interface{ Scan(...any) error }) (*Community, error) {
	var c Community
	var first, resolve, created int64
	if err := row.Scan(&c.ID, &c.Name, &c.Lang, &c.TZ, &first, &resolve, &created); err != nil {
		return nil, err
	}
	c.FirstResponse = time.Duration(first) * time.Second
	c.Resolve = time.Duration(resolve) * time.Second
	c.CreatedAt = fromUnix(created)
	return &c, nil
}

// CommunityByID returns a community.
func (tx *Tx) CommunityByID(id int64) (*Community, error) {
	c, err := scanCommunity(tx.queryRow(`SELECT `+communityCols+` FROM communities WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "no_community", id)
	}
	return c, err
}

// CommunityByName returns the community with that name (case-insensitive for ASCII).
func (tx *Tx) CommunityByName(name string) (*Community, error) {
	c, err := scanCommunity(tx.queryRow(`SELECT `+communityCols+` FROM communities WHERE name = ? COLLATE NOCASE`, strings.TrimSpace(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "no_community", name)
	}
	return c, err
}

// Communities lists every community by name.
func (tx *Tx) Communities() ([]*Community, error) {
	return queryAll(tx, scanCommunity, `SELECT `+communityCols+` FROM communities ORDER BY id`)
}

// CreateCommunity adds a community with the default SLA; it reports whether it was new.
func (tx *Tx) CreateCommunity(name, lang, tz string) (*Community, bool, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 60 {
		return nil, false, Errorf(EINVALID, "bad_community_name")
	}
	if c, err := tx.CommunityByName(name); err == nil {
		return c, false, nil
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, false, err
	}
	if lang != "en" {
		lang = "zh"
	}
	_, err := tx.exec(`INSERT INTO communities (name, lang, tz, first_response_sla, resolve_sla, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		name, lang, tz, int64(DefaultFirstResponse/time.Second), int64(DefaultResolve/time.Second), unix(tx.now))
	if err != nil {
		return nil, false, err
	}
	c, err := tx.CommunityByName(name)
	return c, true, err
}

// SetSLA changes a community's SLA clocks. Tickets already open keep theirs.
func (tx *Tx) SetSLA(id int64, first, resolve time.Duration) error {
	if first < time.Second || resolve < time.Second {
		return Errorf(EINVALID, "bad_sla")
	}
	_, err := tx.exec(`UPDATE communities SET first_response_sla = ?, resolve_sla = ? WHERE id = ?`,
		int64(first/time.Second), int64(resolve/time.Second), id)
	return err
}

// SetCommunityLang changes the language replies in the community use.
func (tx *Tx) SetCommunityLang(id int64, lang string) error {
	if lang != "zh" && lang != "en" {
		return Errorf(EINVALID, "bad_lang")
	}
	_, err := tx.exec(`UPDATE communities SET lang = ? WHERE id = ?`, lang, id)
	return err
}
