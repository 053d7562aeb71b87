package i18n

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCallSitesPassWhatTheirMessagesTake reads the module's code and checks
// every message it names by a literal against the catalogue, so that no
// reply shows "%!(EXTRA …)" or "%!d(MISSING)":
//
//   - a call named T or t that passes a key and then arguments (i18n.T,
//     commands' r.t, …) passes as many as the key's message takes;
//   - store.Errorf(code, "key", args…) names a message (ErrKey) that takes
//     those args, except "usage", whose one argument is a usage line's Key;
//   - a lookup function given a literal code (Status("open")) knows it.
//
// Calls that spread a slice (args...) or pass a key held in a variable are
// left to the tests of the code that makes them.
func TestCallSitesPassWhatTheirMessagesTake(t *testing.T) {
	keys := declared(t)
	lookups := map[string]func(string) (Key, bool){
		"Kind": has(Kind), "Status": has(Status), "Role": has(Role), "Event": has(Event),
		"ScheduleKind": has(ScheduleKind), "Post": has(Post), "KPIName": has(KPIName), "KPITarget": has(KPITarget),
		"ExportAction": ExportAction, "Category": Category, "Err": Err,
	}
	var calls, errorfs int
	root := moduleRoot(t)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		at := func(n ast.Node) string {
			p := fset.Position(n.Pos())
			return fmt.Sprintf("%s:%d", rel, p.Line)
		}
		// keyOf is the key an expression names: i18n.X outside this
		// package, X inside it.
		pkg := importName(f, "github.com/linli/linli/i18n")
		keyOf := func(e ast.Expr) (string, Key, bool) {
			var name string
			switch e := e.(type) {
			case *ast.SelectorExpr:
				if x, ok := e.X.(*ast.Ident); ok && pkg != "" && x.Name == pkg {
					name = e.Sel.Name
				}
			case *ast.Ident:
				if f.Name.Name == "i18n" {
					name = e.Name
				}
			}
			k, ok := keys[name]
			return name, k, ok
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn := ""
			switch f := call.Fun.(type) {
			case *ast.Ident:
				fn = f.Name
			case *ast.SelectorExpr:
				fn = f.Sel.Name
				if x, ok := f.X.(*ast.Ident); ok && x.Name == pkg && lookups[fn] != nil && len(call.Args) == 1 {
					if lit, ok := call.Args[0].(*ast.BasicLit); ok {
						code, _ := strconv.Unquote(lit.Value)
						if k, ok := lookups[fn](code); !ok || !Has(k) {
							t.Errorf("%s: %s(%q) is not in the catalogue", at(call), fn, code)
						}
					}
				}
			}
			switch fn {
			case "T", "t":
				for i, a := range call.Args {
					name, k, ok := keyOf(a)
					if !ok {
						continue
					}
					calls++
					if call.Ellipsis.IsValid() {
						break
					}
					if got, want := len(call.Args)-i-1, arity(zh[k]); got != want {
						t.Errorf("%s: %s (%q) takes %d arguments, the call passes %d", at(call), name, zh[k], want, got)
					}
					break
				}
			case "Errorf":
				if len(call.Args) < 2 || !isErrorCode(call.Args[0]) {
					return true
				}
				lit, ok := call.Args[1].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				errorfs++
				code, _ := strconv.Unquote(lit.Value)
				if code == "usage" {
					if len(call.Args) != 3 {
						t.Errorf("%s: a usage error carries one usage line", at(call))
					}
					return true
				}
				k, ok := Err(code)
				if !ok {
					t.Errorf("%s: store error %q has no message err.%s", at(call), code, code)
					return true
				}
				if call.Ellipsis.IsValid() {
					return true
				}
				if got, want := len(call.Args)-2, arity(zh[k]); got != want {
					t.Errorf("%s: err.%s (%q) takes %d arguments, the error carries %d", at(call), code, zh[k], want, got)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls < 300 || errorfs < 100 {
		t.Errorf("found %d calls of T and %d store errors: the scan is broken", calls, errorfs)
	}
}

// importName is the name a file imports path under, or "".
func importName(f *ast.File, path string) string {
	for _, im := range f.Imports {
		if p, _ := strconv.Unquote(im.Path.Value); p == path {
			if im.Name != nil {
				return im.Name.Name
			}
			return filepath.Base(path)
		}
	}
	return ""
}

// isErrorCode reports whether e is a store error code: store.EINVALID
// outside store, EINVALID inside.
func isErrorCode(e ast.Expr) bool {
	name := ""
	switch e := e.(type) {
	case *ast.Ident:
		name = e.Name
	case *ast.SelectorExpr:
		name = e.Sel.Name
	}
	return len(name) > 1 && name[0] == 'E' && strings.ToUpper(name) == name
}

func has(f func(string) Key) func(string) (Key, bool) {
	return func(code string) (Key, bool) { k := f(code); return k, Has(k) }
}
