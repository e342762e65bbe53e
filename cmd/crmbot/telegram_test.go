package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/crmbot/crmbot/bot/telegram/telegramtest"
)

// freeAddr returns a loopback address with a free port.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func helpUpdate(id int64, from int64, text string) *models.Update {
	return &models.Update{ID: id, Message: &models.Message{ID: 1, Date: 1, Text: text,
		From: &models.User{ID: from, FirstName: "Admin"}, Chat: models.Chat{ID: from, Type: models.ChatTypePrivate}}}
}

// TestTelegramEndToEnd runs crmbot with Telegram against the fake Bot API,
// in webhook mode and in polling mode.
func TestTelegramEndToEnd(t *testing.T) {
	const token = "42:end-to-end"
	tests := []struct {
		name    string
		webhook bool
	}{
		{"Webhook", true},
		{"Polling", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := telegramtest.New(token)
			defer fake.Close()
			addr := freeAddr(t)
			env := []string{"TELEGRAM_BOT_TOKEN", token, "TELEGRAM_API_URL", fake.URL, "CRM_ADMINS", "telegram:100", "HTTP_ADDR", addr}
			if tt.webhook {
				env = append(env, "TELEGRAM_WEBHOOK_URL", "https://crm.example/telegram/webhook", "TELEGRAM_WEBHOOK_SECRET", "hook-secret")
			}
			setEnv(t, env...)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			var out, errOut bytes.Buffer
			go func() { done <- run(ctx, nil, strings.NewReader(""), &out, &errOut) }()
			wctx, wcancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer wcancel()

			send := func(u *models.Update) {
				if !tt.webhook {
					fake.PushUpdate(u)
					return
				}
				code, err := telegramtest.PostWebhook(wctx, http.DefaultClient, "http://"+addr+"/telegram/webhook", "hook-secret", u)
				if err != nil || code != http.StatusOK {
					t.Fatalf("webhook: %d %v", code, err)
				}
			}
			if tt.webhook {
				if err := fake.WaitFor(wctx, func(s *telegramtest.Server) bool { u, _ := s.Webhook(); return u != "" }); err != nil {
					t.Fatal(err)
				}
				code, _ := telegramtest.PostWebhook(wctx, http.DefaultClient, "http://"+addr+"/telegram/webhook", "wrong", helpUpdate(1, 100, "/help"))
				if code != http.StatusForbidden {
					t.Errorf("wrong secret: %d", code)
				}
			}
			send(helpUpdate(2, 100, "/invite field"))
			got, err := fake.WaitMessages(wctx, 100, 1)
			if err != nil {
				t.Fatal(err)
			}
			if text := got[0].Params["text"]; !strings.Contains(text, "https://t.me/crmbot_test_bot?start=") {
				t.Errorf("invite reply lacks the deep link: %q", text)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("run: %v\n%s", err, errOut.String())
			}
			if strings.Contains(errOut.String(), token) {
				t.Errorf("the token was logged:\n%s", errOut.String())
			}
		})
	}
}
