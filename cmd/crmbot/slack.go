package main

import (
	"context"
	"errors"
)

// startSlack runs the Slack transport when SLACK_BOT_TOKEN is set.
func (w *wiring) startSlack(ctx context.Context) error {
	if w.cfg.SlackBotToken == "" {
		return nil
	}
	return errors.New("SLACK_BOT_TOKEN: the Slack transport is not in this build yet; unset it to use the console")
}
