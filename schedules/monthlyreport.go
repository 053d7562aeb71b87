package schedules

import (
	"context"
	"fmt"
	"time"

	"github.com/linli/linli/export"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/report"
	"github.com/linli/linli/store"
)

// monthlyReport (09:00 on the 1st) sends each community's report on the
// month that just ended: the full report to its managers privately, and a
// summary without names to its resident groups. A community's month is sent
// once, however often the job runs (a catch-up, a /runjob); /report shows it
// again on demand.
func (s *Scheduler) monthlyReport(ctx context.Context) (string, error) {
	var sent, before int
	var label string
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		sent, before = 0, 0
		now := tx.Now()
		comms := s.communities(tx)
		all, err := tx.Communities()
		if err != nil {
			return err
		}
		y, m := previousMonth(now.In(s.cfg.Location))
		label = report.MonthName(s.cfg.Lang, y, m)
		for _, c := range all {
			loc := comms.loc(c)
			y, m := previousMonth(now.In(loc))
			if !c.CreatedAt.Before(time.Date(y, m+1, 1, 0, 0, 0, 0, loc)) {
				continue // it did not exist that month: there is nothing to report
			}
			key := fmt.Sprintf("monthly_report:%d:%04d-%02d", c.ID, y, int(m))
			done, err := tx.Setting(key)
			if err != nil {
				return err
			}
			if done != "" {
				before++
				continue
			}
			cur, prev, err := report.Month(tx, c.ID, y, m, loc)
			if err != nil {
				return err
			}
			managers, err := managersOf(tx, c.ID)
			if err != nil {
				return err
			}
			var chart string
			if len(managers) > 0 {
				chart = s.monthChart(tx, c, loc, y, m)
			}
			for _, p := range managers {
				lang := comms.langOf(p, s.cfg.Lang)
				text := report.Format(lang, c, loc, cur, prev, now)
				if _, err := tx.Enqueue(store.Out{Platform: p.Platform, Chat: p.PrivateChat, Text: text}); err != nil {
					return err
				}
				if chart != "" {
					if _, err := tx.Enqueue(export.ChartOut(p.Platform, p.PrivateChat, lang, c, y, m, chart)); err != nil {
						return err
					}
				}
			}
			if _, err := toResidentGroups(tx, c.ID, report.Summary(c.Lang, c, loc, cur)); err != nil {
				return err
			}
			if err := tx.SetSetting(key, fmt.Sprint(now.Unix())); err != nil {
				return err
			}
			sent++
		}
		return nil
	})
	return i18n.T(s.cfg.Lang, i18n.JobResultReport, label, sent, before), err
}

// previousMonth is the month before the one t falls in.
func previousMonth(t time.Time) (int, time.Month) {
	p := time.Date(t.Year(), t.Month(), 1, 12, 0, 0, 0, t.Location()).AddDate(0, -1, 0)
	return p.Year(), p.Month()
}

// monthChart draws a community's chart of the month for its managers and
// returns the file's path; "" without a data directory or when the chart
// cannot be drawn (the report goes out without it, and the failure is logged).
func (s *Scheduler) monthChart(tx *store.Tx, c *store.Community, loc *time.Location, y int, m time.Month) string {
	if s.cfg.DataDir == "" {
		return ""
	}
	path, err := export.MonthChart(tx, s.cfg.DataDir, c, loc, y, m)
	if err != nil {
		s.log.Error("monthly report chart", "community", c.ID, "err", err)
		return ""
	}
	return path
}
