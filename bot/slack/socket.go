package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// runSocket keeps a Socket Mode connection (slack-go reconnects it) and
// answers every envelope: an ack at once, the work after it. Modal
// submissions and options requests carry their answer in the ack, so they
// are answered from their own goroutine, never holding up the reader.
func (b *Bot) runSocket(ctx context.Context) error {
	sm := socketmode.New(b.api)
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	wg.Go(func() { errc <- sm.RunContext(ctx) })
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack socket mode: %w", err)
		case evt := <-sm.Events:
			switch evt.Type {
			case socketmode.EventTypeConnected:
				b.log.Info("slack socket mode connected")
			case socketmode.EventTypeInvalidAuth:
				return fmt.Errorf("SLACK_APP_TOKEN: Slack refused the app-level token")
			case socketmode.EventTypeConnectionError:
				b.log.Warn("slack socket mode connection error; reconnecting")
			case socketmode.EventTypeEventsAPI:
				ev, ok := evt.Data.(slackevents.EventsAPIEvent)
				if !ok || evt.Request == nil {
					continue
				}
				sm.AckCtx(ctx, evt.Request.EnvelopeID, nil)
				b.onEvent(ev, eventID(ev))
			case socketmode.EventTypeSlashCommand:
				cmd, ok := evt.Data.(slackgo.SlashCommand)
				if !ok || evt.Request == nil {
					continue
				}
				sm.AckCtx(ctx, evt.Request.EnvelopeID, b.onCommand(cmd))
			case socketmode.EventTypeInteractive:
				cb, ok := evt.Data.(slackgo.InteractionCallback)
				if !ok || evt.Request == nil {
					continue
				}
				env := evt.Request.EnvelopeID
				wg.Go(func() { sm.AckCtx(ctx, env, b.onInteraction(cb)) })
			case socketmode.EventTypeErrorBadMessage:
				// An envelope slack-go cannot parse (an event type it does not
				// know): acknowledged, so Slack does not send it again, and skipped.
				if bad, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
					var env struct {
						EnvelopeID string `json:"envelope_id"`
					}
					if json.Unmarshal(bad.Message, &env) == nil && env.EnvelopeID != "" {
						sm.AckCtx(ctx, env.EnvelopeID, nil)
					}
				}
				b.log.Debug("slack socket mode: envelope not understood; acknowledged")
			}
		}
	}
}

// eventID returns the event_id of a callback event.
func eventID(ev slackevents.EventsAPIEvent) string {
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
		return cb.EventID
	}
	return ""
}
