package slack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

var _ handlers.Deliverer = (*Bot)(nil)

// Deliver sends rep to the DM of a Slack identity ("slack:U012ABCDEF") and
// returns once Slack accepted it. It keeps the channel's rate, waits out a
// 429's Retry-After and retries server errors a few times while ctx allows;
// the caller's own outbox holds the message across anything longer. Files
// the reply carries (the digest's chart) are queued in the transport's
// outbox once the message is accepted, and follow it in the DM.
func (b *Bot) Deliver(ctx context.Context, id crm.Identity, rep handlers.Reply) error {
	user, ok := strings.CutPrefix(string(id), "slack:")
	if !ok || user == "" {
		return fmt.Errorf("deliver to %s: %w", id, crm.Errorf(crm.EINVALID, "err_notfound"))
	}
	lang := b.cfg.Language
	if s, err := b.h.Staff(ctx, id); err == nil {
		lang = b.h.LangOf(s)
	}
	files := replyFiles(rep)
	shown := withoutFiles(rep)
	blocks, text := render(shown, b.h.T(lang, "slack_more"))
	channel, err := b.dmChannel(ctx, user)
	if err != nil {
		return fmt.Errorf("deliver to %s: %w", id, err)
	}
	if len(files) > 0 && len(shown.Blocks) == 0 {
		if err := b.queueFiles(ctx, "", channel, user, files); err != nil {
			return fmt.Errorf("deliver to %s: %w", id, err)
		}
		return nil
	}
	for attempt := 1; ; attempt++ {
		now := b.now()
		r := b.out.limiter(channel, now).ReserveN(now, 1)
		if err := sleep(ctx, r.DelayFrom(now)); err != nil {
			r.CancelAt(now)
			return fmt.Errorf("deliver to %s: %w", id, err)
		}
		_, _, err := b.api.PostMessageContext(ctx, channel, slackgo.MsgOptionText(text, false), slackgo.MsgOptionBlocks(blocks...))
		if err == nil {
			b.queueFiles(ctx, "", channel, user, files)
			return nil
		}
		wait := time.Duration(0)
		var rl *slackgo.RateLimitedError
		var sc slackgo.StatusCodeError
		switch {
		case errors.As(err, &rl):
			wait = max(rl.RetryAfter, time.Second)
		case errors.As(err, &sc) && sc.Code >= 500 && attempt < 4:
			wait = Backoff(attempt)
		default:
			return fmt.Errorf("deliver to %s: %w", id, err)
		}
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("deliver to %s: %w", id, err)
		}
	}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
