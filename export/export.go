// Package export turns a community's month into files: the Excel workbook
// of its records (/export, made with github.com/xuri/excelize/v2) and the
// monthly report's chart (/report and the monthly report job, drawn with
// gonum.org/v1/plot). It is the only package that imports either library.
//
// The chart's text uses the Liberation fonts that gonum embeds, so the
// chart looks the same on any machine, with or without system fonts. Those
// fonts have no CJK glyphs: the axes and titles are in English, and a title
// is drawn only when every character of it has a glyph (a Chinese community
// name is left out rather than drawn as empty boxes). The caption that goes
// with the picture carries the community's language.
package export

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/report"
	"github.com/linli/linli/store"
)

// File writes the workbook of a month's records, d (store.Tx.Export),
// under dataDir (exports/, one file per community and month, replaced by a
// later export of the same month) and returns its caption in lang and the
// attachment that carries it.
func File(dataDir, lang string, loc *time.Location, d *store.ExportData) (string, *store.OutAttachment, error) {
	from := d.From.In(loc)
	year, month := from.Year(), from.Month()
	f, err := Workbook(lang, loc, d)
	if err != nil {
		return "", nil, fmt.Errorf("build workbook: %w", err)
	}
	var b bytes.Buffer
	_, err = f.WriteTo(&b)
	f.Close()
	if err != nil {
		return "", nil, fmt.Errorf("write workbook: %w", err)
	}
	comm := d.Community
	path, err := writeFileAtomic(filepath.Join(dataDir, "exports"), fmt.Sprintf("%d-%04d-%02d.xlsx", comm.ID, year, int(month)), b.Bytes())
	if err != nil {
		return "", nil, err
	}
	caption := i18n.T(lang, i18n.ExportCaption, comm.Name, report.MonthName(lang, year, month),
		len(d.Tickets), len(d.Events), len(d.Ratings), len(d.Expenses), len(d.Suggestions))
	if d.To.After(d.Now) {
		caption += i18n.T(lang, i18n.ReportPartial, i18n.FormatTime(lang, loc, d.Now))
	}
	return caption, &store.OutAttachment{Kind: "file", Path: path, Name: FileName(comm.Name, year, month, ".xlsx")}, nil
}

// MonthChart draws a community's chart of a month (the days so far, for the
// month in progress) and writes it under dataDir (charts/, one file per
// community and month). It returns the file's path.
func MonthChart(tx *store.Tx, dataDir string, comm *store.Community, loc *time.Location, year int, month time.Month) (string, error) {
	from, to := report.MonthWindow(year, month, loc)
	figures, err := tx.DailyFigures(comm.ID, from, to)
	if err != nil {
		return "", err
	}
	m := Chart{Year: year, Month: month, Name: comm.Name, Days: make([]ChartDay, len(figures))}
	for i, f := range figures {
		m.Days[i] = ChartDay{Opened: f.Opened, Resolved: f.Resolved, OnTime: f.WithinSLA}
	}
	png, err := ChartPNG(m)
	if err != nil {
		return "", err
	}
	return writeFileAtomic(filepath.Join(dataDir, "charts"), fmt.Sprintf("%d-%04d-%02d.png", comm.ID, year, int(month)), png)
}

// ChartOut is the photo message that carries a month's chart (from
// MonthChart) to a chat, with a caption in lang that says what it shows.
func ChartOut(p bot.PlatformID, chat bot.ChatID, lang string, comm *store.Community, year int, month time.Month, path string) store.Out {
	return store.Out{
		Platform: p, Chat: chat,
		Text:       i18n.T(lang, i18n.ChartCaption, comm.Name, report.MonthName(lang, year, month)),
		Attachment: &store.OutAttachment{Kind: "photo", Path: path, Name: FileName(comm.Name, year, month, ".png")},
	}
}

// writeFileAtomic writes data to dir/name through a temporary file, so that a
// sender reading the file (a queued message) never sees half of it.
func writeFileAtomic(dir, name string, data []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("make %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", name, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o600)
	}
	path := filepath.Join(dir, name)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("write %s: %w", name, err)
	}
	return path, nil
}

// FileName is the name people see on a sent file (and on the web desk's
// download): the community and the month, with characters that file
// systems refuse replaced.
func FileName(community string, year int, month time.Month, ext string) string {
	clean := strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`\/:*?"<>|`, r) {
			return '-'
		}
		return r
	}, strings.TrimSpace(community))
	clean = i18n.Clip(clean, 40)
	clean = strings.TrimSuffix(clean, "…")
	if clean == "" {
		clean = "linli"
	}
	return fmt.Sprintf("%s-%04d-%02d%s", clean, year, int(month), ext)
}
