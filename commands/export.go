package commands

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/chart"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// export: /export [YYYY-MM] [COMMUNITY] sends a month's records as an Excel
// workbook, as a document (Telegram), a file (WeChat) or a file path (the
// console). Like /report and /kpi it takes the current month so far by
// default ("/export 上月" or "/export last" is the month before).
//
// The workbook is built after the command's transaction has committed, from
// a read transaction of its own, so a large month never holds the write lock;
// the reply is queued when the file is ready.
func (r *req) export() error {
	comm, year, month, err := r.reportArgs(Fields(r.p.Args))
	if err != nil {
		return err
	}
	if r.s.cfg.DataDir == "" {
		return store.Errorf(store.EINVALID, "export_unavailable")
	}
	s, m, lang, loc := r.s, *r.m, r.lang, r.s.location(comm)
	r.afterCommit(func(ctx context.Context) {
		out := store.Out{Platform: m.Platform, Chat: m.Chat, Thread: m.Thread, ReplyTo: m.ID}
		var err error
		out.Text, out.Attachment, err = s.writeExport(ctx, comm, loc, lang, year, month)
		if err != nil {
			s.log.Error("export", "community", comm.ID, "month", fmt.Sprintf("%04d-%02d", year, int(month)), "err", err)
			out.Text, out.Attachment = r.errorText(err), nil
		}
		if err := s.db.Update(ctx, func(tx *store.Tx) error { _, err := tx.Enqueue(out); return err }); err != nil {
			s.log.Error("export reply", "community", comm.ID, "err", err)
		}
	})
	return nil
}

// writeExport reads the month, writes its workbook under the data directory
// (exports/, one file per community and month, replaced by a later export of
// the same month) and returns the caption and the attachment.
func (s *Service) writeExport(ctx context.Context, comm *store.Community, loc *time.Location, lang string, year int, month time.Month) (string, *store.OutAttachment, error) {
	from, to := MonthWindow(year, month, loc)
	var d *store.ExportData
	if err := s.db.View(ctx, func(tx *store.Tx) (err error) { d, err = tx.Export(comm.ID, from, to); return }); err != nil {
		return "", nil, fmt.Errorf("read export: %w", err)
	}
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
	path, err := writeFileAtomic(filepath.Join(s.cfg.DataDir, "exports"), fmt.Sprintf("%d-%04d-%02d.xlsx", comm.ID, year, int(month)), b.Bytes())
	if err != nil {
		return "", nil, err
	}
	caption := i18n.T(lang, i18n.ExportCaption, comm.Name, MonthName(lang, year, month),
		len(d.Tickets), len(d.Events), len(d.Ratings), len(d.Expenses), len(d.Suggestions))
	if to.After(d.Now) {
		caption += i18n.T(lang, i18n.ReportPartial, i18n.FormatTime(lang, loc, d.Now))
	}
	return caption, &store.OutAttachment{Kind: "file", Path: path, Name: fileName(comm.Name, year, month, ".xlsx")}, nil
}

// MonthChart draws a community's chart of a month (the days so far, for the
// month in progress) and writes it under dataDir (charts/, one file per
// community and month). It returns the file's path.
func MonthChart(tx *store.Tx, dataDir string, comm *store.Community, loc *time.Location, year int, month time.Month) (string, error) {
	from, to := MonthWindow(year, month, loc)
	figures, err := tx.DailyFigures(comm.ID, from, to)
	if err != nil {
		return "", err
	}
	m := chart.Month{Year: year, Month: month, Name: comm.Name, Days: make([]chart.Day, len(figures))}
	for i, f := range figures {
		m.Days[i] = chart.Day{Opened: f.Opened, Resolved: f.Resolved, OnTime: f.WithinSLA}
	}
	png, err := chart.PNG(m)
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
		Text:       i18n.T(lang, i18n.ChartCaption, comm.Name, MonthName(lang, year, month)),
		Attachment: &store.OutAttachment{Kind: "photo", Path: path, Name: fileName(comm.Name, year, month, ".png")},
	}
}

// queueChart sends the month's chart after /report's text, once the report
// has committed. A chart that cannot be drawn is logged and left out: the
// report has gone already.
func (r *req) queueChart(comm *store.Community, year int, month time.Month) {
	s, m, lang, loc := r.s, *r.m, r.lang, r.s.location(comm)
	if s.cfg.DataDir == "" {
		return
	}
	r.afterCommit(func(ctx context.Context) {
		var path string
		err := s.db.View(ctx, func(tx *store.Tx) (err error) {
			path, err = MonthChart(tx, s.cfg.DataDir, comm, loc, year, month)
			return err
		})
		if err == nil {
			err = s.db.Update(ctx, func(tx *store.Tx) error {
				out := ChartOut(m.Platform, m.Chat, lang, comm, year, month, path)
				out.Thread = m.Thread
				_, err := tx.Enqueue(out)
				return err
			})
		}
		if err != nil {
			s.log.Error("report chart", "community", comm.ID, "err", err)
		}
	})
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

// fileName is the name people see on a sent file: the community and the
// month, with characters that file systems refuse replaced.
func fileName(community string, year int, month time.Month, ext string) string {
	clean := strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`\/:*?"<>|`, r) {
			return '-'
		}
		return r
	}, strings.TrimSpace(community))
	clean = truncate(clean, 40)
	clean = strings.TrimSuffix(clean, "…")
	if clean == "" {
		clean = "linli"
	}
	return fmt.Sprintf("%s-%04d-%02d%s", clean, year, int(month), ext)
}
