package i18n

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// verb is one printf verb of a message: the argument it takes (1-based,
// explicit indexes resolved as fmt does) and its letter.
type verb struct {
	arg    int
	letter rune
}

// verbsOf parses a message's printf verbs the way fmt reads them: flags,
// width and precision (a "*" takes an argument of its own, an int), and
// "[n]" indexes, after which the next verb takes argument n+1. "%%" takes
// none. It reports a malformed verb as an error.
func verbsOf(msg string) ([]verb, error) {
	var out []verb
	next := 1
	index := func(s string, i int) (int, error) {
		if i < len(s) && s[i] == '[' {
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return i, fmt.Errorf("unclosed [ in %q", s)
			}
			n, err := strconv.Atoi(s[i+1 : i+end])
			if err != nil || n < 1 {
				return i, fmt.Errorf("bad index %q in %q", s[i:i+end+1], s)
			}
			next = n
			return i + end + 1, nil
		}
		return i, nil
	}
	for i := 0; i < len(msg); i++ {
		if msg[i] != '%' {
			continue
		}
		i++
		for i < len(msg) && strings.IndexByte("+-# 0", msg[i]) >= 0 {
			i++
		}
		var err error
		for _, part := range []string{"width", "precision"} {
			if part == "precision" {
				if i >= len(msg) || msg[i] != '.' {
					break
				}
				i++
			}
			if i, err = index(msg, i); err != nil {
				return nil, err
			}
			if i < len(msg) && msg[i] == '*' {
				out = append(out, verb{next, '*'})
				next++
				i++
				continue
			}
			for i < len(msg) && msg[i] >= '0' && msg[i] <= '9' {
				i++
			}
		}
		if i, err = index(msg, i); err != nil {
			return nil, err
		}
		if i >= len(msg) {
			return nil, fmt.Errorf("%q ends in a bare %%", msg)
		}
		if msg[i] == '%' {
			continue
		}
		out = append(out, verb{next, rune(msg[i])})
		next++
	}
	return out, nil
}

// argVerbs maps each argument a message takes to the verbs that print it.
func argVerbs(msg string) (map[int]string, error) {
	vs, err := verbsOf(msg)
	if err != nil {
		return nil, err
	}
	m := map[int]string{}
	for _, v := range vs {
		m[v.arg] += string(v.letter)
	}
	return m, nil
}

// arity is how many arguments a message takes: its highest argument.
func arity(msg string) int {
	m, _ := argVerbs(msg)
	return slices.Max(append(slices.Collect(maps.Keys(m)), 0))
}

func TestVerbsOf(t *testing.T) {
	for _, c := range []struct {
		msg  string
		want map[int]string
	}{
		{"plain", map[int]string{}},
		{"100%% sure", map[int]string{}},
		{"#%d · %s", map[int]string{1: "d", 2: "s"}},
		{"%s is %[3]s of \"%[2]s\"", map[int]string{1: "s", 2: "s", 3: "s"}},
		{"%[2]d of %[1]v, then %s", map[int]string{1: "v", 2: "ds"}}, // after %[1]v comes argument 2
		{"%.2f 分 +%.0f%%", map[int]string{1: "f", 2: "f"}},
		{"%-*d|", map[int]string{1: "*", 2: "d"}},
		{"%[3]*.[2]*[1]f", map[int]string{1: "f", 2: "*", 3: "*"}},
	} {
		got, err := argVerbs(c.msg)
		if err != nil || !maps.Equal(got, c.want) {
			t.Errorf("argVerbs(%q) = %v, %v; want %v", c.msg, got, err, c.want)
		}
	}
	for _, bad := range []string{"50%", "%[x]d", "%[2d"} {
		if _, err := verbsOf(bad); err == nil {
			t.Errorf("verbsOf(%q) accepted a malformed verb", bad)
		}
	}
}

// declared returns the keys the package declares (Name = key("id"), in
// keys.go or any other file), by Go name, from its source: the list the
// catalogues are checked against.
func declared(t *testing.T) map[string]Key {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Key{}
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok || len(vs.Values) != len(vs.Names) {
				return true
			}
			for i, name := range vs.Names {
				call, ok := vs.Values[i].(*ast.CallExpr)
				if !ok || fmt.Sprint(call.Fun) != "key" {
					continue
				}
				id, err := strconv.Unquote(call.Args[0].(*ast.BasicLit).Value)
				if err != nil {
					t.Fatalf("%s: %s: %v", file, name.Name, err)
				}
				out[name.Name] = key(id)
			}
			return false
		})
	}
	if len(out) < 500 {
		t.Fatalf("the package declares %d keys: the scan is broken", len(out))
	}
	return out
}

// TestEveryKeyInBothLanguages: each language has a text for every key
// the package declares and for nothing else, each id is one key's, and no
// language file gives a key twice (a map literal keeps the last silently).
func TestEveryKeyInBothLanguages(t *testing.T) {
	keys := declared(t)
	ids := map[string]string{}
	for name, k := range keys {
		if other, dup := ids[k.id]; dup {
			t.Errorf("%s and %s share the id %q", name, other, k.id)
		}
		ids[k.id] = name
		if k.id == "" || strings.TrimSpace(k.id) != k.id {
			t.Errorf("%s has the id %q", name, k.id)
		}
	}
	for lang, cat := range catalogues {
		for name, k := range keys {
			msg, ok := cat[k]
			if !ok {
				t.Errorf("%s (%s) has no %s text", name, k.id, lang)
			} else if strings.TrimSpace(msg) == "" {
				t.Errorf("%s (%s) is empty in %s", name, k.id, lang)
			}
		}
		if len(cat) != len(keys) {
			t.Errorf("%s has %d texts for %d keys", lang, len(cat), len(keys))
		}
	}
	for _, lang := range Langs() {
		file := lang + ".go"
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			if kv, ok := n.(*ast.KeyValueExpr); ok {
				name := fmt.Sprint(kv.Key)
				if seen[name] {
					t.Errorf("%s gives %s twice", file, name)
				}
				seen[name] = true
			}
			return true
		})
		if len(seen) != len(keys) {
			t.Errorf("%s gives %d keys, the package declares %d", file, len(seen), len(keys))
		}
	}
}

// TestSameVerbs: the languages print each argument of a message with the
// same verbs (a translation may reorder them with explicit indexes, and
// then each argument must still be printed the same way).
func TestSameVerbs(t *testing.T) {
	for name, k := range declared(t) {
		want, err := argVerbs(zh[k])
		if err != nil {
			t.Errorf("%s zh: %v", name, err)
			continue
		}
		for lang, cat := range catalogues {
			got, err := argVerbs(cat[k])
			if err != nil {
				t.Errorf("%s %s: %v", name, lang, err)
			} else if !maps.Equal(got, want) {
				t.Errorf("%s (%s): %s verbs %v, zh verbs %v", name, k.id, lang, got, want)
			}
		}
	}
}

// sample is an argument of the type a verb prints.
func sample(verbs string) any {
	switch verbs[0] {
	case 'd', '*', 'c', 'x':
		return 7
	case 'f', 'g', 'e':
		return 4.25
	case 't':
		return true
	}
	return "文字 text"
}

// TestRenderEveryEntry renders every message in every language with
// arguments of the types its verbs print, and finds no "%!" (a missing,
// extra or wrongly typed argument) in any of them.
func TestRenderEveryEntry(t *testing.T) {
	for name, k := range declared(t) {
		av, err := argVerbs(zh[k])
		if err != nil {
			continue // TestSameVerbs says why
		}
		args := make([]any, arity(zh[k]))
		for i := range args {
			args[i] = "unused"
			if v, ok := av[i+1]; ok {
				args[i] = sample(v)
			}
		}
		for _, lang := range Langs() {
			if out := T(lang, k, args...); strings.Contains(out, "%!") {
				t.Errorf("%s in %s renders %q", name, lang, out)
			}
		}
	}
}

func TestT(t *testing.T) {
	if got := T(English, CardTitle, 12, "repair"); got != "Ticket #12 · repair" {
		t.Errorf("T(en, CardTitle) = %q", got)
	}
	if got := T("fr", CardTitle, 12, "报修"); got != "工单 #12 · 报修" {
		t.Errorf("a language the catalogue lacks: %q, want Chinese", got)
	}
	if got := T(English, TicketsOverdue); got != en[TicketsOverdue] {
		t.Errorf("T without args = %q", got)
	}
	if got := T(English, Status("lost")); got != "status.lost" {
		t.Errorf("an unknown code reads %q, want its id", got)
	}
	if Has(Status("lost")) || !Has(StatusOpen) || Has(Key{}) {
		t.Error("Has is wrong")
	}
	if !Supported("en") || Supported("fr") || Normalize("fr") != Default || Normalize("en") != English {
		t.Error("Supported or Normalize is wrong")
	}
	if got := fmt.Sprint(CardTitle); got != "card.title" || CardTitle.ID() != "card.title" {
		t.Errorf("CardTitle prints as %q", got)
	}
	// A string, literal or not, is no Key: r.t("card.title") does not
	// compile, rather than falling back to the id at run time.
	if reflect.TypeFor[string]().ConvertibleTo(reflect.TypeFor[Key]()) {
		t.Error("a string converts to a Key")
	}
}

// moduleRoot is the directory of go.mod, one up from this package.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestListAndOrdinal(t *testing.T) {
	for _, c := range []struct {
		lang  string
		items []string
		want  string
	}{
		{English, nil, ""},
		{English, []string{"Monday"}, "Monday"},
		{English, []string{"Monday", "Friday"}, "Monday and Friday"},
		{English, []string{"Monday", "Wednesday", "Friday"}, "Monday, Wednesday and Friday"},
		{Chinese, []string{"周一", "三", "五"}, "周一、三、五"},
		{Chinese, []string{"周一", "五"}, "周一、五"},
	} {
		if got := List(c.lang, c.items); got != c.want {
			t.Errorf("List(%s, %q) = %q, want %q", c.lang, c.items, got, c.want)
		}
	}
	want := map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th",
		21: "21st", 22: "22nd", 23: "23rd", 30: "30th", 31: "31st", 101: "101st", 111: "111th", 112: "112th"}
	for n, w := range want {
		if got := Ordinal(English, n); got != w {
			t.Errorf("Ordinal(en, %d) = %q, want %q", n, got, w)
		}
		if got := Ordinal(Chinese, n); got != strconv.Itoa(n) {
			t.Errorf("Ordinal(zh, %d) = %q", n, got)
		}
	}
}

// The description's weekdays and months, over every value.
func TestDescLookups(t *testing.T) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		for _, k := range []Key{DescWeekday(d), DescWeekdayAfter(d)} {
			if !Has(k) {
				t.Errorf("%v: %v is not in the catalogue", d, k)
			}
		}
	}
	if T(Chinese, DescWeekday(time.Wednesday)) != "周三" || T(Chinese, DescWeekdayAfter(time.Wednesday)) != "三" {
		t.Error("Chinese weekdays are wrong")
	}
	for m := time.January; m <= time.December; m++ {
		if k := DescMonth(m); !Has(k) || T(English, k) != m.String() || T(Chinese, k) != strconv.Itoa(int(m)) {
			t.Errorf("DescMonth(%v) = %v, %q", m, k, T(English, k))
		}
	}
}
