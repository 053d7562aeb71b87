package commands

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var verbRe = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// verbs lists a message's printf verbs (%% left out), sorted, so that two
// translations can be compared even when one reorders its arguments.
func verbs(msg string) []string {
	var out []string
	for _, v := range verbRe.FindAllString(msg, -1) {
		if v == "%%" {
			continue
		}
		v = regexp.MustCompile(`\[\d+\]`).ReplaceAllString(v, "")
		out = append(out, v[len(v)-1:])
	}
	slices.Sort(out)
	return out
}

func TestScheduleMessagesAreComplete(t *testing.T) {
	zh, en := scheduleMessages["zh"], scheduleMessages["en"]
	for k, v := range zh {
		e, ok := en[k]
		if !ok {
			t.Errorf("%s has no English", k)
			continue
		}
		if strings.TrimSpace(v) == "" || strings.TrimSpace(e) == "" {
			t.Errorf("%s is empty", k)
		}
		if a, b := verbs(v), verbs(e); !slices.Equal(a, b) {
			t.Errorf("%s: zh verbs %v, en verbs %v", k, a, b)
		}
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("%s has no Chinese", k)
		}
	}
}

// TestScheduleKeysExist checks that every catalogue key the schedule code
// names literally (T, r.t, store.Errorf) is in the catalogue.
func TestScheduleKeysExist(t *testing.T) {
	files := []string{"schedule.go", "activity.go", "expense.go", "report.go",
		"../store/schedule.go", "../store/expense.go", "../store/activity.go", "../store/report.go"}
	m, _ := filepath.Glob("../schedules/*.go")
	files = append(files, m...)
	dynamic := func(key string) bool { return strings.HasSuffix(key, ".") || strings.HasSuffix(key, "_") }
	keyRe := regexp.MustCompile(`(?:\bT\([^,()]+,\s*|r\.t\()"([a-z_.0-9A-Z]+)"`)
	errRe := regexp.MustCompile(`Errorf\(store\.E[A-Z]+,\s*"([a-z_0-9]+)"|Errorf\(E[A-Z]+,\s*"([a-z_0-9]+)"`)
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRe.FindAllStringSubmatch(string(b), -1) {
			seen++
			if dynamic(m[1]) {
				continue
			}
			if _, ok := catalog["zh"][m[1]]; !ok {
				t.Errorf("%s: key %q is not in the catalogue", f, m[1])
			}
		}
		for _, m := range errRe.FindAllStringSubmatch(string(b), -1) {
			key := m[1] + m[2]
			if key == "usage" || dynamic(key) {
				continue
			}
			seen++
			if _, ok := catalog["zh"]["err."+key]; !ok {
				t.Errorf("%s: error %q has no message", f, key)
			}
		}
	}
	usageRe := regexp.MustCompile(`usage\("([a-z_]+)"\)|idArg\([^,]+,\s*"([a-z_]+)"\)`)
	for _, f := range files[:4] {
		b, _ := os.ReadFile(f)
		for _, m := range usageRe.FindAllStringSubmatch(string(b), -1) {
			seen++
			if _, ok := catalog["en"]["usage."+m[1]+m[2]]; !ok {
				t.Errorf("%s: usage %q has no line", f, m[1]+m[2])
			}
		}
	}
	for _, op := range []string{"rm", "pause", "resume"} {
		if _, ok := catalog["zh"]["usage.schedule_"+op]; !ok {
			t.Errorf("usage.schedule_%s missing", op)
		}
	}
	for _, field := range "01234" {
		for _, k := range []string{"err.spec_range_", "err.spec_value_"} {
			if _, ok := catalog["en"][k+string(field)]; !ok {
				t.Errorf("%s%c missing", k, field)
			}
		}
	}
	if seen < 100 {
		t.Errorf("only %d keys found: the scan is broken", seen)
	}
}
