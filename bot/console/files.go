package console

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/linli/linli/bot"
)

// saveAttachment writes a photo or file the bot sends into the Files folder
// and returns the line to print in its place: "↳ 文件：PATH" ("↳ file: PATH"),
// or a note when it cannot be saved. A terminal cannot show the bytes; the
// path opens in a spreadsheet or an image viewer. c.mu is held.
func (c *Console) saveAttachment(a *bot.Attachment) string {
	label := LineFile
	if a.Kind == "photo" {
		label = LinePhoto
	}
	if len(a.Data) == 0 {
		return c.say(label, c.say(LineFileEmpty, a.Name))
	}
	dir := c.cfg.Files
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "linli-console")
	}
	path, err := writeNew(dir, fileName(a), a.Data)
	if err != nil {
		return c.say(label, c.say(LineFileNotSaved, err.Error()))
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return c.say(label, path)
}

// fileName is the attachment's own name made safe for a file system, or a
// name from its kind.
func fileName(a *bot.Attachment) string {
	name := strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`\/:*?"<>|`, r) {
			return '-'
		}
		return r
	}, filepath.Base(strings.TrimSpace(a.Name)))
	if name == "" || name == "." || name == ".." || name == "-" {
		name = "file"
		if a.Kind == "photo" {
			name = "photo.jpg"
		}
	}
	return name
}

// writeNew writes data to dir/name, or to "name-2", "name-3"… when that file
// exists: every attachment printed keeps its own file.
func writeNew(dir, name string, data []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 1; i <= 1000; i++ {
		path := filepath.Join(dir, name)
		if i > 1 {
			path = filepath.Join(dir, fmt.Sprintf("%s-%d%s", stem, i, ext))
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if os.IsExist(err) {
			continue
		}
		if err != nil {
			return "", err
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return "", err
		}
		return path, nil
	}
	return "", fmt.Errorf("too many files named %s in %s", name, dir)
}
