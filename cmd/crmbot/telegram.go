package main

import (
	"context"
	"errors"
)

// startTelegram runs the Telegram transport when TELEGRAM_BOT_TOKEN is set.
func (w *wiring) startTelegram(ctx context.Context) error {
	if w.cfg.TelegramBotToken == "" {
		return nil
	}
	return errors.New("TELEGRAM_BOT_TOKEN: the Telegram transport is not in this build yet; unset it to use the console")
}
