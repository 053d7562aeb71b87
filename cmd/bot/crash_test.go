package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot/telegram/telegramtest"
	"github.com/linli/linli/store"
)

type process struct {
	cmd *exec.Cmd
	log string
}

func startBinary(t *testing.T, bin, db string, srv *telegramtest.Server) *process {
	t.Helper()
	logPath := db + fmt.Sprintf(".%d.log", time.Now().UnixNano())
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"LINLI_DB="+db, "TELEGRAM_BOT_TOKEN="+tgToken, "TELEGRAM_API_URL="+srv.URL,
		"LINLI_MANAGERS=telegram:100", "LINLI_TELEGRAM_NO_LIMITS=1", "LINLI_TZ=Asia/Shanghai")
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		f.Close()
	})
	return &process{cmd: cmd, log: logPath}
}

var cardNumber = regexp.MustCompile(`^工单 #(\d+) · `)
var staffCardNumber = regexp.MustCompile(`^新工单 #(\d+) · `)

// cardCounts counts the cards sent per ticket number in a chat.
func cardCounts(srv *telegramtest.Server, chat int64, re *regexp.Regexp) map[int]int {
	out := map[int]int{}
	for _, s := range srv.SentTo(chat) {
		if m := re.FindStringSubmatch(s.Text); m != nil {
			n, _ := strconv.Atoi(m[1])
			out[n]++
		}
	}
	return out
}

func duplicates(c map[int]int) int {
	d := 0
	for _, n := range c {
		d += n - 1
	}
	return d
}

func waitUntil(t *testing.T, srv *telegramtest.Server, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.WaitFor(ctx, cond); err != nil {
		t.Fatalf("timed out waiting for %s", what)
	}
}

// burstWorld binds the groups through the running binary.
func burstWorld(t *testing.T, bin, db string) (*tgWorld, *process) {
	w := newTGWorld(t)
	p := startBinary(t, bin, db, w.srv)
	w.srv.SendText(w.resident, w.manager, "/bind 阳光花园")
	w.waitText(t, w.resident.ID, "业主群")
	w.srv.SendText(w.staff, w.manager, "/bind 阳光花园 staff")
	w.waitText(t, w.staff.ID, "物业工作群")
	return w, p
}

func burst(w *tgWorld, n int) {
	for i := range n {
		u := models.User{ID: int64(100000 + i), FirstName: fmt.Sprint("业主", i)}
		w.srv.SendText(w.resident, u, fmt.Sprintf("#报修 %d号楼%d室 水管漏水", i%30+1, 100+i))
	}
}

func countTickets(t *testing.T, db string) int {
	t.Helper()
	sdb, err := sql.Open("sqlite", store.DSN(db))
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var n int
	if err := sdb.QueryRow("SELECT count(*) FROM tickets").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCrashMidBurst SIGKILLs the real binary in the middle of a burst of
// 1,000 tagged messages from distinct residents, restarts it, and checks that
// exactly 1,000 tickets exist and every card was delivered.
func TestCrashMidBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	const n = 1000
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "linli.db")
	w, p := burstWorld(t, bin, db)
	burst(w, n)
	waitUntil(t, w.srv, 60*time.Second, "the first cards", func() bool { return len(cardCounts(w.srv, w.resident.ID, cardNumber)) >= n/4 })
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
	atKill := len(cardCounts(w.srv, w.resident.ID, cardNumber))

	first := p
	p = startBinary(t, bin, db, w.srv)
	t.Cleanup(func() {
		if t.Failed() {
			res, staff := cardCounts(w.srv, w.resident.ID, cardNumber), cardCounts(w.srv, w.staff.ID, staffCardNumber)
			t.Logf("resident cards %d, staff cards %d, tickets %d", len(res), len(staff), countTickets(t, db))
			for _, q := range []*process{first, p} {
				b, _ := os.ReadFile(q.log)
				if len(b) > 3000 {
					b = b[len(b)-3000:]
				}
				t.Logf("log %s:\n%s", q.log, b)
			}
		}
	})
	waitUntil(t, w.srv, 120*time.Second, "every card after the restart", func() bool {
		return len(cardCounts(w.srv, w.resident.ID, cardNumber)) == n && len(cardCounts(w.srv, w.staff.ID, staffCardNumber)) == n
	})
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("graceful exit after restart: %v", err)
	}
	res, staff := cardCounts(w.srv, w.resident.ID, cardNumber), cardCounts(w.srv, w.staff.ID, staffCardNumber)
	tickets := countTickets(t, db)
	t.Logf("crash test: %d messages, killed after %d resident cards; after restart: %d tickets, %d/%d resident cards, %d/%d staff cards, duplicate cards: %d resident + %d staff",
		n, atKill, tickets, len(res), n, len(staff), n, duplicates(res), duplicates(staff))
	if tickets != n {
		t.Errorf("tickets = %d, want exactly %d", tickets, n)
	}
	// A card can be sent twice only if the kill fell between Telegram
	// accepting it and the outbox recording that: at most the sends in flight.
	if d := duplicates(res) + duplicates(staff); d > 8 {
		t.Errorf("duplicate cards = %d, more than the sends that can be in flight", d)
	}
}

// TestGracefulShutdownMidBurst sends SIGTERM in the middle of a burst: the
// bot stops taking updates, finishes what it took, and loses nothing; after a
// restart every message has exactly one ticket and one card.
func TestGracefulShutdownMidBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and stops the real binary")
	}
	const n = 400
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "linli.db")
	w, p := burstWorld(t, bin, db)
	burst(w, n)
	waitUntil(t, w.srv, 60*time.Second, "the first cards", func() bool { return len(cardCounts(w.srv, w.resident.ID, cardNumber)) >= n/5 })
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	p = startBinary(t, bin, db, w.srv)
	waitUntil(t, w.srv, 120*time.Second, "every card after the restart", func() bool {
		return len(cardCounts(w.srv, w.resident.ID, cardNumber)) == n && len(cardCounts(w.srv, w.staff.ID, staffCardNumber)) == n
	})
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.cmd.Wait()
	res, staff := cardCounts(w.srv, w.resident.ID, cardNumber), cardCounts(w.srv, w.staff.ID, staffCardNumber)
	tickets := countTickets(t, db)
	t.Logf("graceful shutdown test: %d messages; %d tickets, duplicate cards: %d", n, tickets, duplicates(res)+duplicates(staff))
	if tickets != n || duplicates(res)+duplicates(staff) != 0 {
		t.Errorf("tickets = %d (want %d), duplicate cards = %d (want 0)", tickets, n, duplicates(res)+duplicates(staff))
	}
}
