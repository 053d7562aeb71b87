package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// StuckAfter is how old the oldest pending outbox row may get before
// /healthz reports the outbox as stuck.
const StuckAfter = 10 * time.Minute

// Statuser is implemented by platforms that can tell whether they are up
// (WeChat is down while logged out).
type Statuser interface {
	Status() (up bool, detail string)
}

// monitor keeps what /healthz and /metrics report.
type monitor struct {
	m  *Main
	mu sync.Mutex
	// lastIn is when each platform last delivered a message.
	lastIn map[bot.PlatformID]time.Time

	reg        *prometheus.Registry
	messagesIn *prometheus.CounterVec
	handleErrs *prometheus.CounterVec
}

func newMonitor(m *Main) *monitor {
	mon := &monitor{m: m, lastIn: map[bot.PlatformID]time.Time{}, reg: prometheus.NewRegistry()}
	mon.messagesIn = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "linli_messages_in_total", Help: "Inbound messages handled, by platform.",
	}, []string{"platform"})
	mon.handleErrs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "linli_message_errors_total", Help: "Inbound messages whose handling failed, by platform.",
	}, []string{"platform"})
	mon.reg.MustRegister(mon.messagesIn, mon.handleErrs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), mon)
	return mon
}

// middleware counts messages and remembers when each platform was last heard from.
func (mon *monitor) middleware(next bot.Handler) bot.Handler {
	return bot.HandlerFunc(func(ctx context.Context, msg *bot.Message) error {
		err := next.Handle(ctx, msg)
		mon.messagesIn.WithLabelValues(string(msg.Platform)).Inc()
		if err != nil {
			mon.handleErrs.WithLabelValues(string(msg.Platform)).Inc()
		}
		mon.mu.Lock()
		mon.lastIn[msg.Platform] = time.Now()
		mon.mu.Unlock()
		return err
	})
}

var (
	descSends = prometheus.NewDesc("linli_sends_total", "Outbox deliveries by platform and result (sent, retried, failed, rate_limited).",
		[]string{"platform", "result"}, nil)
	descTooMany  = prometheus.NewDesc("linli_rate_limited_total", "Sends answered with a rate limit (Telegram 429, WeChat 1205).", []string{"platform"}, nil)
	descDepth    = prometheus.NewDesc("linli_outbox_depth", "Outbox rows by status (pending, failed).", []string{"status"}, nil)
	descOldest   = prometheus.NewDesc("linli_outbox_oldest_pending_seconds", "Age of the oldest pending outbox row.", nil, nil)
	descTickets  = prometheus.NewDesc("linli_tickets_created_total", "Tickets created.", nil, nil)
	descEscal    = prometheus.NewDesc("linli_escalations_total", "Escalation notices fired, by level.", []string{"level"}, nil)
	descPlatform = prometheus.NewDesc("linli_platform_up", "1 when the platform is connected.", []string{"platform"}, nil)
	descJobRuns  = prometheus.NewDesc("linli_job_runs_total", "Scheduled job runs since start, by job.", []string{"job"}, nil)
	descJobFails = prometheus.NewDesc("linli_job_failures_total", "Scheduled job runs that failed (errors and recovered panics), by job.", []string{"job"}, nil)
)

// Describe implements prometheus.Collector.
func (mon *monitor) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSends, descTooMany, descDepth, descOldest, descTickets, descEscal, descPlatform, descJobRuns, descJobFails} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: figures read at scrape time.
func (mon *monitor) Collect(ch chan<- prometheus.Metric) {
	for id, s := range mon.m.Senders {
		st := s.Stats()
		p := string(id)
		ch <- prometheus.MustNewConstMetric(descSends, prometheus.CounterValue, float64(st.Sent), p, "sent")
		ch <- prometheus.MustNewConstMetric(descSends, prometheus.CounterValue, float64(st.Retried), p, "retried")
		ch <- prometheus.MustNewConstMetric(descSends, prometheus.CounterValue, float64(st.Failed), p, "failed")
		ch <- prometheus.MustNewConstMetric(descSends, prometheus.CounterValue, float64(st.RateLimited), p, "rate_limited")
		ch <- prometheus.MustNewConstMetric(descTooMany, prometheus.CounterValue, float64(st.RateLimited), p)
	}
	for _, p := range mon.m.platforms {
		up, _ := platformStatus(p)
		v := 0.0
		if up {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(descPlatform, prometheus.GaugeValue, v, string(p.ID()))
	}
	if mon.m.Scheduler != nil {
		for name, c := range mon.m.Scheduler.RunCounts() {
			ch <- prometheus.MustNewConstMetric(descJobRuns, prometheus.CounterValue, float64(c.Runs), name)
			ch <- prometheus.MustNewConstMetric(descJobFails, prometheus.CounterValue, float64(c.Failures), name)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var st store.OutboxStats
	var tickets int64
	levels := map[int]int64{}
	err := mon.m.DB.View(ctx, func(tx *store.Tx) (err error) {
		if st, err = tx.OutboxStats(); err != nil {
			return err
		}
		if tickets, err = tx.TicketCount(); err != nil {
			return err
		}
		levels, err = tx.EscalationCounts()
		return err
	})
	if err != nil {
		mon.m.Log.Error("collect metrics", "err", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(descDepth, prometheus.GaugeValue, float64(st.Pending), "pending")
	ch <- prometheus.MustNewConstMetric(descDepth, prometheus.GaugeValue, float64(st.Failed), "failed")
	age := 0.0
	if !st.OldestPending.IsZero() {
		age = mon.m.Now().Sub(st.OldestPending).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(descTickets, prometheus.CounterValue, float64(tickets))
	for _, l := range []int{1, 2} {
		ch <- prometheus.MustNewConstMetric(descEscal, prometheus.CounterValue, float64(levels[l]), []string{"", "1", "2"}[l])
	}
}

func platformStatus(p bot.Platform) (bool, string) {
	if s, ok := p.(Statuser); ok {
		return s.Status()
	}
	return true, "running"
}

// Health is the /healthz document. It names no account and quotes no raw
// error: it may be seen by more people than the log.
type Health struct {
	OK        bool                      `json:"ok"`
	Platforms map[string]PlatformHealth `json:"platforms"`
	Database  DatabaseHealth            `json:"database"`
	Outbox    OutboxHealth              `json:"outbox"`
	Problems  []string                  `json:"problems,omitempty"`
}

// DatabaseHealth is whether the database takes writes: while it does not
// (locked by another process, the disk full), messages are held, not lost,
// and nothing is answered.
type DatabaseHealth struct {
	Writes       bool   `json:"writes"`
	Reason       string `json:"reason,omitempty"`
	FailingSince string `json:"failing_since,omitempty"`
}

// PlatformHealth is one platform's part of /healthz.
type PlatformHealth struct {
	Up          bool   `json:"up"`
	Detail      string `json:"detail"`
	LastMessage string `json:"last_message,omitempty"`
}

// OutboxHealth is the outbox's part of /healthz.
type OutboxHealth struct {
	Pending          int     `json:"pending"`
	Failed           int     `json:"failed"`
	OldestPendingAge float64 `json:"oldest_pending_seconds"`
}

func (mon *monitor) health(ctx context.Context) Health {
	h := Health{OK: true, Platforms: map[string]PlatformHealth{}}
	mon.mu.Lock()
	last := map[bot.PlatformID]time.Time{}
	for k, v := range mon.lastIn {
		last[k] = v
	}
	mon.mu.Unlock()
	for _, p := range mon.m.platforms {
		up, detail := platformStatus(p)
		ph := PlatformHealth{Up: up, Detail: detail}
		if t, ok := last[p.ID()]; ok {
			ph.LastMessage = t.UTC().Format(time.RFC3339)
		}
		h.Platforms[string(p.ID())] = ph
		if !up {
			h.OK = false
			h.Problems = append(h.Problems, string(p.ID())+" is down: "+detail)
		}
	}
	h.Database = DatabaseHealth{Writes: true}
	if w := mon.m.DB.WriteHealth(); !w.OK {
		h.OK = false
		h.Database = DatabaseHealth{Reason: w.Reason, FailingSince: w.Since.UTC().Format(time.RFC3339)}
		h.Problems = append(h.Problems, "database writes fail: "+w.Reason+"; messages are held until they work")
	}
	var st store.OutboxStats
	if err := mon.m.DB.View(ctx, func(tx *store.Tx) (err error) { st, err = tx.OutboxStats(); return }); err != nil {
		h.OK = false
		reason := "cannot be read"
		if r, ok := store.Fault(err); ok {
			reason += ": " + r
		}
		h.Problems = append(h.Problems, "outbox "+reason)
		mon.m.Log.Error("healthz: read the outbox", "err", err)
		return h
	}
	h.Outbox = OutboxHealth{Pending: st.Pending, Failed: st.Failed}
	if !st.OldestPending.IsZero() {
		age := mon.m.Now().Sub(st.OldestPending)
		h.Outbox.OldestPendingAge = age.Seconds()
		if age > StuckAfter {
			h.OK = false
			h.Problems = append(h.Problems, "outbox stuck: oldest pending message is "+age.Round(time.Second).String()+" old")
		}
	}
	return h
}

func (mon *monitor) handler(pprofOn bool, routes map[string]http.Handler) http.Handler {
	mux := http.NewServeMux()
	for pattern, h := range routes {
		mux.Handle(pattern, h)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		h := mon.health(r.Context())
		w.Header().Set("Content-Type", "application/json")
		if !h.OK {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(h)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(mon.reg, promhttp.HandlerOpts{}))
	if pprofOn {
		// Go's profiler, for "where does the time go" on a running bot:
		// go tool pprof http://ADDR/debug/pprof/profile?seconds=20
		// Only with -pprof: it shows the program's innards to whoever can
		// reach the address. (Never /debug/pprof/cmdline: the command line
		// may hold -telegram-token or -telegram-secret.)
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// Timeouts of the /healthz server: a client that sends its request slowly,
// or keeps an idle connection open, is cut off instead of holding a
// connection for ever. A profile or trace (-pprof) takes as long as it is
// asked to, up to a minute. (Variables: a test shortens the idle one.)
var (
	httpReadTimeout  = 10 * time.Second
	httpWriteTimeout = 15 * time.Second
	pprofMaxSeconds  = 60
	httpIdleTimeout  = 2 * time.Minute
)

// serveHTTP starts the /healthz and /metrics server; it stops when ctx ends.
// routes are the platforms' endpoints served beside them (the WeChat
// service account's callback).
func (mon *monitor) serveHTTP(ctx context.Context, addr string, pprofOn bool, routes map[string]http.Handler) (net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	write := httpWriteTimeout
	if pprofOn {
		write = time.Duration(pprofMaxSeconds+10) * time.Second
	}
	srv := &http.Server{
		Handler:           mon.handler(pprofOn, routes),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       httpReadTimeout,
		WriteTimeout:      write,
		IdleTimeout:       httpIdleTimeout,
		ErrorLog:          slog.NewLogLogger(mon.m.Log.Handler(), slog.LevelDebug),
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			mon.m.Log.Error("http server", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	return ln.Addr(), nil
}
