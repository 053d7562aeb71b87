package schedules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// parser reads the standard 5-field specs (minute hour day month weekday)
// and the descriptors (@daily, @every 2h …).
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// MinInterval is the shortest gap allowed between two runs of a schedule.
const MinInterval = time.Minute

// fieldBounds are the bounds of the five fields, for error messages.
var fieldBounds = [5][2]int{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 6}}

var descriptors = map[string]bool{
	"@yearly": true, "@annually": true, "@monthly": true, "@weekly": true, "@daily": true, "@midnight": true, "@hourly": true,
}

// NormalizeSpec tidies what a manager typed: full-width characters from a
// Chinese input method become ASCII ("＊", "，"), runs of spaces become one,
// and a descriptor is lower-cased.
func NormalizeSpec(spec string) string {
	spec = strings.Map(func(r rune) rune {
		switch {
		case r >= '！' && r <= '～':
			return r - '！' + '!'
		case r == '\u3000':
			return ' '
		}
		return r
	}, spec)
	f := strings.Fields(spec)
	for i, x := range f {
		if strings.HasPrefix(x, "@") {
			f[i] = strings.ToLower(x)
		}
	}
	return strings.Join(f, " ")
}

// ParseSpec parses a spec read in loc (a "CRON_TZ=Zone " or "TZ=Zone "
// prefix overrides loc). Every way a spec can be wrong is refused with a
// *store.Error whose key names the reason: spec_empty, spec_fields,
// spec_range, spec_value, spec_descriptor, spec_every, spec_tz, spec_never,
// spec_too_often, spec_bad. ParseSpec never panics, though the cron parser
// does on some inputs.
func ParseSpec(spec string, loc *time.Location) (cron.Schedule, error) {
	return parseSpec(spec, loc, time.Now())
}

func parseSpec(spec string, loc *time.Location, now time.Time) (sched cron.Schedule, err error) {
	body := NormalizeSpec(spec)
	if body == "" {
		return nil, store.Errorf(store.EINVALID, "spec_empty")
	}
	if strings.HasPrefix(body, "TZ=") || strings.HasPrefix(body, "CRON_TZ=") {
		eq := strings.IndexByte(body, '=')
		sp := strings.IndexByte(body, ' ')
		if sp < 0 {
			// "CRON_TZ=Asia/Shanghai" alone makes the cron parser panic.
			return nil, store.Errorf(store.EINVALID, "spec_fields", 0)
		}
		name := body[eq+1 : sp]
		l, err := time.LoadLocation(name)
		if err != nil || name == "" || strings.EqualFold(name, "local") {
			return nil, store.Errorf(store.EINVALID, "spec_tz", clip(name, 40))
		}
		loc, body = l, strings.TrimSpace(body[sp:])
	}
	if loc == nil {
		loc = time.Local
	}
	if err := checkSpec(body); err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			sched, err = nil, store.Errorf(store.EINVALID, "spec_bad", clip(spec, 60))
		}
	}()
	sched, err = parser.Parse(body)
	if err != nil {
		return nil, store.Errorf(store.EINVALID, "spec_bad", clip(spec, 60))
	}
	if s, ok := sched.(*cron.SpecSchedule); ok {
		// A spec without its own zone is read in loc, whatever zone the
		// times later handed to Next are in.
		s.Location = loc
	}
	if d, ok := sched.(cron.ConstantDelaySchedule); ok {
		sched = everySchedule{delay: d.Delay, epoch: time.Date(2000, 1, 1, 0, 0, 0, 0, loc)}
	}
	first := sched.Next(now.In(loc))
	if first.IsZero() {
		return nil, store.Errorf(store.EINVALID, "spec_never")
	}
	if second := sched.Next(first); !second.IsZero() && second.Sub(first) < MinInterval {
		return nil, store.Errorf(store.EINVALID, "spec_too_often")
	}
	return sched, nil
}

// everySchedule is "@every d" on a fixed grid: the times epoch + k·d. The
// cron's own ConstantDelaySchedule counts from whenever it is asked (the
// process's start, or the moment of a preview), so its next run moved with
// every look and every restart; on the grid, "@every 2h" runs at 00:00,
// 02:00 … in the zone it is read in, every time.
type everySchedule struct {
	delay time.Duration
	epoch time.Time
}

// Next returns the first grid time after t.
func (e everySchedule) Next(t time.Time) time.Time {
	k := t.Sub(e.epoch) / e.delay
	next := e.epoch.Add((k + 1) * e.delay)
	for !next.After(t) {
		next = next.Add(e.delay)
	}
	for prev := next.Add(-e.delay); prev.After(t); prev = next.Add(-e.delay) {
		next = prev // t before the epoch: the division rounded towards zero
	}
	return next.In(t.Location())
}

// checkSpec finds what is wrong with a spec (without a zone prefix) before
// the cron parser does, so the reason can be told in words: each field is
// tried alone, with the others "*".
func checkSpec(body string) error {
	if strings.HasPrefix(body, "@") {
		if rest, ok := strings.CutPrefix(body, "@every"); ok {
			d, err := time.ParseDuration(strings.TrimSpace(rest))
			if err != nil || d <= 0 || (rest != "" && rest[0] != ' ') {
				return store.Errorf(store.EINVALID, "spec_every", clip(body, 40))
			}
			if d < MinInterval {
				return store.Errorf(store.EINVALID, "spec_too_often")
			}
			return nil
		}
		if !descriptors[body] {
			return store.Errorf(store.EINVALID, "spec_descriptor", clip(body, 40))
		}
		return nil
	}
	fields := strings.Fields(body)
	if len(fields) != 5 {
		return store.Errorf(store.EINVALID, "spec_fields", len(fields))
	}
	for i, f := range fields {
		probe := []string{"*", "*", "*", "*", "*"}
		probe[i] = f
		if _, err := safeParse(strings.Join(probe, " ")); err != nil {
			return fieldError(i, f, err)
		}
	}
	return nil
}

func safeParse(spec string) (s cron.Schedule, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return parser.Parse(spec)
}

var rangeErr = regexp.MustCompile(`(above maximum|below minimum)`)

// fieldError turns a cron error about field i into a catalogue error; the key
// names the field (spec_range_0 is the minute), so the reason reads in the
// user's language.
func fieldError(i int, f string, err error) error {
	if rangeErr.MatchString(err.Error()) {
		return store.Errorf(store.EINVALID, "spec_range_"+strconv.Itoa(i), clip(f, 20), fieldBounds[i][0], fieldBounds[i][1])
	}
	return store.Errorf(store.EINVALID, "spec_value_"+strconv.Itoa(i), clip(f, 20))
}

// Preview returns the next n run times of spec (read in loc) after from. It
// implements commands.Jobs.
func (s *Scheduler) Preview(spec string, loc *time.Location, from time.Time, n int) ([]time.Time, error) {
	return Preview(spec, loc, from, n)
}

// Preview returns the next n run times of spec (read in loc) after from.
func Preview(spec string, loc *time.Location, from time.Time, n int) ([]time.Time, error) {
	if loc == nil {
		loc = time.Local
	}
	sched, err := parseSpec(spec, loc, from)
	if err != nil {
		return nil, err
	}
	var out []time.Time
	t := from.In(loc)
	for range n {
		t = sched.Next(t)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out, nil
}

// missed reports whether sched was due at some time in (now-grace, now]
// after base, the last time it ran (or was created): a run the process was
// down for, to be caught up once.
func missed(sched cron.Schedule, base, now time.Time, grace time.Duration) bool {
	due := latestDue(sched, now, grace)
	return !due.IsZero() && base.Before(due)
}

// latestDue returns the latest time in (now-grace, now] at which sched was
// due, or the zero time.
func latestDue(sched cron.Schedule, now time.Time, grace time.Duration) time.Time {
	var last time.Time
	t := now.Add(-grace)
	for range 100_000 {
		t = sched.Next(t)
		if t.IsZero() || t.After(now) {
			break
		}
		last = t
	}
	return last
}

// clip shortens s to n characters, the last an ellipsis when it cut.
func clip(s string, n int) string { return i18n.Fit(s, n) }
