package store

import (
	"testing"
	"time"
)

func TestCommunityLocation(t *testing.T) {
	def := time.FixedZone("default", 8*3600)
	for _, c := range []struct {
		name string
		comm *Community
		def  *time.Location
		want string
	}{
		{"its own zone", &Community{TZ: "Europe/Berlin"}, def, "Europe/Berlin"},
		{"no zone of its own", &Community{}, def, "default"},
		{"a zone that does not exist", &Community{TZ: "Mars/Olympus"}, def, "default"},
		{"no community", nil, def, "default"},
		{"no default either", &Community{}, nil, time.Local.String()},
	} {
		if got := c.comm.Location(c.def).String(); got != c.want {
			t.Errorf("%s: Location = %s, want %s", c.name, got, c.want)
		}
	}
}
