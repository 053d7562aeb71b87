package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// binDir holds the bot built for this test package's run (buildBinary); it
// is removed when the tests end.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "linli-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// buildBinary builds the real bot once per run of this package's tests and
// returns its path; every test that runs the binary shares it.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		bin := filepath.Join(binDir, "linli")
		out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
			return
		}
		builtBin = bin
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return builtBin
}
