package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/desk"
	"github.com/linli/linli/internal/fixture"
	"github.com/linli/linli/store"
	"github.com/linli/linli/web"
)

// deskSpec is one community with 100,000 tickets (5% still open) and their
// history over three years.
var deskSpec = fixture.Spec{Tickets: 100_000, EventsPerTicket: 5, Communities: 1, ResidentGroups: 5, Residents: 2000,
	Months: 36, ActiveShare: 0.05, Seed: 1}

// BenchmarkDeskList renders the desk's ticket list, server-side, for a staff
// member of a community with 100,000 tickets: the default view (tickets not
// done), every ticket, the overdue ones, a later page and a text search.
// Target: ≤ 20 ms a page.
//
//	go test ./web -run '^$' -bench DeskList -benchtime 200x -count 3
func BenchmarkDeskList(b *testing.B) {
	db, err := store.Open(context.Background(), fixture.Path(b, deskSpec))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.Now = func() time.Time { return fixture.Now }
	log := slog.New(slog.DiscardHandler)
	srv := web.New(web.Config{DB: db, Desk: desk.New(desk.Config{Lang: "zh", Location: fixture.Shanghai, Log: log}),
		Lang: "zh", Location: fixture.Shanghai, Log: log})
	// The fixture's database is shared between runs: the session is made
	// and ended in the benchmark.
	var token string
	var session int64
	err = db.Update(context.Background(), func(tx *store.Tx) error {
		p, err := tx.PersonByKey(bot.Telegram, bot.UserID(strconv.FormatInt(fixture.StaffID(0, 0), 10)))
		if err != nil {
			return err
		}
		var s *store.WebSession
		token, s, err = tx.NewSession(p.ID)
		session = s.ID
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Update(context.Background(), func(tx *store.Tx) error { return tx.EndSession(session) })
	for _, bc := range []struct{ name, query string }{
		{"active", ""},
		{"all", "?s=all"},
		{"overdue", "?o=1"},
		{"page20", "?s=all&before=" + strconv.Itoa(deskSpec.Tickets-20*web.PageSize)},
		{"search", "?s=all&q=" + "%E7%94%B5%E6%A2%AF"}, // 电梯
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/web/"+bc.query, nil)
			req.AddCookie(&http.Cookie{Name: "linli_session", Value: token})
			rows := 0
			for b.Loop() {
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%d\n%s", w.Code, w.Body.String())
				}
				rows = strings.Count(w.Body.String(), `<li class="ticket`)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
			b.ReportMetric(float64(rows), "rows")
		})
	}
}
