package schedules

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Describe says in words, in lang ("zh" or "en"), when a spec runs: "每周一
// 09:00", "every Monday at 09:00", "每 2 小时". Specs too intricate to say
// simply are shown as they are; the preview of the next runs makes them
// concrete. It implements commands.Jobs.
func (s *Scheduler) Describe(spec, lang string) string { return Describe(spec, lang) }

// Describe says in words, in lang, when a spec runs.
func Describe(spec, lang string) string {
	w := words[lang]
	if w == nil {
		w = words["zh"]
	}
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
		d = fmt.Sprintf(w.raw, spec)
	}
	if zone != "" {
		d += fmt.Sprintf(w.zone, zone)
	}
	return d
}

// vocabulary is how one language says schedules.
type vocabulary struct {
	raw, zone                       string
	everyMinute, everyNMinutes      string
	everyHourAt, hoursRangeAt       string
	rangeEveryN                     string
	everyDuration                   string
	daily, weekly, monthly, yearly  string // day part, then "%s" for the time
	weekdays                        [7]string
	weekdayList                     func([]string) string
	weekdayRange                    string
	dayOfMonth                      func([]int) string
	months                          func([]int) string
	join                            func(day, at string, intra bool) string
	atTimes                         func([]string) string
	hourly                          string
	descriptorDaily, descriptorWeek string
	descriptorMonth, descriptorYear string
	descriptorHourly                string
}

var words = map[string]*vocabulary{
	"zh": {
		raw: "按规则 %s", zone: "（%s 时间）",
		everyMinute: "每分钟", everyNMinutes: "每 %d 分钟",
		everyHourAt: "每小时第 %d 分", hoursRangeAt: "%d–%d 点每小时第 %d 分",
		rangeEveryN:   "%d–%d 点每 %d 分钟",
		everyDuration: "每 %s",
		daily:         "每天", weekly: "每%s", monthly: "每月 %s", yearly: "每年 %s",
		weekdays:     [7]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"},
		weekdayList:  func(ds []string) string { return strings.Join(ds, "、") },
		weekdayRange: "%s至%s",
		dayOfMonth: func(ds []int) string {
			return joinInts(ds, "、") + " 日"
		},
		months:          func(ms []int) string { return joinInts(ms, "、") + " 月" },
		join:            func(day, at string, _ bool) string { return day + " " + at },
		atTimes:         func(ts []string) string { return strings.Join(ts, "、") },
		hourly:          "每小时整点",
		descriptorDaily: "每天 00:00", descriptorWeek: "每周日 00:00", descriptorMonth: "每月 1 日 00:00",
		descriptorYear: "每年 1 月 1 日 00:00", descriptorHourly: "每小时整点",
	},
	"en": {
		raw: "cron rule %s", zone: " (%s time)",
		everyMinute: "every minute", everyNMinutes: "every %d minutes",
		everyHourAt: "every hour at minute %d", hoursRangeAt: "every hour from %d to %d at minute %d",
		rangeEveryN:   "from %d:00 to %d:59 every %d minutes",
		everyDuration: "every %s",
		daily:         "every day", weekly: "every %s", monthly: "on the %s of every month", yearly: "every year on %s",
		weekdays: [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		weekdayList: func(ds []string) string {
			if len(ds) == 1 {
				return ds[0]
			}
			return strings.Join(ds[:len(ds)-1], ", ") + " and " + ds[len(ds)-1]
		},
		weekdayRange: "%s to %s",
		dayOfMonth: func(ds []int) string {
			var parts []string
			for _, d := range ds {
				parts = append(parts, ordinal(d))
			}
			return strings.Join(parts, ", ")
		},
		months: func(ms []int) string {
			var parts []string
			for _, m := range ms {
				parts = append(parts, time.Month(m).String())
			}
			return strings.Join(parts, ", ")
		},
		join: func(day, at string, intra bool) string {
			if intra {
				return day + ", " + at // "every Monday, every 15 minutes"
			}
			return day + " at " + at
		},
		atTimes:         func(ts []string) string { return strings.Join(ts, ", ") },
		hourly:          "every hour on the hour",
		descriptorDaily: "every day at 00:00", descriptorWeek: "every Sunday at 00:00", descriptorMonth: "on the 1st of every month at 00:00",
		descriptorYear: "every year on January 1st at 00:00", descriptorHourly: "every hour on the hour",
	},
}

func describe(body string, w *vocabulary) string {
	switch body {
	case "@daily", "@midnight":
		return w.descriptorDaily
	case "@weekly":
		return w.descriptorWeek
	case "@monthly":
		return w.descriptorMonth
	case "@yearly", "@annually":
		return w.descriptorYear
	case "@hourly":
		return w.descriptorHourly
	}
	if rest, ok := strings.CutPrefix(body, "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil {
			return ""
		}
		return fmt.Sprintf(w.everyDuration, humanDuration(d, w == words["en"]))
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
		day = w.daily
	case everyDay && anyMonth:
		ds, ok := values(dow, 0, 7, dowNames)
		if !ok {
			return ""
		}
		day = fmt.Sprintf(w.weekly, weekdayText(ds, w))
	case anyDow && anyMonth:
		ds, ok := values(dom, 1, 31, nil)
		if !ok {
			return ""
		}
		day = fmt.Sprintf(w.monthly, w.dayOfMonth(ds))
	case anyDow && !everyDay:
		ds, ok1 := values(dom, 1, 31, nil)
		ms, ok2 := values(month, 1, 12, monthNames)
		if !ok1 || !ok2 {
			return ""
		}
		day = fmt.Sprintf(w.yearly, w.months(ms)+" "+w.dayOfMonth(ds))
	default:
		return ""
	}
	return w.join(day, at, intraDay)
}

// timeOfDay describes the minute and hour fields: "09:00", "09:00、18:30",
// "every 15 minutes", "every hour at minute 5". intra is set for rules that
// run several times an hour.
func timeOfDay(minute, hour string, w *vocabulary) (text string, intra bool) {
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
		return w.atTimes(ts), false
	case mok && len(ms) == 1 && anyHour:
		if ms[0] == 0 {
			return w.hourly, true
		}
		return fmt.Sprintf(w.everyHourAt, ms[0]), true
	case mok && len(ms) == 1 && isRange(hour):
		a, b := rangeBounds(hour)
		return fmt.Sprintf(w.hoursRangeAt, a, b, ms[0]), true
	case (minute == "*" || minute == "?") && anyHour:
		return w.everyMinute, true
	case strings.HasPrefix(minute, "*/") && (anyHour || isRange(hour)):
		n, err := strconv.Atoi(minute[2:])
		if err != nil {
			return "", false
		}
		if anyHour {
			return fmt.Sprintf(w.everyNMinutes, n), true
		}
		a, b := rangeBounds(hour)
		return fmt.Sprintf(w.rangeEveryN, a, b, n), true
	}
	return "", false
}

func weekdayText(ds []int, w *vocabulary) string {
	for i := range ds {
		ds[i] %= 7
	}
	if len(ds) >= 3 && contiguous(ds) {
		return fmt.Sprintf(w.weekdayRange, w.weekdays[ds[0]], w.weekdays[ds[len(ds)-1]])
	}
	var names []string
	for _, d := range ds {
		names = append(names, w.weekdays[d])
	}
	if w == words["zh"] && len(names) > 1 {
		// 每周一、三、五
		for i := 1; i < len(names); i++ {
			names[i] = strings.TrimPrefix(names[i], "周")
		}
	}
	return w.weekdayList(names)
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

func joinInts(ns []int, sep string) string {
	var parts []string
	for _, n := range ns {
		parts = append(parts, strconv.Itoa(n))
	}
	return strings.Join(parts, sep)
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// humanDuration shows "2h", "90m", "1d12h" as "2 小时", "1.5 hours"…
func humanDuration(d time.Duration, en bool) string {
	unit := func(n float64, zh, one, many string) string {
		s := strconv.FormatFloat(n, 'f', -1, 64)
		if !en {
			return s + " " + zh
		}
		if n == 1 {
			return one
		}
		return s + " " + many
	}
	switch {
	case d%(24*time.Hour) == 0:
		return unit(float64(d/(24*time.Hour)), "天", "day", "days")
	case d%time.Hour == 0:
		return unit(float64(d/time.Hour), "小时", "hour", "hours")
	case d%time.Minute == 0:
		return unit(float64(d/time.Minute), "分钟", "minute", "minutes")
	}
	return d.String()
}
