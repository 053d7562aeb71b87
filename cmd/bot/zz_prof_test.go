package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/internal/fixture"
)

func TestZZIngestProfile(t *testing.T) {
	if os.Getenv("ZZ") == "" {
		t.Skip()
	}
	db := fixture.Copy(t, fixture.Large, t.TempDir())
	srv := fixtureWorld(t)
	m := NewMain()
	m.Stderr = io.Discard
	args := []string{"-db", db, "-telegram-token", tgToken, "-telegram-api", srv.URL,
		"-managers", fmt.Sprintf("telegram:%d", fixture.ManagerID), "-tz", "Asia/Shanghai"}
	if err := m.ParseFlags(args, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	m.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	time.Sleep(10 * time.Second)
	t.Log("ingest start", m.DB.GroupStats())
	spec := fixture.Large
	t0 := time.Now()
	const messages = 2000
	for i := range messages {
		c, r := i%spec.Communities, i/spec.Communities
		g := r % spec.ResidentGroups
		u := models.User{ID: spec.ResidentID(c, r), FirstName: fmt.Sprint("业主", r)}
		srv.SendText(models.Chat{ID: fixture.GroupID(c, g), Type: models.ChatTypeSupergroup}, u, fmt.Sprintf("#报修 %d号楼 %d 单元水管漏水", g+1, i))
	}
	for {
		var n int64
		m.DB.SQL().QueryRow(`SELECT max(id) FROM tickets`).Scan(&n)
		if n >= int64(spec.Tickets+messages) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Log("took", time.Since(t0), m.DB.GroupStats())
}
