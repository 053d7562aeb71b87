package store

import "time"

// Location is the zone the community's times are read and shown in: its
// own, else def (time.Local when def is nil). A nil community has def's.
func (c *Community) Location(def *time.Location) *time.Location {
	if c != nil && c.TZ != "" {
		if loc, err := time.LoadLocation(c.TZ); err == nil {
			return loc
		}
	}
	if def == nil {
		return time.Local
	}
	return def
}
