package commands

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/report"
	"github.com/linli/linli/store"
)

// expense: /expense add AMOUNT CATEGORY [TEXT] | list [YYYY-MM] | rm ID.
func (r *req) expense() error {
	f, rest := splitArgs(r.p.Args, 1)
	if len(f) == 0 {
		return usage(i18n.UsageExpense)
	}
	switch strings.ToLower(f[0]) {
	case "add", "new", "添加", "记录", "新增":
		return r.expenseAdd(rest)
	case "list", "ls", "列表", "查看":
		return r.expenseList(rest)
	case "rm", "remove", "del", "delete", "删除":
		return r.expenseRemove(rest)
	}
	return usage(i18n.UsageExpense)
}

func (r *req) expenseAdd(args string) error {
	comm, err := r.requireCommunity()
	if err != nil {
		return err
	}
	f, text := splitArgs(args, 2)
	if len(f) < 2 {
		if len(f) == 1 {
			if _, err := ParseAmount(f[0]); err != nil {
				return err
			}
		}
		return usage(i18n.UsageExpense)
	}
	amountText, category := f[0], f[1]
	fen, err := ParseAmount(amountText)
	if err != nil && !looksNumeric(amountText) && looksNumeric(category) {
		// "/expense add 维修 120 …": the words the other way round.
		alt, err2 := ParseAmount(category)
		if err2 != nil {
			return err2
		}
		fen, category, err = alt, amountText, nil
	}
	if err != nil {
		return err
	}
	e, err := r.tx.AddExpense(store.Expense{CommunityID: comm.ID, AmountFen: fen, Category: category, Text: text, CreatedBy: r.me.ID})
	if err != nil {
		return err
	}
	return r.reply(r.t(i18n.ExpenseAdded, e.ID, report.FormatFen(e.AmountFen), e.Category, r.when(e.At)))
}

func (r *req) expenseList(args string) error {
	comm, err := r.requireCommunity()
	if err != nil {
		return err
	}
	loc := r.s.location(comm)
	year, month := r.tx.Now().In(loc).Year(), r.tx.Now().In(loc).Month()
	if a := strings.TrimSpace(args); a != "" {
		if year, month, err = ParseMonth(a, r.tx.Now(), loc); err != nil {
			return err
		}
	}
	from, to := report.MonthWindow(year, month, loc)
	es, err := r.tx.Expenses(comm.ID, from, to)
	if err != nil {
		return err
	}
	title := r.monthName(year, month)
	if len(es) == 0 {
		return r.reply(r.t(i18n.ExpenseNone, title))
	}
	out := []string{r.t(i18n.ExpenseHeader, comm.Name, title)}
	var total int64
	byCat := map[string]int64{}
	var cats []string
	for _, e := range es {
		who := ""
		if p, err := r.tx.PersonByID(e.CreatedBy); err == nil {
			who = p.Label()
		}
		out = append(out, r.t(i18n.ExpenseLine, e.ID, r.when(e.At), e.Category, report.FormatFen(e.AmountFen), truncate(e.Text, 40), who))
		total += e.AmountFen
		if _, ok := byCat[e.Category]; !ok {
			cats = append(cats, e.Category)
		}
		byCat[e.Category] += e.AmountFen
	}
	var parts []string
	for _, c := range cats {
		parts = append(parts, c+" "+report.FormatFen(byCat[c]))
	}
	out = append(out, r.t(i18n.ExpenseByCategory, strings.Join(parts, r.t(i18n.ListSep))), r.t(i18n.ExpenseTotal, report.FormatFen(total)))
	return r.reply(lines(out...))
}

func (r *req) expenseRemove(args string) error {
	id, _, err := r.idArg(args, i18n.UsageExpenseRm)
	if err != nil {
		return err
	}
	e, err := r.tx.Expense(id)
	if err != nil {
		return err
	}
	if r.comm != nil && e.CommunityID != r.comm.ID {
		return store.Errorf(store.ENOTFOUND, "no_expense", id)
	}
	if err := r.tx.RemoveExpense(id, r.me.ID); err != nil {
		return err
	}
	return r.reply(r.t(i18n.ExpenseRemoved, e.ID, report.FormatFen(e.AmountFen), e.Category))
}

var (
	amountRe        = regexp.MustCompile(`^(\d+)(?:\.(\d+))?$`)
	amountGroupedRe = regexp.MustCompile(`^\d{1,3}(?:,\d{3})+(?:\.\d+)?$`)
)

// ParseAmount reads an amount in yuan with at most two decimals ("120",
// "99.5", "¥1,234.56", "300元") and returns it in fen. Zero, negative,
// over-precise, malformed and absurdly large amounts are refused with the
// reason.
func ParseAmount(s string) (int64, error) {
	raw := s
	s = strings.TrimSpace(foldWidth(s))
	s = strings.ReplaceAll(s, "。", ".")
	for _, p := range []string{"¥", "￥", "rmb", "RMB", "CNY", "cny"} {
		s = strings.TrimPrefix(s, p)
	}
	for _, suf := range []string{"元", "块", "yuan", "CNY"} {
		s = strings.TrimSuffix(s, suf)
	}
	s = strings.TrimSpace(s)
	bad := func(key string) (int64, error) { return 0, store.Errorf(store.EINVALID, key, truncate(raw, 20)) }
	switch {
	case s == "":
		return bad("bad_amount")
	case strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−"):
		return bad("amount_negative")
	}
	if amountGroupedRe.MatchString(s) {
		s = strings.ReplaceAll(s, ",", "")
	}
	m := amountRe.FindStringSubmatch(s)
	if m == nil {
		return bad("bad_amount")
	}
	if len(m[2]) > 2 {
		return bad("amount_decimals")
	}
	if len(m[1]) > 12 {
		return bad("amount_too_big")
	}
	yuan, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return bad("bad_amount")
	}
	frac := m[2]
	for len(frac) < 2 {
		frac += "0"
	}
	cents, _ := strconv.ParseInt(frac, 10, 64)
	fen := yuan*100 + cents
	switch {
	case fen == 0:
		return bad("amount_zero")
	case fen > store.MaxExpenseFen:
		return bad("amount_too_big")
	}
	return fen, nil
}

func looksNumeric(s string) bool {
	return strings.ContainsAny(foldWidth(s), "0123456789")
}

var monthRe = regexp.MustCompile(`^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*月?份?$`)

// ParseMonth reads a month: "2026-11", "2026/11", "2026年11月", "11月" (this
// year), "last"/"上月", "this"/"本月". A month that has not started yet is
// refused.
func ParseMonth(s string, now time.Time, loc *time.Location) (int, time.Month, error) {
	local := now.In(loc)
	t := strings.ToLower(strings.TrimSpace(foldWidth(s)))
	switch t {
	case "this", "本月", "这个月", "current":
		return local.Year(), local.Month(), nil
	case "last", "上月", "上个月", "previous", "prev":
		p := time.Date(local.Year(), local.Month(), 1, 12, 0, 0, 0, loc).AddDate(0, -1, 0)
		return p.Year(), p.Month(), nil
	}
	m := monthRe.FindStringSubmatch(t)
	if m == nil || (m[1] == "" && !strings.Contains(t, "月")) {
		return 0, 0, store.Errorf(store.EINVALID, "bad_month", truncate(s, 20))
	}
	year := local.Year()
	if m[1] != "" {
		year, _ = strconv.Atoi(m[1])
	}
	month, _ := strconv.Atoi(m[2])
	if month < 1 || month > 12 || year < 2000 {
		return 0, 0, store.Errorf(store.EINVALID, "bad_month", truncate(s, 20))
	}
	if year > local.Year() || (year == local.Year() && time.Month(month) > local.Month()) {
		return 0, 0, store.Errorf(store.EINVALID, "month_future", truncate(s, 20))
	}
	return year, time.Month(month), nil
}

// monthName names a month in the reply language: "2026年11月", "November 2026".
func (r *req) monthName(year int, month time.Month) string {
	return report.MonthName(r.lang, year, month)
}
