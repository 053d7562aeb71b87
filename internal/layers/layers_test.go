// Package layers holds one test: the project's packages import one way
// (docs/ARCHITECTURE.md). Platforms know only bot; the store knows only bot;
// the workflow and the jobs sit above the store; only cmd/bot sees everything.
package layers

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/linli/linli/"

// allowed lists, for each package, the project packages it may import.
// A package missing here fails the test: a new package is placed on purpose.
var allowed = map[string][]string{
	"bot":                       {},
	"i18n":                      {},
	"bot/console":               {"bot"},
	"bot/bottest":               {"bot", "store"},
	"bot/telegram":              {"bot"},
	"bot/telegram/telegramtest": {"bot"},
	"bot/wechat":                {"bot"},
	"bot/wechat/wechattest":     {"bot"},
	"bot/wechatmp":              {"bot"},
	"bot/wechatmp/wechatmptest": {"bot"},
	"store":                     {"bot"},
	"internal/fixture":          {"bot", "store"},
	"internal/layers":           {},
	"notice":                    {"i18n", "store"},
	"board":                     {"bot", "i18n", "notice", "store"},
	"report":                    {"i18n", "store"},
	"export":                    {"bot", "i18n", "report", "store"},
	"desk":                      {"bot", "i18n", "store"},
	"web":                       {"bot", "desk", "export", "i18n", "notice", "report", "schedules", "store"},
	"commands":                  {"board", "bot", "desk", "export", "i18n", "notice", "report", "store"},
	"schedules":                 {"board", "bot", "desk", "export", "i18n", "notice", "report", "store"},
}

// third lists third-party modules only some packages may import.
var third = map[string][]string{
	"github.com/xuri/excelize": {"export"},
	"gonum.org/v1/plot":        {"export"},
}

type pkg struct {
	ImportPath string
	Imports    []string
}

func TestImportsGoOneWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		name := strings.TrimPrefix(p.ImportPath, module)
		if name == "cmd/bot" {
			continue // the program wires everything
		}
		seen++
		may, ok := allowed[name]
		if !ok {
			t.Errorf("package %s is not placed in the layers: add it to allowed (and docs/ARCHITECTURE.md)", name)
			continue
		}
		for _, imp := range p.Imports {
			if dep, ok := strings.CutPrefix(imp, module); ok && !slices.Contains(may, dep) {
				t.Errorf("%s imports %s, which its layer may not", name, dep)
			}
			for mod, who := range third {
				if strings.HasPrefix(imp, mod) && !slices.Contains(who, name) {
					t.Errorf("%s imports %s; only %v may", name, imp, who)
				}
			}
		}
	}
	if seen < len(allowed)-2 {
		t.Errorf("go list saw %d packages, the table has %d: is the module path right?", seen, len(allowed))
	}
}
