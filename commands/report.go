package commands

import (
	"strings"
	"time"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/report"
	"github.com/linli/linli/store"
)

// report: /report [YYYY-MM] [COMMUNITY] shows the work report of a month (the
// current one so far by default); /report keywords and /report keyword
// add|rm edit the complaint categories.
func (r *req) report() error {
	f := Fields(r.p.Args)
	if len(f) > 0 {
		switch strings.ToLower(f[0]) {
		case "keywords", "categories", "关键词", "分类":
			return r.keywordList()
		case "keyword", "category", "关键字":
			return r.keywordEdit(f[1:])
		}
	}
	comm, year, month, err := r.reportArgs(f)
	if err != nil {
		return err
	}
	loc := r.s.location(comm)
	cur, prev, err := report.Month(r.tx, comm.ID, year, month, loc)
	if err != nil {
		return err
	}
	if err := r.reply(report.Format(r.lang, comm, loc, cur, prev, r.tx.Now())); err != nil {
		return err
	}
	r.queueChart(comm, year, month) // the chart photo follows the text
	return nil
}

// kpi: /kpi [YYYY-MM] [COMMUNITY] shows the plan's three KPI lines alone.
func (r *req) kpi() error {
	comm, year, month, err := r.reportArgs(Fields(r.p.Args))
	if err != nil {
		return err
	}
	loc := r.s.location(comm)
	cur, prev, err := report.Month(r.tx, comm.ID, year, month, loc)
	if err != nil {
		return err
	}
	head := i18n.T(r.lang, i18n.KPITitle, comm.Name, report.MonthName(r.lang, year, month)) + report.Partial(r.lang, loc, cur, r.tx.Now())
	return r.reply(lines(head, report.KPIs(r.lang, cur, prev)))
}

// reportArgs reads an optional month and an optional community name.
func (r *req) reportArgs(f []string) (*store.Community, int, time.Month, error) {
	var name []string
	var year int
	var month time.Month
	for _, x := range f {
		if year == 0 {
			if y, m, err := ParseMonth(x, r.tx.Now(), r.s.location(r.comm)); err == nil {
				year, month = y, m
				continue
			} else if store.ErrorCode(err) == store.EINVALID && (looksNumeric(x) || strings.Contains(x, "月")) {
				return nil, 0, 0, err
			}
		}
		name = append(name, x)
	}
	comm := r.comm
	if len(name) > 0 {
		c, err := r.managedCommunity(strings.Join(name, " "))
		if err != nil {
			return nil, 0, 0, err
		}
		comm = c
	}
	if comm == nil {
		return nil, 0, 0, store.Errorf(store.EINVALID, "report_which_community")
	}
	if year == 0 {
		now := r.tx.Now().In(r.s.location(comm))
		year, month = now.Year(), now.Month()
	}
	return comm, year, month, nil
}

func (r *req) keywordList() error {
	ks, err := r.tx.ComplaintKeywords()
	if err != nil {
		return err
	}
	var order []string
	byCat := map[string][]string{}
	for _, k := range ks {
		if _, ok := byCat[k.Category]; !ok {
			order = append(order, k.Category)
		}
		byCat[k.Category] = append(byCat[k.Category], k.Keyword)
	}
	out := []string{r.t(i18n.KeywordsHeader)}
	for _, c := range order {
		out = append(out, r.t(i18n.KeywordsLine, report.CategoryName(r.lang, c), strings.Join(byCat[c], r.t(i18n.ListSep))))
	}
	out = append(out, r.t(i18n.KeywordsHint))
	return r.reply(lines(out...))
}

func (r *req) keywordEdit(f []string) error {
	if len(f) == 0 {
		return usage(i18n.UsageKeyword)
	}
	switch strings.ToLower(f[0]) {
	case "add", "set", "添加":
		if len(f) != 3 {
			return usage(i18n.UsageKeyword)
		}
		if err := r.tx.SetComplaintKeyword(f[1], f[2]); err != nil {
			return err
		}
		return r.reply(r.t(i18n.KeywordsSet, f[1], f[2]))
	case "rm", "remove", "del", "删除":
		if len(f) != 2 {
			return usage(i18n.UsageKeyword)
		}
		if err := r.tx.RemoveComplaintKeyword(f[1]); err != nil {
			return err
		}
		return r.reply(r.t(i18n.KeywordsRemoved, f[1]))
	}
	return usage(i18n.UsageKeyword)
}
