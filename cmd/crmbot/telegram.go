package main

import (
	"context"

	"golang.org/x/time/rate"

	"github.com/crmbot/crmbot/bot/telegram"
)

// startTelegram runs the Telegram transport when TELEGRAM_BOT_TOKEN is set:
// webhook mode on /telegram/webhook when TELEGRAM_WEBHOOK_URL is set, long
// polling (by the replica holding the polling lease) otherwise.
func (w *wiring) startTelegram(ctx context.Context) error {
	if w.cfg.TelegramBotToken == "" {
		return nil
	}
	t, err := telegram.New(ctx, telegram.Config{
		Token:         w.cfg.TelegramBotToken,
		APIURL:        w.cfg.TelegramAPIURL,
		WebhookURL:    w.cfg.TelegramWebhookURL,
		WebhookSecret: w.cfg.TelegramWebhookSecret,
		Handler:       w.h,
		Store:         w.db,
		Logger:        w.log,
		Rate:          rate.Limit(w.cfg.TelegramRate),
		ChatRate:      rate.Limit(w.cfg.TelegramChatRate),
	})
	if err != nil {
		return err
	}
	w.h.AddInviteLinks(t.InviteLinks)
	w.deliver.Register("telegram", t)
	if w.cfg.TelegramWebhookURL != "" {
		w.mux.Handle("POST /telegram/webhook", t)
	}
	w.group.Go(func() error { return t.Run(ctx) })
	return nil
}
