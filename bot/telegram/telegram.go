// Package telegram is crmbot's Telegram transport (github.com/go-telegram/bot):
// it receives updates by webhook or long polling, keeps each one in the store
// before acknowledging it and handles it once, refuses everyone who is not
// enrolled staff, turns messages, buttons, contacts, locations, photos and
// voice notes into handler requests, and renders replies as HTML with inline
// keyboards through a persisted, rate-limited outbound queue.
package telegram

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"golang.org/x/time/rate"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

// Store is the part of crmbot's store the transport uses: inbound
// de-duplication, the outbox (for outbound messages and for accepted
// updates), leases for polling, and small expiring state.
type Store interface {
	crm.InboxStore
	crm.OutboxStore
	crm.LeaseStore
	crm.StateStore
	crm.BlobStore
}

// Platform names, as in identities and outbox rows.
const (
	Platform   = "telegram"
	inPlatform = "telegram-in" // accepted updates waiting to be handled
	pollLease  = "telegram:poll"
)

// Config holds what a Transport needs. Token, Handler and Store are required.
type Config struct {
	Token string
	// APIURL is the Bot API server, default https://api.telegram.org.
	APIURL string
	// WebhookURL, when set, is registered with setWebhook and updates arrive
	// on the transport's HTTP handler; otherwise the transport long-polls.
	WebhookURL    string
	WebhookSecret string

	Handler *handlers.Handler
	Store   Store
	Logger  *slog.Logger
	// Now is the clock; Sleep waits d or until ctx ends. Tests replace both.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// HTTPClient calls the Bot API; its Timeout must exceed PollTimeout.
	HTTPClient *http.Client
	// Replica names this process in leases and claims; random by default.
	Replica string

	// Rate is the most messages a second overall (Telegram: about 30);
	// ChatRate and ChatBurst the pace within one chat (about 1 a second).
	Rate      rate.Limit
	ChatRate  rate.Limit
	ChatBurst int
	// StrangerReplies is how many refusals one unknown person gets an hour.
	StrangerReplies int

	// Lease is how long a replica holds accepted work before another may
	// take it over; RecoverEvery how often lapsed and retried work is claimed.
	Lease        time.Duration
	RecoverEvery time.Duration
	// PollTimeout is getUpdates' long-poll wait.
	PollTimeout time.Duration
	// ConversationTTL is how long a guided conversation waits for an answer;
	// ButtonTTL how long a button stored behind a token works.
	ConversationTTL time.Duration
	ButtonTTL       time.Duration
	// MaxAttempts is how often an outbound message is tried before it is
	// given up as undeliverable (logged as an error).
	MaxAttempts int
	// DocInline is the most bytes of a document kept inside its outbox row;
	// a larger one is kept as a blob in the store (default 4 MB).
	DocInline int
}

func (c *Config) defaults() error {
	if c.Token == "" || c.Handler == nil || c.Store == nil {
		return errors.New("telegram: a token, a handler and a store are required")
	}
	if c.WebhookURL != "" && c.WebhookSecret == "" {
		return errors.New("telegram: webhook mode needs a secret")
	}
	if c.APIURL == "" {
		c.APIURL = "https://api.telegram.org"
	}
	c.APIURL = strings.TrimRight(c.APIURL, "/") // go-telegram/bot appends "/bot<token>/..."
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = sleep
	}
	if c.DocInline <= 0 {
		c.DocInline = 4 << 20
	}
	if c.PollTimeout <= 0 {
		c.PollTimeout = 25 * time.Second
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: c.PollTimeout + 20*time.Second}
	}
	if c.Replica == "" {
		b := make([]byte, 6)
		rand.Read(b)
		c.Replica = "tg-" + hex.EncodeToString(b)
	}
	if c.Rate <= 0 {
		c.Rate = 30
	}
	if c.ChatRate <= 0 {
		c.ChatRate = 1
	}
	if c.ChatBurst <= 0 {
		c.ChatBurst = 3
	}
	if c.StrangerReplies <= 0 {
		c.StrangerReplies = 3
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.RecoverEvery <= 0 {
		c.RecoverEvery = 10 * time.Second
	}
	if c.ConversationTTL <= 0 {
		c.ConversationTTL = 30 * time.Minute
	}
	if c.ButtonTTL <= 0 {
		c.ButtonTTL = 30 * 24 * time.Hour
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 25
	}
	return nil
}

// sleep waits d or until ctx ends.
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

// Transport is the Telegram transport. Create it with New, mount it on
// /telegram/webhook in webhook mode, and Run it. Safe for concurrent use.
type Transport struct {
	cfg      Config
	bot      *bot.Bot
	h        *handlers.Handler
	store    Store
	log      *slog.Logger
	key      []byte
	username string

	global    *rate.Limiter // all outbound messages
	strangers *rate.Limiter // all refusals to unknown people, on top of the per-person cap

	mu       sync.Mutex
	chats    map[int64]*rate.Limiter
	lanes    map[string]*lane
	inflight map[string]*job // outbox id -> queued job of this process
	runCtx   context.Context // nil until Run
	wg       *sync.WaitGroup // lane goroutines of Run
	idle     chan struct{}   // closed and replaced when a lane finishes
}

// New connects to the Bot API (getMe, for the bot's username in invite
// links) and returns a Transport. A refused token is an error naming it.
func New(ctx context.Context, cfg Config) (*Transport, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	t := &Transport{
		cfg: cfg, h: cfg.Handler, store: cfg.Store, log: cfg.Logger, key: callbackKey(cfg.Token),
		global:    rate.NewLimiter(cfg.Rate, max(1, int(cfg.Rate))),
		strangers: rate.NewLimiter(rate.Every(time.Second), 20),
		chats:     map[int64]*rate.Limiter{}, lanes: map[string]*lane{}, inflight: map[string]*job{}, idle: make(chan struct{}),
	}
	b, err := bot.New(cfg.Token,
		bot.WithServerURL(cfg.APIURL),
		bot.WithHTTPClient(cfg.PollTimeout, redactingClient{c: cfg.HTTPClient, token: cfg.Token}),
		bot.WithSkipGetMe(),
		bot.WithDefaultHandler(func(context.Context, *bot.Bot, *models.Update) {}),
		bot.WithErrorsHandler(func(err error) { t.log.Warn("telegram client", "err", t.redact(err)) }),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram: %s", t.redact(err))
	}
	t.bot = b
	gctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	me, err := b.GetMe(gctx)
	if err != nil {
		if errors.Is(err, bot.ErrorUnauthorized) || errors.Is(err, bot.ErrorNotFound) {
			return nil, errors.New("TELEGRAM_BOT_TOKEN: Telegram refused the token; copy it again from @BotFather")
		}
		return nil, fmt.Errorf("TELEGRAM_API_URL: cannot reach the Bot API at %s: %s", cfg.APIURL, t.redact(err))
	}
	t.username = me.Username
	return t, nil
}

// Username is the bot's @username without the @.
func (t *Transport) Username() string { return t.username }

// InviteLinks returns the deep link that enrols whoever opens it with code:
// Telegram sends "/start <code>" when they press Start.
func (t *Transport) InviteLinks(code string) []string {
	if t.username == "" {
		return nil
	}
	return []string{"https://t.me/" + t.username + "?start=" + code}
}

// Run sets the webhook (or removes it to poll) and, in the background, the
// command menu, then handles updates and sends queued messages until ctx ends. Work claimed but
// not started is released for other replicas on the way out.
func (t *Transport) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	t.mu.Lock()
	if t.runCtx != nil {
		t.mu.Unlock()
		return errors.New("telegram: Run called twice")
	}
	t.runCtx, t.wg = ctx, &wg
	t.mu.Unlock()

	// The command menu is cosmetic: it is set beside serving, never before
	// it, so a Bot API slow to answer setMyCommands delays no update.
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := t.setCommands(ctx); err != nil && ctx.Err() == nil {
			t.log.Warn("telegram: command menu not set", "err", t.redact(err))
		}
	}()
	if t.cfg.WebhookURL != "" {
		if err := t.setWebhook(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	} else {
		if _, err := t.bot.DeleteWebhook(ctx, &bot.DeleteWebhookParams{}); err != nil {
			t.log.Warn("telegram: deleteWebhook failed", "err", t.redact(err))
		}
		wg.Add(1)
		go func() { defer wg.Done(); t.poll(ctx) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); t.recoverLoop(ctx) }()
	t.log.Info("telegram started", "bot", t.username, "webhook", t.cfg.WebhookURL != "", "replica", t.cfg.Replica)
	<-ctx.Done()
	wg.Wait()
	t.releaseAll()
	return nil
}

// allowedUpdates are the kinds of update crmbot asks for.
var allowedUpdates = []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery, models.AllowedUpdateMyChatMember}

func (t *Transport) setWebhook(ctx context.Context) error {
	var err error
	for attempt := 1; attempt <= 5; attempt++ {
		_, err = t.bot.SetWebhook(ctx, &bot.SetWebhookParams{
			URL: t.cfg.WebhookURL, SecretToken: t.cfg.WebhookSecret, AllowedUpdates: allowedUpdates, MaxConnections: 40,
		})
		if err == nil {
			return nil
		}
		if errors.Is(err, bot.ErrorBadRequest) || errors.Is(err, bot.ErrorUnauthorized) {
			break
		}
		if t.cfg.Sleep(ctx, retryDelay(err, attempt)) != nil {
			break
		}
	}
	return fmt.Errorf("TELEGRAM_WEBHOOK_URL: setWebhook failed: %s", t.redact(err))
}

// menuLanguages maps catalogue languages to Telegram's two-letter
// language_code of setMyCommands; zh-Hant shares "zh" with zh-Hans, so its
// speakers get their menu per chat (see setChatCommands).
var menuLanguages = map[string]string{"en": "en", "ms": "ms", "id": "id", "zh-Hans": "zh", "hi": "hi"}

// menu returns the command menu in lang.
func (t *Transport) menu(lang string) []models.BotCommand {
	var cmds []models.BotCommand
	for _, c := range handlers.Commands() {
		cmds = append(cmds, models.BotCommand{Command: c, Description: clipText(t.h.Describe(lang, c), 256)})
	}
	return append(cmds, models.BotCommand{Command: "cancel", Description: clipText(t.h.T(lang, "tg_cancel_desc"), 256)})
}

// setCommands registers the menu for the default language and for each
// language_code crmbot speaks.
func (t *Transport) setCommands(ctx context.Context) error {
	var errs []error
	def := t.h.LangOf(nil)
	if err := t.callWithRetry(ctx, func() error {
		_, err := t.bot.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: t.menu(def)})
		return err
	}); err != nil {
		errs = append(errs, err)
	}
	for _, lang := range handlers.Languages {
		code, ok := menuLanguages[lang]
		if !ok {
			continue
		}
		if err := t.callWithRetry(ctx, func() error {
			_, err := t.bot.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: t.menu(lang), LanguageCode: code})
			return err
		}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// setChatCommands gives one chat the menu in the staff member's chosen
// language, which may differ from their Telegram app's.
func (t *Transport) setChatCommands(ctx context.Context, chat int64, lang string) {
	err := t.callWithRetry(ctx, func() error {
		_, err := t.bot.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: t.menu(lang), Scope: &models.BotCommandScopeChat{ChatID: chat}})
		return err
	})
	if err != nil {
		t.log.Warn("telegram: chat menu not set", "chat", chat, "err", t.redact(err))
	}
}

// callWithRetry runs a small API call, waiting out 429s and retrying 5xx
// and network errors a few times.
func (t *Transport) callWithRetry(ctx context.Context, call func() error) error {
	var err error
	for attempt := 1; attempt <= 4; attempt++ {
		if err = call(); err == nil || permanent(err) {
			return err
		}
		if t.cfg.Sleep(ctx, retryDelay(err, attempt)) != nil {
			return err
		}
	}
	return err
}

// redact returns err's text without the bot token.
func (t *Transport) redact(err error) string {
	if err == nil {
		return ""
	}
	return redact(err.Error(), t.cfg.Token)
}

func (t *Transport) now() time.Time { return t.cfg.Now() }

// chatID reads the chat of an identity "telegram:<user id>": a private
// chat's id is the user's.
func chatID(id crm.Identity) (int64, bool) {
	rest, ok := strings.CutPrefix(string(id), Platform+":")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	return n, err == nil
}

func identity(user int64) crm.Identity {
	return crm.Identity(Platform + ":" + strconv.FormatInt(user, 10))
}
