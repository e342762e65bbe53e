package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"golang.org/x/time/rate"

	"github.com/crmbot/crmbot/crm"
)

// Outbound delivery. A reply is rendered into messages that are stored in
// the outbox, claimed by this replica from the start (Owner and LeaseTill
// set on insert), and handed to the chat's lane: one goroutine per busy
// chat sends its messages in order within the rate limits, waits out 429s,
// retries 5xx and network errors, and marks each message sent. What cannot
// be sent within the lease is released with a next attempt time and picked
// up again by the recovery pass of whichever replica comes first.

// job is one message in a lane.
type job struct {
	msg outMsg
	// id is the outbox row; "" for Deliver's messages, whose caller keeps
	// them and retries.
	id        string
	leaseTill time.Time
	attempts  int             // attempts before this claim
	ctx       context.Context // the caller's, for Deliver
	done      chan error      // told the outcome, for Deliver
	// in, for an inbound job, is the accepted update instead of a message.
	in *crm.OutboxMessage
}

// lane runs jobs of one key (one chat's inbound or outbound) in order.
type lane struct {
	jobs []*job
	// heldTill: a message of this chat was released to a later attempt, so
	// the chat's next messages are released to the same time, keeping order.
	heldTill time.Time
}

// settler is the optional store method pair that marks outbox rows by _id
// alone (store.DB has it): the embedded server scans the outbox for
// MarkSent's conditional filter.
type settler interface {
	MarkSentByID(ctx context.Context, id, owner string, at time.Time, ref string) error
	RetryByID(ctx context.Context, id, owner string, next time.Time, lastErr string) error
}

func (t *Transport) markSent(ctx context.Context, id string, ref string) error {
	if s, ok := t.store.(settler); ok {
		return s.MarkSentByID(ctx, id, t.cfg.Replica, t.now(), ref)
	}
	return t.store.MarkSent(ctx, id, t.cfg.Replica, t.now(), ref)
}

func (t *Transport) retry(ctx context.Context, id string, next time.Time, lastErr string) error {
	if s, ok := t.store.(settler); ok {
		return s.RetryByID(ctx, id, t.cfg.Replica, next, lastErr)
	}
	return t.store.Retry(ctx, id, t.cfg.Replica, next, lastErr)
}

// errNotRunning is Deliver's answer before Run or after it ended.
var errNotRunning = errors.New("telegram transport is not running")

// errHandedOff says a message was released for a later attempt after d.
type handedOff struct{ d time.Duration }

func (h handedOff) Error() string      { return "released for a later attempt in " + h.d.String() }
func (handedOff) Is(target error) bool { return target == errHandedOff }

var errHandedOff = errors.New("released for a later attempt")

func handOffDelay(err error) time.Duration {
	var h handedOff
	if errors.As(err, &h) {
		return h.d
	}
	return 0
}

// Wait blocks until this process has no update or message in hand, or ctx
// ends: for tests, and for a drain before a planned stop.
func (t *Transport) Wait(ctx context.Context) error {
	for {
		t.mu.Lock()
		n, ch := len(t.lanes), t.idle
		t.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// dispatch appends j to the lane of key and starts the lane's goroutine if
// it is idle. Returns false when the transport is not running.
func (t *Transport) dispatch(key string, j *job) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.runCtx == nil || t.runCtx.Err() != nil {
		return false
	}
	if j.id != "" {
		if old, ok := t.inflight[j.id]; ok {
			old.leaseTill = j.leaseTill // re-claimed while still queued here
			return true
		}
		t.inflight[j.id] = j
	}
	if l, ok := t.lanes[key]; ok {
		l.jobs = append(l.jobs, j)
		return true
	}
	l := &lane{jobs: []*job{j}}
	t.lanes[key] = l
	ctx := t.runCtx
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		t.runLane(ctx, key, l)
	}()
	return true
}

// runLane works through a lane until it is empty, then removes it.
func (t *Transport) runLane(ctx context.Context, key string, l *lane) {
	for {
		t.mu.Lock()
		if len(l.jobs) == 0 || ctx.Err() != nil {
			delete(t.lanes, key)
			close(t.idle)
			t.idle = make(chan struct{})
			rest := l.jobs
			l.jobs = nil
			for _, j := range rest {
				delete(t.inflight, j.id)
			}
			t.mu.Unlock()
			for _, j := range rest { // stopped: release at once for another replica
				t.release(j, "shutdown")
			}
			return
		}
		j := l.jobs[0]
		l.jobs = l.jobs[1:]
		t.mu.Unlock()
		var err error
		switch {
		case j.in != nil:
			t.handleAccepted(ctx, j)
		case j.id != "" && t.now().Before(l.heldTill):
			t.retryLater(j, l.heldTill.Sub(t.now()), errors.New("after an earlier message of the chat"))
		default:
			if err = t.deliverJob(ctx, j); errors.Is(err, errHandedOff) {
				l.heldTill = t.now().Add(handOffDelay(err))
			}
		}
		t.mu.Lock()
		delete(t.inflight, j.id)
		t.mu.Unlock()
		if j.done != nil {
			j.done <- err
		}
	}
}

// leaseLeft reports whether j's claim still covers a send; a job whose lease
// ran out is left to the replica that takes it over.
func (t *Transport) leaseLeft(j *job) bool {
	if j.id == "" {
		return true
	}
	t.mu.Lock()
	till := j.leaseTill
	t.mu.Unlock()
	return t.now().Add(leaseMargin).Before(till)
}

// leaseMargin is the least lease left for a send to start: a send ends well
// within it, so a slow replica never sends what another has taken over.
const leaseMargin = 15 * time.Second

// deliverJob sends one message, retrying in place while its lease allows.
func (t *Transport) deliverJob(ctx context.Context, j *job) error {
	sctx := ctx
	if j.ctx != nil {
		var cancel context.CancelFunc
		sctx, cancel = mergeCtx(ctx, j.ctx)
		defer cancel()
	}
	for attempt := 1; ; attempt++ {
		if !t.leaseLeft(j) {
			return errors.New("lease ran out before sending")
		}
		if err := t.pace(sctx, j.msg.Chat); err != nil {
			t.release(j, "stopped")
			return err
		}
		if !t.leaseLeft(j) {
			return errors.New("lease ran out before sending")
		}
		ref, err := t.send(sctx, j.msg)
		if err == nil {
			if j.id != "" {
				if err := t.markSent(context.WithoutCancel(ctx), j.id, ref); err != nil {
					t.log.Warn("telegram: sent but not marked", "message", j.id, "err", err)
				}
				t.dropDoc(j.msg)
			}
			return nil
		}
		if errors.Is(err, errDocGone) {
			t.log.Error("telegram: document gone, given up", "message", j.id, "err", err)
			t.markSent(context.WithoutCancel(ctx), j.id, "document gone")
			return err
		}
		if sctx.Err() != nil {
			t.release(j, "stopped")
			return sctx.Err()
		}
		if permanent(err) {
			t.log.Error("telegram: message refused", "message", j.id, "chat", j.msg.Chat, "err", t.redact(err))
			if j.id != "" {
				t.markSent(context.WithoutCancel(ctx), j.id, "refused: "+t.redact(err))
				t.dropDoc(j.msg)
			}
			return err
		}
		// 429: wait as told, in place while the lease allows. Other errors:
		// back off, a few times in place, then release for a later attempt.
		d := retryDelay(err, j.attempts+attempt)
		var tm *bot.TooManyRequestsError
		tooMany := errors.As(err, &tm)
		t.log.Warn("telegram: send failed, retrying", "message", j.id, "chat", j.msg.Chat, "in", d, "err", t.redact(err))
		if j.id == "" {
			if !tooMany && attempt >= 4 {
				return err // Deliver's caller keeps the message and retries it
			}
		} else if !tooMany && attempt >= 4 || !t.now().Add(d+leaseMargin).Before(j.leaseTill) {
			t.retryLater(j, d, err)
			return handedOff{d: d}
		}
		if err := t.cfg.Sleep(sctx, d); err != nil {
			t.release(j, "stopped")
			return err
		}
	}
}

// retryLater releases j's claim with the next attempt after d, or gives it
// up after MaxAttempts.
func (t *Transport) retryLater(j *job, d time.Duration, cause error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if j.attempts+1 >= t.cfg.MaxAttempts {
		t.log.Error("telegram: message undeliverable, given up", "message", j.id, "chat", j.msg.Chat, "attempts", j.attempts+1, "err", t.redact(cause))
		t.markSent(ctx, j.id, "given up: "+t.redact(cause))
		t.dropDoc(j.msg)
		return
	}
	if err := t.retry(ctx, j.id, t.now().Add(d), t.redact(cause)); err != nil {
		t.log.Warn("telegram: retry not recorded; the lease will lapse", "message", j.id, "err", err)
	}
}

// release gives an outbox job back at once (stopping, shut down).
func (t *Transport) release(j *job, why string) {
	id := j.id
	if j.in != nil {
		id = j.in.ID
	}
	if id == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := t.retry(ctx, id, t.now(), why); err != nil {
		t.log.Warn("telegram: release failed; the lease will lapse", "message", id, "err", err)
	}
}

// releaseAll is called after the lanes stopped; nothing is left, but a
// dispatch racing with shutdown may have left an entry.
func (t *Transport) releaseAll() {
	t.mu.Lock()
	var left []*job
	for _, l := range t.lanes {
		left = append(left, l.jobs...)
	}
	t.lanes = map[string]*lane{}
	t.inflight = map[string]*job{}
	t.runCtx = nil
	t.mu.Unlock()
	for _, j := range left {
		t.release(j, "shutdown")
	}
}

// pace waits for the overall and the chat's rate limits, on the injected clock.
func (t *Transport) pace(ctx context.Context, chat int64) error {
	t.mu.Lock()
	cl, ok := t.chats[chat]
	if !ok {
		if len(t.chats) > 10000 { // forget idle chats; a fresh limiter starts full
			t.chats = map[int64]*rate.Limiter{}
		}
		cl = rate.NewLimiter(t.cfg.ChatRate, t.cfg.ChatBurst)
		t.chats[chat] = cl
	}
	t.mu.Unlock()
	now := t.now()
	rg, rc := t.global.ReserveN(now, 1), cl.ReserveN(now, 1)
	d := max(rg.DelayFrom(now), rc.DelayFrom(now))
	if d <= 0 {
		return nil
	}
	if err := t.cfg.Sleep(ctx, d); err != nil {
		rg.CancelAt(t.now())
		rc.CancelAt(t.now())
		return err
	}
	return nil
}

// send makes the one API call of a message and returns Telegram's message id.
func (t *Transport) send(ctx context.Context, m outMsg) (string, error) {
	var markup models.ReplyMarkup
	if len(m.Buttons) > 0 {
		kb := &models.InlineKeyboardMarkup{}
		for _, row := range m.Buttons {
			var r []models.InlineKeyboardButton
			for _, b := range row {
				r = append(r, models.InlineKeyboardButton{Text: b.Text, CallbackData: b.Data})
			}
			kb.InlineKeyboard = append(kb.InlineKeyboard, r)
		}
		markup = kb
	}
	var msg *models.Message
	var err error
	switch {
	case m.PNG != nil:
		msg, err = t.bot.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: m.Chat,
			Photo:   &models.InputFileUpload{Filename: "image.png", Data: bytes.NewReader(m.PNG)},
			Caption: m.Caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
	case m.Doc != nil || m.DocBlob != "":
		data, derr := t.docData(ctx, m)
		if derr != nil {
			return "", derr
		}
		msg, err = t.bot.SendDocument(ctx, &bot.SendDocumentParams{ChatID: m.Chat,
			Document: &models.InputFileUpload{Filename: m.DocName, Data: bytes.NewReader(data)},
			Caption:  m.Caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
	case m.Photo != "":
		msg, err = t.bot.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: m.Chat, Photo: &models.InputFileString{Data: m.Photo},
			Caption: m.Caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
	case m.Voice != "":
		msg, err = t.bot.SendVoice(ctx, &bot.SendVoiceParams{ChatID: m.Chat, Voice: &models.InputFileString{Data: m.Voice},
			Caption: m.Caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
	default:
		msg, err = t.bot.SendMessage(ctx, &bot.SendMessageParams{ChatID: m.Chat, Text: m.Text, ParseMode: models.ParseModeHTML,
			ReplyMarkup: markup, LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: bot.True()}})
	}
	if err != nil {
		return "", err
	}
	return strconv.Itoa(msg.ID), nil
}

// permanent reports whether retrying err cannot help: the chat is gone or
// blocked the bot, the request is malformed, the token is wrong.
func permanent(err error) bool {
	return errors.Is(err, bot.ErrorForbidden) || errors.Is(err, bot.ErrorBadRequest) ||
		errors.Is(err, bot.ErrorUnauthorized) || errors.Is(err, bot.ErrorNotFound)
}

// retryDelay is how long to wait before attempt+1 after err: Telegram's
// retry_after on 429, else backoff(attempt) with up to 10% jitter.
func retryDelay(err error, attempt int) time.Duration {
	var tm *bot.TooManyRequestsError
	if errors.As(err, &tm) {
		return time.Duration(max(tm.RetryAfter, 1)) * time.Second
	}
	d := backoff(attempt)
	return d + time.Duration(rand.Int64N(int64(d)/10+1))
}

// backoff is the wait after the nth failed attempt of a 5xx or network
// error: 1s, 2s, 4s, ... capped at 10 minutes.
func backoff(n int) time.Duration {
	const maxWait = 10 * time.Minute
	if n < 1 {
		n = 1
	}
	if n > 10 {
		return maxWait
	}
	return min(time.Second<<(n-1), maxWait)
}

// enqueue stores messages for chat under ids prefix/0, prefix/1, ... (so a
// repeated render of the same update is refused as a duplicate), claimed
// by this replica, and hands them to the chat's lane in order.
func (t *Transport) enqueue(ctx context.Context, prefix string, msgs []outMsg) error {
	now := t.now()
	var jobs []*job
	for i, m := range msgs {
		id := prefix + "/" + strconv.Itoa(i)
		kept, err := t.storeDoc(ctx, id, m)
		if err != nil {
			return err
		}
		body, err := json.Marshal(kept)
		if err != nil {
			return err
		}
		row := &crm.OutboxMessage{ID: id, Platform: Platform, Chat: strconv.FormatInt(m.Chat, 10),
			Body: body, CreatedAt: now, NextAt: now, Owner: t.cfg.Replica, LeaseTill: now.Add(t.cfg.Lease)}
		err = t.store.Enqueue(ctx, row)
		if crm.ErrorCode(err) == crm.ECONFLICT {
			continue // already queued by an earlier run of this update
		}
		if err != nil {
			return fmt.Errorf("enqueue reply: %w", err)
		}
		// The job keeps the bytes in memory and knows the blob to drop.
		m.DocBlob = kept.DocBlob
		jobs = append(jobs, &job{msg: m, id: row.ID, leaseTill: row.LeaseTill})
	}
	for _, j := range jobs {
		t.dispatch("out:"+strconv.FormatInt(j.msg.Chat, 10), j)
	}
	return nil
}

// recoverLoop claims lapsed and retried work every RecoverEvery.
func (t *Transport) recoverLoop(ctx context.Context) {
	tick := time.NewTicker(t.cfg.RecoverEvery)
	defer tick.Stop()
	lastClean := time.Time{}
	for {
		if err := t.Recover(ctx); err != nil && ctx.Err() == nil {
			t.log.Warn("telegram: recovery pass failed", "err", err)
		}
		if now := t.now(); now.Sub(lastClean) > time.Hour {
			t.clean(ctx)
			lastClean = now
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Recover claims accepted updates and outbound messages whose lease lapsed
// or whose retry is due, and queues them here. Run calls it periodically;
// tests call it to run a pass now.
func (t *Transport) Recover(ctx context.Context) error {
	now := t.now()
	ins, err := t.store.ClaimDue(ctx, inPlatform, t.cfg.Replica, now, t.cfg.Lease, 100)
	if err != nil {
		return fmt.Errorf("claim updates: %w", err)
	}
	for i := range ins {
		in := ins[i]
		if !t.dispatch("in:"+in.Chat, &job{id: in.ID, in: &in, leaseTill: in.LeaseTill}) {
			return errNotRunning
		}
	}
	outs, err := t.store.ClaimDue(ctx, Platform, t.cfg.Replica, now, t.cfg.Lease, 100)
	if err != nil {
		return fmt.Errorf("claim messages: %w", err)
	}
	for _, o := range outs {
		var m outMsg
		if err := json.Unmarshal(o.Body, &m); err != nil {
			t.log.Error("telegram: unreadable outbox message dropped", "message", o.ID, "err", err)
			t.markSent(ctx, o.ID, "unreadable")
			continue
		}
		if !t.dispatch("out:"+o.Chat, &job{msg: m, id: o.ID, leaseTill: o.LeaseTill, attempts: o.Attempts - 1}) {
			return errNotRunning
		}
	}
	return nil
}

// clean forgets sent messages after a day and seen update ids after three
// (Telegram gives up redelivering an update within a day).
func (t *Transport) clean(ctx context.Context) {
	now := t.now()
	if _, err := t.store.ForgetSent(ctx, now.Add(-24*time.Hour)); err != nil {
		t.log.Warn("telegram: clean outbox", "err", err)
	}
	if _, err := t.store.ForgetSeen(ctx, now.Add(-72*time.Hour)); err != nil {
		t.log.Warn("telegram: clean inbox", "err", err)
	}
}

// mergeCtx returns a context done when either a or b is.
func mergeCtx(a, b context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(a)
	stop := context.AfterFunc(b, cancel)
	return ctx, func() { stop(); cancel() }
}
