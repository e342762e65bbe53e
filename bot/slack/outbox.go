package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/crmbot/crmbot/crm"
)

// Platform is the outbox platform name of Slack messages.
const Platform = "slack"

// How messages leave: one kind per Slack endpoint.
const (
	kindPost      = "post"      // chat.postMessage to a channel, or to a user's DM
	kindEphemeral = "ephemeral" // chat.postEphemeral to a user in a channel
	kindResponse  = "response"  // the response_url of a command or an action
	// kindFile (files.go) uploads a file to a channel, or to a user's DM.
)

// outMsg is the outbox body of a Slack message.
type outMsg struct {
	Kind         string          `json:"kind"`
	Channel      string          `json:"channel,omitempty"` // channel id, or a user id for their DM
	User         string          `json:"user,omitempty"`    // viewer of an ephemeral message; DM fallback
	ResponseURL  string          `json:"response_url,omitempty"`
	ResponseType string          `json:"response_type,omitempty"`
	ThreadTS     string          `json:"thread_ts,omitempty"`
	Text         string          `json:"text"`
	Blocks       json.RawMessage `json:"blocks,omitempty"`
	File         *outFile        `json:"file,omitempty"` // kindFile
}

// Limits of the outbox.
const (
	perChannel  = 1.0 // chat.postMessage: about 1 message a second per channel
	burst       = 1
	lease       = 2 * time.Minute
	claimLimit  = 50
	maxBackoff  = 5 * time.Minute
	sendWorkers = 8
)

// transient are Slack error codes worth trying again later.
var transient = map[string]bool{"ratelimited": true, "internal_error": true, "fatal_error": true,
	"service_unavailable": true, "request_timeout": true, "team_added_to_org": true}

// Backoff is the delay before attempt n+1 after n attempts failed with a
// server error or no answer: 1 s, 2 s, 4 s, ... capped at 5 minutes.
func Backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	if n > 20 {
		return maxBackoff
	}
	return min(time.Second<<(n-1), maxBackoff)
}

// outbox sends queued messages within Slack's limits. A message is stored
// before anything is sent, claimed with a lease, marked sent right after
// Slack accepts it, and retried after 429 (Retry-After), 5xx and network
// failures, so an accepted reply is neither dropped nor, outside the one
// window between Slack's answer and the mark, sent twice.
type outbox struct {
	b    *Bot
	kick chan struct{}

	flushMu sync.Mutex // one flush at a time per replica

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
	used     map[string]time.Time
	paused   map[string]time.Time // Slack endpoint -> not before (after a 429)
}

func newOutbox(b *Bot) *outbox {
	return &outbox{b: b, kick: make(chan struct{}, 1), limiters: map[string]*rate.Limiter{},
		used: map[string]time.Time{}, paused: map[string]time.Time{}}
}

// enqueue stores m for sending and wakes the sender. id, when set, makes a
// second enqueue of the same reply a no-op.
func (o *outbox) enqueue(ctx context.Context, id string, m outMsg) error {
	return o.enqueueAfter(ctx, id, m, 0)
}

// enqueueAfter is enqueue with the message ordered after in its chat, as if
// queued that much later, though due at once.
func (o *outbox) enqueueAfter(ctx context.Context, id string, m outMsg, after time.Duration) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	chat := m.Channel
	if m.Kind == kindResponse {
		chat = "response:" + m.User
	}
	now := o.b.now()
	err = o.b.store.Enqueue(ctx, &crm.OutboxMessage{ID: id, Platform: Platform, Chat: chat, Body: body, CreatedAt: now.Add(after), NextAt: now})
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return nil // already queued
	}
	if err != nil {
		return fmt.Errorf("enqueue slack message: %w", err)
	}
	o.wake()
	return nil
}

func (o *outbox) wake() {
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

// run flushes when woken and every poll interval until ctx is done.
func (o *outbox) run(ctx context.Context) {
	t := time.NewTicker(o.b.cfg.PollInterval)
	defer t.Stop()
	clean := time.NewTicker(time.Hour)
	defer clean.Stop()
	for {
		if _, err := o.flush(ctx); err != nil && ctx.Err() == nil {
			o.b.log.Warn("slack outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-o.kick:
		case <-t.C:
		case <-clean.C:
			o.clean(ctx)
		}
	}
}

// keep is how long sent messages and seen event ids are kept: far longer
// than Slack retries an event (about 5 minutes) or a lease lasts.
const keep = 7 * 24 * time.Hour

// clean forgets sent messages and seen event ids older than keep.
func (o *outbox) clean(ctx context.Context) {
	before := o.b.now().Add(-keep)
	if _, err := o.b.store.ForgetSent(ctx, before); err != nil {
		o.b.log.Warn("slack outbox clean-up", "err", err)
	}
	if _, err := o.b.store.ForgetSeen(ctx, before); err != nil {
		o.b.log.Warn("slack inbox clean-up", "err", err)
	}
}

// Flush sends every due message now and reports how many Slack accepted.
// Run calls it; tests and shutdown may too.
func (b *Bot) Flush(ctx context.Context) (int, error) { return b.out.flush(ctx) }

func (o *outbox) flush(ctx context.Context) (int, error) {
	o.flushMu.Lock()
	defer o.flushMu.Unlock()
	total := 0
	for {
		msgs, err := o.b.store.ClaimDue(ctx, Platform, o.b.owner, o.b.now(), lease, claimLimit)
		if err != nil {
			return total, err
		}
		if len(msgs) == 0 {
			return total, nil
		}
		// One sender per chat keeps each chat's order; chats go in parallel.
		var order []string
		byChat := map[string][]crm.OutboxMessage{}
		for _, m := range msgs {
			if _, ok := byChat[m.Chat]; !ok {
				order = append(order, m.Chat)
			}
			byChat[m.Chat] = append(byChat[m.Chat], m)
		}
		var mu sync.Mutex
		sent := 0
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(sendWorkers)
		for _, chat := range order {
			g.Go(func() error {
				n := o.sendChat(gctx, byChat[chat])
				mu.Lock()
				sent += n
				mu.Unlock()
				return nil
			})
		}
		g.Wait()
		total += sent
		if sent == 0 || len(msgs) < claimLimit {
			return total, ctx.Err()
		}
	}
}

// sendChat sends one chat's claimed messages in order; once one must wait,
// the rest of that chat waits with it.
func (o *outbox) sendChat(ctx context.Context, msgs []crm.OutboxMessage) int {
	sent := 0
	for i, m := range msgs {
		next, ok := o.send(ctx, m)
		if ok {
			sent++
			continue
		}
		for _, rest := range msgs[i+1:] {
			o.retry(rest, next, "waiting behind an earlier message")
		}
		break
	}
	return sent
}

// send tries one message; it reports whether it is done (sent, or refused
// for good) and otherwise when to try again.
func (o *outbox) send(ctx context.Context, m crm.OutboxMessage) (time.Time, bool) {
	b := o.b
	now := b.now()
	var msg outMsg
	if err := json.Unmarshal(m.Body, &msg); err != nil {
		b.log.Error("slack outbox: unreadable message dropped", "id", m.ID, "err", err)
		o.mark(m, "failed:unreadable")
		return time.Time{}, true
	}
	endpoint := "chat.postMessage"
	switch msg.Kind {
	case kindEphemeral:
		endpoint = "chat.postEphemeral"
	case kindResponse:
		endpoint = "response_url"
	case kindFile:
		endpoint = "files.upload"
	}
	if till := o.pausedTill(endpoint); now.Before(till) {
		o.retry(m, till, "rate limited")
		return till, false
	}
	if msg.Kind != kindResponse {
		if r := o.limiter(m.Chat, now).ReserveN(now, 1); !r.OK() || r.DelayFrom(now) > 0 {
			next := now.Add(r.DelayFrom(now))
			r.CancelAt(now)
			o.retry(m, next, "channel rate")
			return next, false
		}
	}
	var ref string
	var err error
	if msg.Kind == kindFile {
		ref, err = o.uploadFile(ctx, m.ID, msg)
	} else {
		ref, err = o.deliver(ctx, msg)
	}
	b.log.Debug("slack send", "id", m.ID, "endpoint", endpoint, "err", err)
	if err == nil {
		o.mark(m, ref)
		b.dropFile(m.ID, msg.File)
		return time.Time{}, true
	}
	var rl *slackgo.RateLimitedError
	var sc slackgo.StatusCodeError
	var se slackgo.SlackErrorResponse
	switch {
	case errors.Is(err, errFileGone):
		// refused for good, below
	case errors.As(err, &rl):
		till := now.Add(max(rl.RetryAfter, time.Second))
		o.pause(endpoint, till)
		b.log.Warn("slack rate limited", "endpoint", endpoint, "retry_after", rl.RetryAfter, "id", m.ID)
		o.retry(m, till, err.Error())
		return till, false
	case errors.As(err, &sc) && (sc.Code >= 500 || sc.Code == http.StatusRequestTimeout),
		errors.As(err, &se) && transient[se.Err],
		!errors.As(err, &sc) && !errors.As(err, &se):
		next := now.Add(Backoff(m.Attempts))
		b.log.Warn("slack send failed; will retry", "endpoint", endpoint, "id", m.ID, "attempt", m.Attempts, "err", err)
		o.retry(m, next, err.Error())
		return next, false
	}
	// Refused for good: a response_url that expired falls back to the
	// person's DM; blocks Slack refuses fall back to plain text.
	b.log.Warn("slack refused a message", "endpoint", endpoint, "id", m.ID, "err", err)
	o.mark(m, "failed:"+clip(err.Error(), 80))
	b.dropFile(m.ID, msg.File)
	switch {
	case msg.Kind == kindResponse && msg.User != "":
		o.enqueue(ctx, m.ID+":dm", outMsg{Kind: kindPost, Channel: msg.User, Text: msg.Text, Blocks: msg.Blocks})
	case msg.Kind == kindEphemeral && msg.User != "":
		o.enqueue(ctx, m.ID+":dm", outMsg{Kind: kindPost, Channel: msg.User, Text: msg.Text, Blocks: msg.Blocks})
	case len(msg.Blocks) > 0 && strings.Contains(err.Error(), "invalid_blocks"):
		msg.Blocks = nil
		o.enqueue(ctx, m.ID+":text", msg)
	}
	return time.Time{}, true
}

// deliver makes the one Slack call for msg and returns the message's ts.
func (o *outbox) deliver(ctx context.Context, msg outMsg) (string, error) {
	b := o.b
	var blocks []slackgo.Block
	if len(msg.Blocks) > 0 {
		var bs slackgo.Blocks
		if err := json.Unmarshal(msg.Blocks, &bs); err != nil {
			return "", fmt.Errorf("decode blocks: %w", err)
		}
		blocks = bs.BlockSet
	}
	switch msg.Kind {
	case kindResponse:
		wm := &slackgo.WebhookMessage{Text: msg.Text, ResponseType: msg.ResponseType}
		if blocks != nil {
			wm.Blocks = &slackgo.Blocks{BlockSet: blocks}
		}
		return "", slackgo.PostWebhookCustomHTTPContext(ctx, msg.ResponseURL, b.http, wm)
	case kindEphemeral:
		opts := []slackgo.MsgOption{slackgo.MsgOptionText(msg.Text, false)}
		if blocks != nil {
			opts = append(opts, slackgo.MsgOptionBlocks(blocks...))
		}
		return b.api.PostEphemeralContext(ctx, msg.Channel, msg.User, opts...)
	}
	channel, err := b.dmChannel(ctx, msg.Channel)
	if err != nil {
		return "", err
	}
	opts := []slackgo.MsgOption{slackgo.MsgOptionText(msg.Text, false)}
	if blocks != nil {
		opts = append(opts, slackgo.MsgOptionBlocks(blocks...))
	}
	if msg.ThreadTS != "" {
		opts = append(opts, slackgo.MsgOptionTS(msg.ThreadTS))
	}
	_, ts, err := b.api.PostMessageContext(ctx, channel, opts...)
	return ts, err
}

// dmChannel turns a user id into their DM channel with the app
// (conversations.open, cached); a channel id is returned as it is.
func (b *Bot) dmChannel(ctx context.Context, to string) (string, error) {
	if !strings.HasPrefix(to, "U") && !strings.HasPrefix(to, "W") {
		return to, nil
	}
	b.dmMu.Lock()
	ch, ok := b.dms[to]
	b.dmMu.Unlock()
	if ok {
		return ch, nil
	}
	c, _, _, err := b.api.OpenConversationContext(ctx, &slackgo.OpenConversationParameters{Users: []string{to}, ReturnIM: true})
	if err != nil {
		return "", fmt.Errorf("open DM: %w", err)
	}
	b.dmMu.Lock()
	b.dms[to] = c.ID
	b.dmMu.Unlock()
	return c.ID, nil
}

func (o *outbox) mark(m crm.OutboxMessage, ref string) {
	// A fresh context: Slack has the message, so the mark must not be lost to a cancel.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := o.b.store.MarkSent(ctx, m.ID, o.b.owner, o.b.now(), ref); err != nil {
		o.b.log.Error("slack outbox: mark sent", "id", m.ID, "err", err)
	}
}

func (o *outbox) retry(m crm.OutboxMessage, next time.Time, why string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := o.b.store.Retry(ctx, m.ID, o.b.owner, next, clip(why, 200)); err != nil {
		o.b.log.Error("slack outbox: reschedule", "id", m.ID, "err", err)
	}
}

// limiter returns the chat's token bucket, forgetting idle ones.
func (o *outbox) limiter(chat string, now time.Time) *rate.Limiter {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.used) > 1000 {
		for c, t := range o.used {
			if now.Sub(t) > time.Minute {
				delete(o.used, c)
				delete(o.limiters, c)
			}
		}
	}
	l, ok := o.limiters[chat]
	if !ok {
		l = rate.NewLimiter(rate.Limit(perChannel), burst)
		o.limiters[chat] = l
	}
	o.used[chat] = now
	return l
}

func (o *outbox) pause(endpoint string, till time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if till.After(o.paused[endpoint]) {
		o.paused[endpoint] = till
	}
}

func (o *outbox) pausedTill(endpoint string) time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.paused[endpoint]
}
