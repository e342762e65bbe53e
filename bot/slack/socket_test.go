package slack_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/crmbot/crmbot/bot/slack/slacktest"
)

// TestSocketMode drives the app over a Socket Mode WebSocket: every
// envelope is acknowledged at once, answers that belong in the ack are in it,
// and the rest arrive through the Web API.
func TestSocketMode(t *testing.T) {
	f := newFixture(t, options{socket: true})
	f.run("UREP", "add Siti Nurhaliza +60 12-345 6789") // HTTP mode answers too
	siti := string(f.customer("siti"))
	team := f.fake.TeamID
	send := func(env slacktest.Envelope) json.RawMessage {
		t.Helper()
		ack, took, err := f.fake.Send(env, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if took > 3*time.Second {
			t.Errorf("ack took %s", took)
		}
		return ack
	}
	event := func(id string, inner map[string]any) map[string]any {
		return map[string]any{"type": "event_callback", "team_id": team, "api_app_id": "AFAKE", "event_id": id, "event": inner}
	}
	t.Run("SlashCommand", func(t *testing.T) {
		ru := f.fake.ResponseURL()
		ack := send(slacktest.Envelope{Type: "slash_commands", Payload: map[string]any{"team_id": team, "user_id": "UREP",
			"channel_id": "C0SALES", "command": "/crm", "text": "find siti", "response_url": ru, "trigger_id": f.fake.TriggerID()}})
		if s := string(ack); s != "" && s != "null" {
			t.Errorf("ack payload %s, want empty", s)
		}
		contains(t, f.reply(ru).All(), "Siti Nurhaliza", "Log call")
	})
	t.Run("SlashCommandOtherWorkspace", func(t *testing.T) {
		ack := send(slacktest.Envelope{Type: "slash_commands", Payload: map[string]any{"team_id": "T0THEIRS", "user_id": "UX",
			"channel_id": "CX", "command": "/crm", "text": "find siti", "response_url": f.fake.ResponseURL(), "trigger_id": f.fake.TriggerID()}})
		contains(t, string(ack), "another Slack workspace")
	})
	t.Run("DMEventOnceAcrossRetries", func(t *testing.T) {
		f.settle()
		n := len(f.fake.Messages())
		dm := event("EvS1", map[string]any{"type": "message", "channel_type": "im", "channel": "DUREP", "user": "UREP", "text": "find siti", "ts": "5.1"})
		send(slacktest.Envelope{Type: "events_api", Payload: dm})
		send(slacktest.Envelope{Type: "events_api", Payload: dm, RetryAttempt: 1})
		f.settle()
		msgs := f.fake.Messages()[n:]
		if len(msgs) != 1 || msgs[0].Channel != "DUREP" {
			t.Fatalf("%d answers, want 1 in DUREP", len(msgs))
		}
		contains(t, msgs[0].All(), "Siti Nurhaliza")
	})
	t.Run("UnknownEventTypeAcknowledged", func(t *testing.T) {
		send(slacktest.Envelope{Type: "events_api", Payload: event("EvS2", map[string]any{"type": "never_heard_of_it"})})
	})
	t.Run("SubmissionErrorsInAck", func(t *testing.T) {
		ack := send(slacktest.Envelope{Type: "interactive", Payload: f.submission("UREP", "crm_add",
			map[string]map[string]any{"name": text("Ali"), "phone": text("12ab")})})
		contains(t, string(ack), `"response_action":"errors"`, `"phone"`, "12ab")
	})
	t.Run("SubmissionResultInAck", func(t *testing.T) {
		ack := send(slacktest.Envelope{Type: "interactive", Payload: f.submission("UREP", "crm_log",
			map[string]map[string]any{"customer": {"type": "external_select", "selected_option": map[string]any{"value": siti}},
				"kind": selected("call"), "notes": text("asked for a quote")})})
		contains(t, string(ack), `"response_action":"update"`, "Logged call with Siti Nurhaliza")
	})
	t.Run("OptionsInAck", func(t *testing.T) {
		ack := send(slacktest.Envelope{Type: "interactive", Payload: map[string]any{"type": "block_suggestion",
			"team": map[string]any{"id": team}, "user": map[string]any{"id": "UREP"}, "action_id": "customer", "block_id": "customer", "value": "nurh"}})
		contains(t, string(ack), "Siti Nurhaliza", siti)
	})
	t.Run("GlobalShortcutOpensMenu", func(t *testing.T) {
		f.settle() // views opened by the work of earlier envelopes are counted before
		n := len(f.fake.Views())
		send(slacktest.Envelope{Type: "interactive", Payload: map[string]any{"type": "shortcut", "callback_id": "crm_menu",
			"team": map[string]any{"id": team}, "user": map[string]any{"id": "UREP"}, "trigger_id": f.fake.TriggerID()}})
		f.settle()
		vs := f.fake.Views()
		if len(vs) != n+1 || vs[n].CallbackID() != "crm_menu" {
			t.Fatalf("views %d, want the menu opened", len(vs)-n)
		}
	})
	t.Run("MessageShortcutLogsMessage", func(t *testing.T) {
		f.settle()
		n := len(f.fake.Views())
		send(slacktest.Envelope{Type: "interactive", Payload: map[string]any{"type": "message_action", "callback_id": "crm_log_message",
			"team": map[string]any{"id": team}, "user": map[string]any{"id": "UREP"}, "trigger_id": f.fake.TriggerID(),
			"channel": map[string]any{"id": "C0SALES"}, "message": map[string]any{"text": "Siti says the inverter beeps &amp; blinks", "ts": "7.7"}}})
		f.settle()
		vs := f.fake.Views()
		if len(vs) != n+1 || vs[n].CallbackID() != "crm_log" {
			t.Fatalf("views %d, want the log form", len(vs)-n)
		}
		if !strings.Contains(vs[n].All(), "inverter beeps & blinks") {
			t.Errorf("the form lacks the message's text: %s", vs[n].All())
		}
	})
}
