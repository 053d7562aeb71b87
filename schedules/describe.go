package schedules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli/i18n"
)

// Describe says in words, in lang ("zh" or "en"), when a spec runs: "每周一
// 09:00", "every Monday at 09:00", "每 2 小时". Specs too intricate to say
// simply are shown as they are; the preview of the next runs makes them
// concrete. It implements commands.Jobs.
func (s *Scheduler) Describe(spec, lang string) string { return Describe(spec, lang) }

// Describe says in words, in lang, when a spec runs.
func Describe(spec, lang string) string {
	w := words(lang)
	body := NormalizeSpec(spec)
	zone := ""
	if strings.HasPrefix(body, "TZ=") || strings.HasPrefix(body, "CRON_TZ=") {
		if sp := strings.IndexByte(body, ' '); sp > 0 {
			zone = body[strings.IndexByte(body, '=')+1 : sp]
			body = strings.TrimSpace(body[sp:])
		}
	}
	d := describe(body, w)
	if d == "" {
		d = w.t(i18n.DescRaw, spec)
	}
	if zone != "" {
		d += w.t(i18n.DescZone, zone)
	}
	return d
}

// words says the parts of a description in one language, from the
// catalogue's "desc." entries.
type words string

func (w words) t(k i18n.Key, args ...any) string { return i18n.T(string(w), k, args...) }

// list joins items the language's way: "一、三、五", "Monday, Wednesday and Friday".
func (w words) list(items []string) string { return i18n.List(string(w), items) }

func describe(body string, w words) string {
	switch body {
	case "@daily", "@midnight":
		return w.t(i18n.DescDescriptorDaily)
	case "@weekly":
		return w.t(i18n.DescDescriptorWeekly)
	case "@monthly":
		return w.t(i18n.DescDescriptorMonthly)
	case "@yearly", "@annually":
		return w.t(i18n.DescDescriptorYearly)
	case "@hourly":
		return w.t(i18n.DescHourly)
	}
	if rest, ok := strings.CutPrefix(body, "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil {
			return ""
		}
		return w.every(d)
	}
	f := strings.Fields(body)
	if len(f) != 5 {
		return ""
	}
	minute, hour, dom, month, dow := f[0], f[1], f[2], f[3], f[4]
	at, intraDay := timeOfDay(minute, hour, w)
	if at == "" {
		return ""
	}
	everyDay := dom == "*" || dom == "?"
	anyMonth := month == "*" || month == "?"
	anyDow := dow == "*" || dow == "?"
	var day string
	switch {
	case everyDay && anyMonth && anyDow:
		if intraDay {
			return at
		}
		day = w.t(i18n.DescDaily)
	case everyDay && anyMonth:
		ds, ok := values(dow, 0, 7, dowNames)
		if !ok {
			return ""
		}
		day = w.t(i18n.DescWeekly, weekdayText(ds, w))
	case anyDow && anyMonth:
		ds, ok := values(dom, 1, 31, nil)
		if !ok {
			return ""
		}
		day = w.t(i18n.DescMonthly, daysText(ds, w))
	case anyDow && !everyDay:
		ds, ok1 := values(dom, 1, 31, nil)
		ms, ok2 := values(month, 1, 12, monthNames)
		if !ok1 || !ok2 {
			return ""
		}
		day = w.t(i18n.DescYearly, monthsText(ms, w)+" "+daysText(ds, w))
	default:
		return ""
	}
	if intraDay {
		return w.t(i18n.DescDayIntraday, day, at) // "every Monday, every 15 minutes"
	}
	return w.t(i18n.DescDayAt, day, at)
}

// timeOfDay describes the minute and hour fields: "09:00", "09:00、18:30",
// "every 15 minutes", "every hour at minute 5". intra is set for rules that
// run several times an hour.
func timeOfDay(minute, hour string, w words) (text string, intra bool) {
	ms, mok := values(minute, 0, 59, nil)
	hs, hok := values(hour, 0, 23, nil)
	anyHour := hour == "*" || hour == "?"
	switch {
	case mok && hok && len(ms)*len(hs) <= 4:
		var ts []string
		for _, h := range hs {
			for _, m := range ms {
				ts = append(ts, fmt.Sprintf("%02d:%02d", h, m))
			}
		}
		return strings.Join(ts, w.t(i18n.ListSep)), false
	case mok && len(ms) == 1 && anyHour:
		if ms[0] == 0 {
			return w.t(i18n.DescHourly), true
		}
		return w.t(i18n.DescEveryHourAt, ms[0]), true
	case mok && len(ms) == 1 && isRange(hour):
		a, b := rangeBounds(hour)
		return w.t(i18n.DescHoursRangeAt, a, b, ms[0]), true
	case (minute == "*" || minute == "?") && anyHour:
		return w.t(i18n.DescEveryMinute), true
	case strings.HasPrefix(minute, "*/") && (anyHour || isRange(hour)):
		n, err := strconv.Atoi(minute[2:])
		if err != nil {
			return "", false
		}
		if anyHour {
			return w.t(i18n.DescEveryNMinutes, n), true
		}
		a, b := rangeBounds(hour)
		return w.t(i18n.DescRangeEveryN, a, b, n), true
	}
	return "", false
}

// weekdayText names days of the week (0 is Sunday): a run of three or more
// as a range, others as a list, where the days after the first take their
// short form ("周一、三、五").
func weekdayText(ds []int, w words) string {
	for i := range ds {
		ds[i] %= 7
	}
	if len(ds) >= 3 && contiguous(ds) {
		return w.t(i18n.DescWeekdayRange, w.t(i18n.DescWeekday(time.Weekday(ds[0]))), w.t(i18n.DescWeekday(time.Weekday(ds[len(ds)-1]))))
	}
	names := []string{w.t(i18n.DescWeekday(time.Weekday(ds[0])))}
	for _, d := range ds[1:] {
		names = append(names, w.t(i18n.DescWeekdayAfter(time.Weekday(d))))
	}
	return w.list(names)
}

// daysText names days of the month: "1、15 日", "1st, 15th".
func daysText(ds []int, w words) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, i18n.Ordinal(string(w), d))
	}
	return w.t(i18n.DescDays, strings.Join(parts, w.t(i18n.ListSep)))
}

// monthsText names months: "1、7 月", "January, July".
func monthsText(ms []int, w words) string {
	var parts []string
	for _, m := range ms {
		parts = append(parts, w.t(i18n.DescMonth(time.Month(m))))
	}
	return w.t(i18n.DescMonths, strings.Join(parts, w.t(i18n.ListSep)))
}

// every says "@every d" in whole days, hours or minutes where it can:
// "每 2 小时", "every 2 hours", "every hour".
func (w words) every(d time.Duration) string {
	count := func(n time.Duration, one, many i18n.Key) string {
		if n == 1 {
			return w.t(one)
		}
		return w.t(many, int(n))
	}
	switch {
	case d%(24*time.Hour) == 0:
		return count(d/(24*time.Hour), i18n.DescEveryOneDay, i18n.DescEveryNDays)
	case d%time.Hour == 0:
		return count(d/time.Hour, i18n.DescEveryOneHour, i18n.DescEveryNHours)
	case d%time.Minute == 0:
		return count(d/time.Minute, i18n.DescEveryOneMinute, i18n.DescEveryNMinutes)
	}
	return w.t(i18n.DescEveryDuration, d.String())
}

var (
	dowNames   = map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
	monthNames = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}
)

// values expands a field made of numbers, names and ranges ("1-5,7"; no
// steps, no "*") into its sorted values.
func values(field string, lo, hi int, names map[string]int) ([]int, bool) {
	if field == "" || strings.ContainsAny(field, "*?/") {
		return nil, false
	}
	seen := map[int]bool{}
	for _, part := range strings.Split(field, ",") {
		a, b, isRange := strings.Cut(part, "-")
		x, ok := number(a, names)
		if !ok {
			return nil, false
		}
		y := x
		if isRange {
			if y, ok = number(b, names); !ok {
				return nil, false
			}
		}
		if x < lo || y > hi || x > y {
			return nil, false
		}
		for v := x; v <= y; v++ {
			seen[v] = true
		}
	}
	var out []int
	for v := lo; v <= hi; v++ {
		if seen[v] {
			out = append(out, v)
		}
	}
	return out, len(out) > 0
}

func number(s string, names map[string]int) (int, bool) {
	if v, ok := names[strings.ToLower(s)]; ok {
		return v, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func isNum(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

func isRange(s string) bool {
	a, b, ok := strings.Cut(s, "-")
	return ok && isNum(a) && isNum(b)
}

func rangeBounds(s string) (int, int) {
	a, b, _ := strings.Cut(s, "-")
	x, _ := strconv.Atoi(a)
	y, _ := strconv.Atoi(b)
	return x, y
}

func contiguous(ds []int) bool {
	for i := 1; i < len(ds); i++ {
		if ds[i] != ds[i-1]+1 {
			return false
		}
	}
	return true
}
