package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/crmbot/crmbot/bot/slack/slacktest"
)

// TestSlackSocketMode runs crmbot with Slack in Socket Mode against the fake
// Slack: a /crm command over the WebSocket is answered at its response_url,
// and a stop ends run cleanly.
func TestSlackSocketMode(t *testing.T) {
	fake := slacktest.New()
	defer fake.Close()
	setEnv(t, "SLACK_BOT_TOKEN", fake.BotToken, "SLACK_APP_TOKEN", fake.AppToken, "SLACK_API_URL", fake.APIURL(),
		"CRM_ADMINS", "slack:UADMIN")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	var out, errOut bytes.Buffer
	go func() { done <- run(ctx, nil, strings.NewReader(""), &out, &errOut) }()
	if !fake.WaitConnected(30 * time.Second) {
		cancel()
		t.Fatalf("no Socket Mode connection: %v\n%s", <-done, errOut.String())
	}
	ru := fake.ResponseURL()
	if _, _, err := fake.Send(slacktest.Envelope{Type: "slash_commands", Payload: map[string]any{"team_id": fake.TeamID,
		"user_id": "UADMIN", "channel_id": "C0SALES", "command": "/crm", "text": "add Siti Nurhaliza +60 12-345 6789",
		"response_url": ru, "trigger_id": fake.TriggerID()}}, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if !fake.WaitFor(30*time.Second, func(s *slacktest.Server) bool { return len(s.Messages()) > 0 }) {
		t.Fatal("no answer")
	}
	if got := fake.Messages()[0].All(); !strings.Contains(got, "Added Siti Nurhaliza") {
		t.Errorf("answer %q", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if strings.Contains(errOut.String(), "Siti") {
		t.Error("a customer's name reached the log")
	}
}

func TestSlackBadToken(t *testing.T) {
	fake := slacktest.New()
	defer fake.Close()
	setEnv(t, "SLACK_BOT_TOKEN", "xoxb-wrong", "SLACK_SIGNING_SECRET", "s", "SLACK_API_URL", fake.APIURL())
	var out, errOut bytes.Buffer
	err := run(context.Background(), nil, strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.HasPrefix(err.Error(), "SLACK_BOT_TOKEN") {
		t.Errorf("err = %v, want a sentence naming SLACK_BOT_TOKEN", err)
	}
}
