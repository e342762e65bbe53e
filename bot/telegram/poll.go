package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Long polling. Telegram allows one getUpdates consumer per token, so the
// replicas elect one through a lease in the store, renewed before every
// call; when the holder stops or dies, the lease lapses and another takes
// over. Each update is stored (accept) before the next call's offset
// confirms it to Telegram, so a crash loses nothing and a takeover that
// sees an update again finds it already accepted.
//
// getUpdates is called directly rather than through go-telegram/bot's
// Start, which confirms updates as soon as it has read them into memory.

// pollIdle is how often a replica without the lease checks whether it lapsed.
const pollIdle = 5 * time.Second

func (t *Transport) pollTTL() time.Duration { return t.cfg.PollTimeout + 30*time.Second }

// poll runs until ctx ends, polling while this replica holds the lease.
func (t *Transport) poll(ctx context.Context) {
	var offset int64
	failures := 0
	holding := false
	defer func() {
		if holding {
			rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			t.store.ReleaseLease(rctx, pollLease, t.cfg.Replica)
		}
	}()
	for ctx.Err() == nil {
		ok, err := t.store.AcquireLease(ctx, pollLease, t.cfg.Replica, t.now(), t.pollTTL())
		if err != nil || !ok {
			if err != nil && ctx.Err() == nil {
				t.log.Warn("telegram: polling lease unavailable", "err", err)
			}
			if holding {
				t.log.Info("telegram: polling handed over", "replica", t.cfg.Replica)
			}
			holding = false
			t.cfg.Sleep(ctx, pollIdle)
			continue
		}
		if !holding {
			t.log.Info("telegram: polling", "replica", t.cfg.Replica)
			holding = true
		}
		n, next, err := t.pollOnce(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			d := retryDelay(err, failures)
			t.log.Warn("telegram: getUpdates failed", "in", d, "err", t.redact(err))
			t.cfg.Sleep(ctx, d)
			continue
		}
		failures = 0
		offset = next
		_ = n
	}
}

// pollOnce fetches updates after offset, accepts each, and returns how many
// it got and the next offset: one past the last update stored.
func (t *Transport) pollOnce(ctx context.Context, offset int64) (int, int64, error) {
	updates, raws, err := t.getUpdates(ctx, offset)
	if err != nil {
		return 0, offset, err
	}
	for i, u := range updates {
		j, err := t.accept(ctx, raws[i], u)
		if err != nil {
			return i, offset, fmt.Errorf("store update %d: %w", u.ID, err) // not confirmed: fetched again
		}
		offset = u.ID + 1
		if j != nil {
			t.dispatch("in:"+j.in.Chat, j)
		}
	}
	return len(updates), offset, nil
}

// getUpdates calls the Bot API's getUpdates with a long-poll timeout.
func (t *Transport) getUpdates(ctx context.Context, offset int64) ([]*models.Update, []json.RawMessage, error) {
	body, _ := json.Marshal(map[string]any{"offset": offset, "timeout": int(t.cfg.PollTimeout / time.Second), "allowed_updates": allowedUpdates})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.cfg.APIURL+"/bot"+t.cfg.Token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, nil, errors.New(redact(err.Error(), t.cfg.Token))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := redactingClient{c: t.cfg.HTTPClient, token: t.cfg.Token}.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("read getUpdates: %w", err)
	}
	var r struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		ErrorCode   int               `json:"error_code"`
		Description string            `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, nil, fmt.Errorf("getUpdates: unreadable answer (HTTP %d)", resp.StatusCode)
	}
	if !r.OK {
		if r.ErrorCode == http.StatusTooManyRequests {
			return nil, nil, &bot.TooManyRequestsError{Message: "getUpdates: " + r.Description, RetryAfter: r.Parameters.RetryAfter}
		}
		return nil, nil, fmt.Errorf("getUpdates: %d %s", r.ErrorCode, r.Description)
	}
	var us []*models.Update
	var raws []json.RawMessage
	for _, m := range r.Result {
		var u models.Update
		if err := json.Unmarshal(m, &u); err != nil {
			// Keep the id, so the offset moves past it; handling drops it as unreadable.
			var head struct {
				ID int64 `json:"update_id"`
			}
			if json.Unmarshal(m, &head) != nil || head.ID <= 0 {
				t.log.Warn("telegram: update without an id skipped")
				continue
			}
			u = models.Update{ID: head.ID}
		}
		us = append(us, &u)
		raws = append(raws, m)
	}
	return us, raws, nil
}
