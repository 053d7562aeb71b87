package commands

import "strings"

// lines joins non-empty lines.
func lines(ls ...string) string {
	var b strings.Builder
	for _, l := range ls {
		if l == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return b.String()
}
