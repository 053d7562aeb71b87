package telegram

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/telegram/telegramtest"
)

type nopInbound struct{}

func (nopInbound) Submit(context.Context, bot.Message) error { return nil }
func (nopInbound) Enqueue(_ context.Context, _ bot.Message, done func(error)) error {
	done(nil)
	return nil
}

func TestWebhookServerClosesIdleConnections(t *testing.T) {
	defer func(d time.Duration) { webhookIdle = d }(webhookIdle)
	webhookIdle = 100 * time.Millisecond
	srv := telegramtest.NewServer("1:tok")
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tg, err := New(Config{Token: "1:tok", APIURL: srv.URL, PollTimeout: 5 * time.Second, Limits: Limits{Disabled: true},
		Log: slog.New(slog.DiscardHandler), Webhook: &WebhookConfig{PublicURL: "https://x.example/h", Listener: ln, Secret: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.Run(ctx, nopInbound{}) }()
	defer func() { cancel(); <-done }()
	select {
	case <-tg.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("not ready")
	}
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /h HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: s\r\nContent-Length: 2\r\n\r\n{}")
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("an empty update got %d", resp.StatusCode)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.ReadByte(); err != io.EOF {
		t.Errorf("an idle keep-alive connection was not closed by the webhook server: %v", err)
	}
}
