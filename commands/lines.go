package commands

import "github.com/linli/linli/i18n"

// lines joins non-empty lines.
func lines(ls ...string) string { return i18n.Lines(ls...) }
