package commands

import (
	"context"
	"fmt"
	"time"

	"github.com/linli/linli/export"
	"github.com/linli/linli/report"
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

// writeExport reads the month in a read transaction of its own and
// writes its workbook under the data directory (export.File).
func (s *Service) writeExport(ctx context.Context, comm *store.Community, loc *time.Location, lang string, year int, month time.Month) (string, *store.OutAttachment, error) {
	from, to := report.MonthWindow(year, month, loc)
	var d *store.ExportData
	if err := s.db.View(ctx, func(tx *store.Tx) (err error) { d, err = tx.Export(comm.ID, from, to); return }); err != nil {
		return "", nil, fmt.Errorf("read export: %w", err)
	}
	return export.File(s.cfg.DataDir, lang, loc, d)
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
			path, err = export.MonthChart(tx, s.cfg.DataDir, comm, loc, year, month)
			return err
		})
		if err == nil {
			err = s.db.Update(ctx, func(tx *store.Tx) error {
				out := export.ChartOut(m.Platform, m.Chat, lang, comm, year, month, path)
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
