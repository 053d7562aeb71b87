package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/linli/linli/store"
)

// runBackup is "bot backup [-db FILE] DEST": an online, consistent copy of the
// database (VACUUM INTO), safe to take while the bot runs.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := getenv("LINLI_DB")
	if def == "" {
		def = "linli.db"
	}
	dbPath := fs.String("db", def, "SQLite database file (LINLI_DB)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: bot backup [-db linli.db] DEST.db")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("backup: name one destination file")
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s\n", *dbPath, fs.Arg(0))
	return nil
}
