package commands

import "github.com/linli/linli/desk"

// lines joins non-empty lines.
func lines(ls ...string) string { return desk.Lines(ls...) }
