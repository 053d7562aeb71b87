//go:build !unix

package main

import (
	"errors"
	"os"
)

var errLocked = errors.New("locked")

// flock does nothing where flock(2) does not exist: there, nothing keeps a
// second bot off the database.
func flock(*os.File) error { return nil }

func funlock(*os.File) {}
