package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

// Inbound updates. Whether by webhook or polling, an update is first stored
// in the outbox under "tg:in:<update_id>" (platform telegram-in), claimed by
// this replica; a duplicate key means it was already accepted, here or by
// another replica. Only then is it acknowledged (2xx, or the next
// getUpdates offset), so a crash after the acknowledgement loses nothing:
// the claim lapses and a recovery pass handles it. Handling starts by
// inserting "tg:<update_id>" into the inbox, so a redelivered or re-claimed
// update has one effect at most.

// maxUpdate bounds a webhook body; Telegram's updates are far smaller.
const maxUpdate = 1 << 20

// ServeHTTP is the webhook endpoint (/telegram/webhook). It checks the
// secret in constant time before reading anything (403 otherwise), stores
// the update, answers 200, and handles it after answering.
func (t *Transport) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
	if t.cfg.WebhookSecret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(t.cfg.WebhookSecret)) != 1 {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxUpdate+1))
	if err != nil || len(raw) > maxUpdate {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var u models.Update
	if err := json.Unmarshal(raw, &u); err != nil || u.ID <= 0 {
		http.Error(w, "bad request", http.StatusBadRequest) // Telegram does not resend a 4xx
		return
	}
	j, err := t.accept(r.Context(), raw, &u)
	if err != nil {
		t.log.Error("telegram: update not stored; Telegram will resend it", "update", u.ID, "err", err)
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	if j != nil {
		t.dispatch("in:"+j.in.Chat, j) // not running: the recovery pass of a running replica takes it
	}
	w.WriteHeader(http.StatusOK)
}

// accept stores an update claimed by this replica and returns its job, or
// nil for one already accepted.
func (t *Transport) accept(ctx context.Context, raw []byte, u *models.Update) (*job, error) {
	now := t.now()
	m := &crm.OutboxMessage{ID: "tg:in:" + strconv.FormatInt(u.ID, 10), Platform: inPlatform,
		Chat: strconv.FormatInt(chatOf(u), 10), Body: raw, CreatedAt: now, NextAt: now,
		Owner: t.cfg.Replica, LeaseTill: now.Add(t.cfg.Lease)}
	err := t.store.Enqueue(ctx, m)
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &job{id: m.ID, in: m, leaseTill: m.LeaseTill}, nil
}

// chatOf returns the chat an update belongs to, for per-chat ordering.
func chatOf(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From.ID
	case u.MyChatMember != nil:
		return u.MyChatMember.Chat.ID
	}
	return 0
}

// handleAccepted handles one stored update once and marks it done.
func (t *Transport) handleAccepted(ctx context.Context, j *job) {
	if !t.leaseLeft(j) {
		return // another replica may hold it now; its recovery pass handles it
	}
	var u models.Update
	if err := json.Unmarshal(j.in.Body, &u); err != nil {
		t.log.Error("telegram: unreadable update dropped", "row", j.in.ID, "err", err)
		t.markSent(ctx, j.in.ID, "unreadable")
		return
	}
	first, err := t.store.FirstSeen(ctx, "tg:"+strconv.FormatInt(u.ID, 10), t.now())
	if err != nil {
		t.log.Warn("telegram: inbox unavailable; update retried later", "update", u.ID, "err", err)
		t.retryLater(j, retryDelay(err, j.attempts+1), err)
		return
	}
	if first {
		t.handle(ctx, &u)
	}
	if err := t.markSent(context.WithoutCancel(ctx), j.in.ID, "handled"); err != nil {
		t.log.Warn("telegram: update handled but not marked", "update", u.ID, "err", err)
	}
}

// handle acts on an update. Kinds crmbot does not use (edited messages,
// channel posts, polls, ...) are ignored.
func (t *Transport) handle(ctx context.Context, u *models.Update) {
	defer func() {
		if p := recover(); p != nil {
			t.log.Error("telegram: panic handling update", "update", u.ID, "panic", p)
		}
	}()
	c := &turn{t: t, update: u.ID}
	switch {
	case u.Message != nil:
		c.message(ctx, u.Message)
	case u.CallbackQuery != nil:
		c.callback(ctx, u.CallbackQuery)
	case u.MyChatMember != nil:
		c.membership(ctx, u.MyChatMember)
	default:
		t.log.Debug("telegram: update ignored", "update", u.ID)
	}
}

// turn is the handling of one update: its replies are numbered so a
// re-handled update cannot queue them twice.
type turn struct {
	t      *Transport
	update int64
	n      int
}

// reply renders rep for chat and queues it. extra carries a shared location
// or files into the buttons, for guided conversations.
func (c *turn) reply(ctx context.Context, chat int64, rep handlers.Reply) {
	msgs, err := c.t.render(ctx, chat, rep)
	if err != nil {
		c.t.log.Error("telegram: render reply", "update", c.update, "err", err)
		return
	}
	c.n++
	if err := c.t.enqueue(ctx, c.prefix(), msgs); err != nil {
		c.t.log.Error("telegram: reply not queued", "update", c.update, "err", err)
	}
}

// prefix names the outbox rows of the turn's current reply.
func (c *turn) prefix() string {
	return "tg:out:" + strconv.FormatInt(c.update, 10) + ":" + strconv.Itoa(c.n)
}

// say replies with one sentence of the catalogue.
func (c *turn) say(ctx context.Context, chat int64, lang, key string, args ...any) {
	c.reply(ctx, chat, handlers.Text(c.t.h.T(lang, key, args...)))
}

// message handles a message in a private chat from enrolled staff, or
// refuses or enrols its sender. Messages in groups are ignored: a reply
// there would show customers to everyone in the group.
func (c *turn) message(ctx context.Context, m *models.Message) {
	if m.From == nil || m.From.IsBot || m.Chat.Type != models.ChatTypePrivate {
		return
	}
	t := c.t
	staff, err := t.h.Staff(ctx, identity(m.From.ID))
	switch crm.ErrorCode(err) {
	case "":
	case crm.ENOTFOUND:
		c.stranger(ctx, m)
		return
	default:
		t.log.Error("telegram: staff lookup failed", "update", c.update, "err", err)
		c.say(ctx, m.Chat.ID, t.h.LangOf(nil), "err_internal")
		return
	}
	lang := t.h.LangOf(staff)
	chat := m.Chat.ID
	switch {
	case m.Text != "":
		c.text(ctx, staff, chat, m.Text, nil)
	case m.Contact != nil:
		c.contact(ctx, staff, chat, m.Contact)
	case m.Location != nil:
		c.location(ctx, staff, chat, m.Location)
	case len(m.Photo) > 0:
		c.file(ctx, staff, chat, m.Photo[len(m.Photo)-1].FileID, m.Caption, "photo")
	case m.Voice != nil:
		c.file(ctx, staff, chat, m.Voice.FileID, m.Caption, "voice")
	case m.Document != nil:
		c.document(ctx, staff, chat, m.Document, m.Caption)
	default:
		c.say(ctx, chat, lang, "tg_unsupported")
	}
}

// stranger answers someone who is not enrolled: "/start <code>" enrols
// them; anything else gets one polite sentence that reveals nothing, at
// most StrangerReplies times an hour.
func (c *turn) stranger(ctx context.Context, m *models.Message) {
	t := c.t
	lang := handlers.Lang(m.From.LanguageCode)
	if lang == "" {
		lang = t.h.LangOf(nil)
	}
	if code, ok := startCode(m.Text); ok {
		s, err := t.h.Enroll(ctx, identity(m.From.ID), fullName(m.From), lang, code)
		if err == nil {
			c.reply(ctx, m.Chat.ID, t.h.Welcome(s))
			if l := t.h.LangOf(s); menuLanguages[l] == "" || menuLanguages[l] != strings.ToLower(m.From.LanguageCode) {
				t.setChatCommands(ctx, m.Chat.ID, l)
			}
			return
		}
		var e *crm.Error
		if !errors.As(err, &e) || e.Code == crm.EINTERNAL {
			t.log.Error("telegram: enrolment failed", "update", c.update, "err", err)
			e = crm.Errorf(crm.EINTERNAL, "err_internal")
		}
		if t.allowStranger(ctx, m.From.ID) {
			c.say(ctx, m.Chat.ID, lang, e.Key)
		}
		return
	}
	if t.allowStranger(ctx, m.From.ID) {
		c.say(ctx, m.Chat.ID, lang, "tg_stranger")
	}
}

// startCode reads the invite code of "/start CODE" (a t.me deep link).
func startCode(text string) (string, bool) {
	f := strings.Fields(text)
	if len(f) != 2 {
		return "", false
	}
	w := strings.ToLower(f[0])
	if i := strings.IndexByte(w, '@'); i > 0 {
		w = w[:i]
	}
	return f[1], w == "/start"
}

func fullName(u *models.User) string {
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// allowStranger reports whether an unknown person may get another refusal:
// at most StrangerReplies an hour each (counted in the store, so across
// replicas), and a few a second overall.
func (t *Transport) allowStranger(ctx context.Context, user int64) bool {
	if !t.strangers.AllowN(t.now(), 1) {
		return false
	}
	key := "tgstranger:" + strconv.FormatInt(user, 10)
	var st struct {
		N int `json:"n"`
	}
	now := t.now()
	if val, err := t.store.State(ctx, key, now); err == nil {
		json.Unmarshal(val, &st)
	}
	if st.N >= t.cfg.StrangerReplies {
		return false
	}
	st.N++
	val, _ := json.Marshal(st)
	// The window restarts with each refusal, so a persistent stranger stays capped.
	if err := t.store.PutState(ctx, key, val, now.Add(strangerWindow)); err != nil {
		return false
	}
	return true
}

// membership leaves a group or channel that someone other than staff added
// the bot to; crmbot works in private chats.
func (c *turn) membership(ctx context.Context, cm *models.ChatMemberUpdated) {
	if cm.Chat.Type == models.ChatTypePrivate {
		return
	}
	switch cm.NewChatMember.Type {
	case models.ChatMemberTypeMember, models.ChatMemberTypeAdministrator:
	default:
		return
	}
	if _, err := c.t.h.Staff(ctx, identity(cm.From.ID)); err == nil {
		return // a staff member's group: messages there are still ignored
	}
	if err := c.t.callWithRetry(ctx, func() error {
		_, err := c.t.bot.LeaveChat(ctx, &bot.LeaveChatParams{ChatID: cm.Chat.ID})
		return err
	}); err != nil {
		c.t.log.Warn("telegram: leave chat failed", "chat", cm.Chat.ID, "err", c.t.redact(err))
	}
}
