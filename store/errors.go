package store

import (
	"errors"
	"fmt"
)

// Error codes. Exactly one place (commands.Service) turns them into what a
// user reads; an error without a code is an internal error, logged, never shown.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
)

// Error is an error a user can be told about. Key names a message in the
// reply catalogue and Args fill it; Message is a plain English fallback for logs.
type Error struct {
	Code    string
	Key     string
	Args    []any
	Message string
}

func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Key)
}

// Errorf returns an *Error with a code, a catalogue key and its arguments.
func Errorf(code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args, Message: fmt.Sprintf("%s: %s %v", code, key, args)}
}

// ErrorCode returns the code of err, or "" when it has none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
