package telegramtest

import (
	"math/rand"
	"net"
	"net/http"
	"strings"
)

// FailureKind is a way a Bot API call can fail.
type FailureKind int

const (
	// FailInternal answers 500 {"ok":false,"error_code":500,"description":"Internal Server Error"}.
	FailInternal FailureKind = iota + 1
	// FailTooMany answers 429 "Too Many Requests: retry after N" with
	// parameters.retry_after (Failure.RetryAfter, default 1).
	FailTooMany
	// FailTimeout never answers: the request hangs until the client gives
	// up (its context ends) or the server is closed.
	FailTimeout
	// FailReset reads the request, then closes the TCP connection with a
	// reset and no response.
	FailReset
	// FailError answers with Failure.Code and Failure.Description (and
	// RetryAfter / MigrateToChatID as response parameters when set).
	FailError
)

// String returns the kind's name.
func (k FailureKind) String() string {
	switch k {
	case FailInternal:
		return "internal"
	case FailTooMany:
		return "too-many-requests"
	case FailTimeout:
		return "timeout"
	case FailReset:
		return "reset"
	case FailError:
		return "error"
	}
	return "none"
}

// Failure describes one injected failure.
type Failure struct {
	Kind FailureKind
	// RetryAfter is the retry_after in seconds for FailTooMany (default 1)
	// and FailError.
	RetryAfter int
	// Code and Description are the error for FailError, e.g. 403 and
	// "Forbidden: bot was blocked by the user".
	Code        int
	Description string
	// MigrateToChatID is sent as parameters.migrate_to_chat_id for FailError.
	MigrateToChatID int64
	// Delivered makes the call take effect (the message is stored and
	// appears in Sent) before the failure replaces the response, as when an
	// answer is lost on the way back. It has no effect on getUpdates.
	Delivered bool
	// After lets that many calls of the method through before this failure
	// applies (part 1 of a long message goes, part 2 fails).
	After int
}

// FailNext makes the next call of method (a Bot API method name such as
// "sendMessage") fail with f. Calls queue up: FailNext twice fails the next
// two calls.
func (s *Server) FailNext(method string, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(method)
	s.failNext[key] = append(s.failNext[key], f)
}

// SetFailureRate makes each sending call (methods named send* or edit*)
// fail with probability rate, choosing among kinds (FailInternal when none
// are given) with a generator seeded by seed, so a sequential test sees the
// same failures on every run. A rate of 0 turns random failures off.
// getUpdates is never affected; use FailNext for it.
func (s *Server) SetFailureRate(rate float64, seed int64, kinds ...FailureKind) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(kinds) == 0 {
		kinds = []FailureKind{FailInternal}
	}
	s.failRate = rate
	s.failRNG = rand.New(rand.NewSource(seed))
	s.failKinds = append([]FailureKind(nil), kinds...)
}

// takeFailure pops the failure planned for this call, if any.
func (s *Server) takeFailure(method string) (Failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(method)
	if q := s.failNext[key]; len(q) > 0 {
		if q[0].After > 0 {
			q[0].After--
			return Failure{}, false
		}
		f := q[0]
		if len(q) == 1 {
			delete(s.failNext, key)
		} else {
			s.failNext[key] = q[1:]
		}
		return f, true
	}
	if s.failRate <= 0 || !(strings.HasPrefix(key, "send") || strings.HasPrefix(key, "edit")) {
		return Failure{}, false
	}
	if s.failRNG.Float64() >= s.failRate {
		return Failure{}, false
	}
	return Failure{Kind: s.failKinds[s.failRNG.Intn(len(s.failKinds))]}, true
}

// fail answers (or does not answer) the call as f says and records it.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, q *request, f Failure) {
	switch f.Kind {
	case FailTooMany:
		retry := f.RetryAfter
		if retry <= 0 {
			retry = 1
		}
		s.finish(w, q, tooManyRequests(retry), f.Kind)
	case FailError:
		code := f.Code
		if code == 0 {
			code = http.StatusBadRequest
		}
		s.finish(w, q, &apiError{code: code, desc: f.Description, retryAfter: f.RetryAfter, migrateTo: f.MigrateToChatID}, f.Kind)
	case FailTimeout:
		s.mu.Lock()
		s.recordLocked(q, 0, "timeout", f.Kind)
		s.mu.Unlock()
		select {
		case <-r.Context().Done():
		case <-s.done:
			panic(http.ErrAbortHandler) // drop the connection without an answer
		}
	case FailReset:
		s.mu.Lock()
		s.recordLocked(q, 0, "connection reset", f.Kind)
		s.mu.Unlock()
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic(http.ErrAbortHandler)
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0) // close with RST, like a dropped connection
		}
		_ = conn.Close()
	default:
		s.finish(w, q, errInternal, FailInternal)
	}
}
