package schedules

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

func TestParseSpecRefusesWithAReason(t *testing.T) {
	from := cst("2026-01-31 10:00")
	for _, c := range []struct {
		spec string
		key  string
		args []any
	}{
		{"", "spec_empty", nil},
		{"   ", "spec_empty", nil},
		{"CRON_TZ=Asia/Shanghai", "spec_fields", []any{0}}, // panics in cron.Parse
		{"TZ=Asia/Shanghai", "spec_fields", []any{0}},
		{"CRON_TZ=Mars/Base 0 9 * * *", "spec_tz", []any{"Mars/Base"}},
		{"CRON_TZ= 0 9 * * *", "spec_tz", []any{""}},
		{"0 9 * *", "spec_fields", []any{4}},
		{"0 0 9 * * *", "spec_fields", []any{6}},
		{"60 9 * * *", "spec_range_0", []any{"60", 0, 59}},
		{"0 25 * * *", "spec_range_1", []any{"25", 0, 23}},
		{"0 9 0 * *", "spec_range_2", []any{"0", 1, 31}},
		{"0 9 1 13 *", "spec_range_3", []any{"13", 1, 12}},
		{"0 9 * * 7", "spec_range_4", []any{"7", 0, 6}},
		{"0 9 L * *", "spec_value_2", []any{"L"}},
		{"0 9 * * MON#1", "spec_value_4", []any{"MON#1"}},
		{"0 9 5-3 * *", "spec_value_2", []any{"5-3"}},
		{"x 9 * * *", "spec_value_0", []any{"x"}},
		{"0 0 30 2 *", "spec_never", nil},
		{"0 0 31 4,6,9,11 *", "spec_never", nil},
		{"@fortnightly", "spec_descriptor", []any{"@fortnightly"}},
		{"@every", "spec_every", []any{"@every"}},
		{"@every 1d", "spec_every", []any{"@every 1d"}},
		{"@every -2h", "spec_every", []any{"@every -2h"}},
		{"@every 10s", "spec_too_often", nil},
	} {
		_, err := Preview(c.spec, shanghai, from, 3)
		var ue *store.Error
		if !errors.As(err, &ue) || ue.Key != c.key || (c.args != nil && fmt.Sprint(ue.Args) != fmt.Sprint(c.args)) {
			t.Errorf("%q: %v, want %s %v", c.spec, err, c.key, c.args)
			continue
		}
		// Every reason reads as a sentence in both languages.
		for _, lang := range []string{"zh", "en"} {
			k, ok := i18n.Err(ue.Key)
			msg := i18n.T(lang, k, ue.Args...)
			if !ok || strings.Contains(msg, "%!") {
				t.Errorf("%q in %s: %q", c.spec, lang, msg)
			}
		}
	}
}

func TestPreview(t *testing.T) {
	from := cst("2026-01-31 10:00")
	for _, c := range []struct {
		spec string
		want []string
	}{
		{"0 9 1 * *", []string{"2026-02-01 09:00", "2026-03-01 09:00", "2026-04-01 09:00"}},
		{"@monthly", []string{"2026-02-01 00:00", "2026-03-01 00:00", "2026-04-01 00:00"}},
		{"@every 90m", []string{"2026-01-31 10:30", "2026-01-31 12:00", "2026-01-31 13:30"}}, // on the grid from midnight
		{"*/15 8-18 * * *", []string{"2026-01-31 10:15", "2026-01-31 10:30", "2026-01-31 10:45"}},
		{"0 9 * * MON-FRI", []string{"2026-02-02 09:00", "2026-02-03 09:00", "2026-02-04 09:00"}},
		{"  0  9 * * 1 ", []string{"2026-02-02 09:00", "2026-02-09 09:00", "2026-02-16 09:00"}},
		{"０ ９ ＊ ＊ １", []string{"2026-02-02 09:00", "2026-02-09 09:00", "2026-02-16 09:00"}}, // full-width
		{"0 9 29 2 *", []string{"2028-02-29 09:00", "2032-02-29 09:00", "2036-02-29 09:00"}},
		// The zone prefix wins over the community's zone: 09:00 in Tokyo is 08:00 in Shanghai.
		{"CRON_TZ=Asia/Tokyo 0 9 * * *", []string{"2026-02-01 08:00", "2026-02-02 08:00", "2026-02-03 08:00"}},
		{"@DAILY", []string{"2026-02-01 00:00", "2026-02-02 00:00", "2026-02-03 00:00"}},
	} {
		got, err := Preview(c.spec, shanghai, from, 3)
		if err != nil {
			t.Errorf("%q: %v", c.spec, err)
			continue
		}
		var s []string
		for _, x := range got {
			s = append(s, x.In(shanghai).Format("2006-01-02 15:04"))
		}
		if strings.Join(s, ",") != strings.Join(c.want, ",") {
			t.Errorf("%q = %v, want %v", c.spec, s, c.want)
		}
	}
	// The same spec in another zone: 09:00 in UTC.
	got, err := Preview("0 9 * * *", time.UTC, from, 1)
	if err != nil || !got[0].Equal(time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("in UTC: %v, %v", got, err)
	}
}

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"0 9 * * 1", "CRON_TZ=Asia/Shanghai", "TZ=", "@every 2h", "@", "*/0 * * * *", "0-0/0 * * * *", "1,,2 * * * *", "-1 * * * *", "CRON_TZ=Asia/Shanghai @daily", "0 0 30 2 *", "59-0 * * * *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		sched, err := Preview(spec, shanghai, cst("2026-01-31 10:00"), 2)
		if err == nil && len(sched) == 0 {
			t.Errorf("%q accepted but never runs", spec)
		}
		var ue *store.Error
		if err != nil && !errors.As(err, &ue) {
			t.Errorf("%q: uncoded error %v", spec, err)
		}
		_ = Describe(spec, "zh")
		_ = Describe(spec, "en")
	})
}

func TestDescribe(t *testing.T) {
	for _, c := range []struct{ spec, zh, en string }{
		{"0 9 * * 1", "每周一 09:00", "every Monday at 09:00"},
		{"0 9 * * 1-5", "每周一至周五 09:00", "every Monday to Friday at 09:00"},
		{"30 8 * * 1,3,5", "每周一、三、五 08:30", "every Monday, Wednesday and Friday at 08:30"},
		{"0 9 * * SAT,SUN", "每周日、六 09:00", "every Sunday and Saturday at 09:00"},
		{"0 9 1 * *", "每月 1 日 09:00", "on the 1st of every month at 09:00"},
		{"0 9,18 * * *", "每天 09:00、18:00", "every day at 09:00, 18:00"},
		{"0 10 1 1,7 *", "每年 1、7 月 1 日 10:00", "every year on January, July 1st at 10:00"},
		{"* * * * *", "每分钟", "every minute"},
		{"*/15 * * * *", "每 15 分钟", "every 15 minutes"},
		{"*/30 8-18 * * 1-5", "每周一至周五 8–18 点每 30 分钟", "every Monday to Friday, from 8:00 to 18:59 every 30 minutes"},
		{"5 * * * *", "每小时第 5 分", "every hour at minute 5"},
		{"@daily", "每天 00:00", "every day at 00:00"},
		{"@every 2h", "每 2 小时", "every 2 hours"},
		{"@every 1h", "每 1 小时", "every hour"},
		{"@every 90m", "每 90 分钟", "every 90 minutes"},
		{"CRON_TZ=Asia/Tokyo 0 9 * * *", "每天 09:00（Asia/Tokyo 时间）", "every day at 09:00 (Asia/Tokyo time)"},
		{"0 9 1-7 * 1", "按规则 0 9 1-7 * 1", "cron rule 0 9 1-7 * 1"},
		// Ordinals follow each language's rule; "@every" in whole units.
		{"0 9 2,3,11,21,22,23 * *", "每月 2、3、11、21、22、23 日 09:00", "on the 2nd, 3rd, 11th, 21st, 22nd, 23rd of every month at 09:00"},
		{"0 8 12,13 * *", "每月 12、13 日 08:00", "on the 12th, 13th of every month at 08:00"},
		{"@every 24h", "每 1 天", "every day"},
		{"@every 48h", "每 2 天", "every 2 days"},
		{"@every 1m", "每 1 分钟", "every minute"},
		{"@every 90s", "每 1m30s", "every 1m30s"},
		{"@weekly", "每周日 00:00", "every Sunday at 00:00"},
		{"@monthly", "每月 1 日 00:00", "on the 1st of every month at 00:00"},
		{"@yearly", "每年 1 月 1 日 00:00", "every year on January 1st at 00:00"},
		{"@hourly", "每小时整点", "every hour on the hour"},
		{"0 * * * *", "每小时整点", "every hour on the hour"},
		{"15 8-18 * * *", "8–18 点每小时第 15 分", "every hour from 8 to 18 at minute 15"},
		{"0 9 * * 2,4", "每周二、四 09:00", "every Tuesday and Thursday at 09:00"},
		{"0 10 25 12 *", "每年 12 月 25 日 10:00", "every year on December 25th at 10:00"},
	} {
		if got := Describe(c.spec, "zh"); got != c.zh {
			t.Errorf("zh %q = %q, want %q", c.spec, got, c.zh)
		}
		if got := Describe(c.spec, "en"); got != c.en {
			t.Errorf("en %q = %q, want %q", c.spec, got, c.en)
		}
	}
}
