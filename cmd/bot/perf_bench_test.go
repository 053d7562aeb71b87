package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot/telegram/telegramtest"
	"github.com/linli/linli/internal/fixture"
	"github.com/linli/linli/store"
)

// fixtureWorld is a fake Telegram that knows the fixture's 1,000 groups and
// some of its residents.
func fixtureWorld(tb testing.TB) *telegramtest.Server {
	tb.Helper()
	srv := telegramtest.NewServer(tgToken, telegramtest.WithUsername("Linli_bot"), telegramtest.WithLimits(telegramtest.TelegramLimits()))
	tb.Cleanup(srv.Close)
	spec := fixture.Large
	for c := range spec.Communities {
		for g := 0; g <= spec.ResidentGroups; g++ {
			chat := srv.AddChat(models.Chat{ID: fixture.GroupID(c, g), Type: models.ChatTypeSupergroup, Title: fmt.Sprintf("小区%02d-%d", c+1, g)})
			// The fixture's messages are numbered up to its ticket count; new
			// ones come after them, or the bot would take a new message for
			// one it already handled (and rightly ignore it).
			srv.ContinueMessageIDs(chat, spec.Tickets)
		}
	}
	srv.AddPrivateChat(models.User{ID: fixture.ManagerID, FirstName: "王经理"})
	for c := range spec.Communities {
		for i := range 5 {
			srv.AddPrivateChat(models.User{ID: fixture.StaffID(c, i), FirstName: "师傅"})
		}
	}
	return srv
}

// procStatus reads a kB field (VmRSS, VmHWM) of /proc/PID/status in bytes.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// rssSampler samples a process's VmRSS every 50 ms and keeps the peak.
type rssSampler struct {
	mu   sync.Mutex
	peak int64
	stop chan struct{}
	done chan struct{}
}

func sampleRSS(pid int) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if v, err := procStatus(pid, "VmRSS"); err == nil {
				s.mu.Lock()
				s.peak = max(s.peak, v)
				s.mu.Unlock()
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) Stop() int64 {
	close(s.stop)
	<-s.done
	return s.peak
}

const mb = 1 << 20

// BenchmarkMemory runs the real binary (go build) on a copy of the
// 1,000,000-ticket fixture, with 1,000 bound groups, against telegramtest
// with Telegram's limits, and reads the bot's /proc/PID/status:
//
//   - startup-ms: from starting the process to its first getUpdates (ready
//     to receive; target 200 ms);
//   - idle-MB: the peak VmRSS over 5 s once it has settled (target 50 MB);
//   - ingest-MB: the peak VmRSS while 4,000 tagged messages from 4,000
//     residents wait for the bot, which takes them as fast as it can, over
//     the first minute of that (target 80 MB); tickets/s is the rate at
//     which it filed them meanwhile.
//
// The same with /usr/bin/time: see README "Performance".
func BenchmarkMemory(b *testing.B) {
	const messages = 4000
	bin := buildBinary(b)
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		db := fixture.Copy(b, fixture.Large, dir)
		srv := fixtureWorld(b)
		log, err := os.Create(db + ".log")
		if err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "LINLI_DB="+db, "TELEGRAM_BOT_TOKEN="+tgToken, "TELEGRAM_API_URL="+srv.URL,
			fmt.Sprintf("LINLI_MANAGERS=telegram:%d", fixture.ManagerID), "LINLI_TZ=Asia/Shanghai")
		cmd.Stdout, cmd.Stderr = log, log
		b.StartTimer()
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		pid := cmd.Process.Pid
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		if _, err := srv.WaitCalls(ctx, "getUpdates", 1); err != nil {
			b.Fatalf("the bot never polled: %v", err)
		}
		ready := srv.CallsTo("getUpdates")[0].Time.Sub(start)

		// Idle: let the start-up jobs (escalation catch-up, autoclose) run
		// their course, then watch.
		time.Sleep(10 * time.Second)
		idle := sampleRSS(pid)
		time.Sleep(5 * time.Second)
		idlePeak := idle.Stop()

		// Ingest at full speed.
		spec := fixture.Large
		ing := sampleRSS(pid)
		t0 := time.Now()
		for i := range messages {
			c, r := i%spec.Communities, i/spec.Communities
			g := r % spec.ResidentGroups
			u := models.User{ID: spec.ResidentID(c, r), FirstName: fmt.Sprint("业主", r)}
			srv.SendText(models.Chat{ID: fixture.GroupID(c, g), Type: models.ChatTypeSupergroup}, u, fmt.Sprintf("#报修 %d号楼 %d 单元水管漏水", g+1, i))
		}
		filed := waitTickets(b, db, int64(fixture.Large.Tickets+messages), time.Minute) - int64(fixture.Large.Tickets)
		took := time.Since(t0)
		ingPeak := ing.Stop()
		hwm, _ := procStatus(pid, "VmHWM")
		cancel()
		b.StopTimer()
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		log.Close()
		if filed < 100 {
			out, _ := os.ReadFile(db + ".log")
			b.Fatalf("filed %d tickets of %d; log:\n%s", filed, messages, tail(string(out), 2000))
		}
		b.ReportMetric(float64(ready.Microseconds())/1000, "startup-ms")
		b.ReportMetric(float64(idlePeak)/mb, "idle-MB")
		b.ReportMetric(float64(ingPeak)/mb, "ingest-MB")
		b.ReportMetric(float64(hwm)/mb, "hwm-MB")
		b.ReportMetric(float64(filed)/took.Seconds(), "tickets/s")
		b.StartTimer()
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// waitTickets waits until the database holds want tickets (or the time is
// up) and returns how many it holds.
func waitTickets(b *testing.B, path string, want int64, limit time.Duration) int64 {
	b.Helper()
	sdb, err := sql.Open("sqlite", store.DSN(path))
	if err != nil {
		b.Fatal(err)
	}
	defer sdb.Close()
	deadline := time.Now().Add(limit)
	var n int64
	for {
		if err := sdb.QueryRow(`SELECT max(id) FROM tickets`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		if n >= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BenchmarkStartup times Main.Run on a copy of the 1,000,000-ticket fixture
// with Telegram configured (against telegramtest): opening the database and
// checking its migrations, bootstrapping managers, loading the schedules,
// and starting the router, the senders and the platforms, which connect in
// the background. Run returns when the bot is ready to receive. Target:
// 200 ms (BenchmarkMemory times the real process too).
func BenchmarkStartup(b *testing.B) {
	db := fixture.Copy(b, fixture.Large, b.TempDir())
	srv := fixtureWorld(b)
	var worst time.Duration
	b.ResetTimer()
	for range b.N {
		m := NewMain()
		m.Stderr = io.Discard
		args := []string{"-db", db, "-telegram-token", tgToken, "-telegram-api", srv.URL,
			"-managers", fmt.Sprintf("telegram:%d", fixture.ManagerID), "-tz", "Asia/Shanghai"}
		if err := m.ParseFlags(args, func(string) string { return "" }); err != nil {
			b.Fatal(err)
		}
		m.Log = slog.New(slog.DiscardHandler)
		start := time.Now()
		if err := m.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
		worst = max(worst, time.Since(start))
		b.StopTimer()
		if err := m.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/start")
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
}
