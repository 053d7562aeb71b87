package console

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/linli/linli/bot"
)

func TestAttachmentFiles(t *testing.T) {
	for _, c := range []struct {
		a    bot.Attachment
		want string
	}{
		{bot.Attachment{Kind: "file", Name: "阳光花园-2026-11.xlsx"}, "阳光花园-2026-11.xlsx"},
		{bot.Attachment{Kind: "file", Name: "../../etc/passwd"}, "passwd"},
		{bot.Attachment{Kind: "file", Name: `a:b*c?.txt`}, "a-b-c-.txt"},
		{bot.Attachment{Kind: "photo"}, "photo.jpg"},
		{bot.Attachment{Kind: "file", Name: " "}, "file"},
	} {
		if got := fileName(&c.a); got != c.want {
			t.Errorf("fileName(%q) = %q, want %q", c.a.Name, got, c.want)
		}
	}
	dir := t.TempDir()
	for i, want := range []string{"x.xlsx", "x-2.xlsx", "x-3.xlsx"} {
		path, err := writeNew(dir, "x.xlsx", []byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		if path != filepath.Join(dir, want) {
			t.Errorf("write %d went to %s, want %s", i, path, want)
		}
		if b, _ := os.ReadFile(path); len(b) != 1 || b[0] != byte(i) {
			t.Errorf("%s holds %v", path, b)
		}
	}
}
