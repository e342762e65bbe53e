package main

import (
	"context"
	"net/http"
	"time"

	"github.com/crmbot/crmbot/bot/slack"
)

// startSlack runs the Slack transport when SLACK_BOT_TOKEN is set: Socket
// Mode with SLACK_APP_TOKEN, else HTTP mode on /slack/events.
func (w *wiring) startSlack(ctx context.Context) error {
	if w.cfg.SlackBotToken == "" {
		return nil
	}
	b, err := slack.New(ctx, slack.Config{
		Handler: w.h, Store: w.db,
		BotToken: w.cfg.SlackBotToken, AppToken: w.cfg.SlackAppToken, SigningSecret: w.cfg.SlackSigningSecret,
		APIURL: w.cfg.SlackAPIURL, HTTPClient: &http.Client{Timeout: 15 * time.Second},
		Logger: w.log.With("transport", "slack"), Region: w.cfg.Region, Location: w.cfg.Location, Language: w.cfg.Language,
		Enrol: w.cfg.SlackEnrol,
	})
	if err != nil {
		return err
	}
	if w.cfg.SlackSigningSecret != "" {
		w.mux.Handle("POST /slack/events", b)
	}
	w.deliver.Register("slack", b)
	mode := "http"
	if w.cfg.SlackAppToken != "" {
		mode = "socket"
	}
	w.log.Info("slack started", "mode", mode, "team", b.TeamID())
	w.group.Go(func() error { return b.Run(ctx) })
	return nil
}
