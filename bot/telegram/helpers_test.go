package telegram_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/crmbot/crmbot/bot/telegram"
	"github.com/crmbot/crmbot/bot/telegram/telegramtest"
	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
	"github.com/crmbot/crmbot/store"
	"github.com/crmbot/crmbot/store/storetest"
)

// server is the package's one embedded store; each test gets a database.
var server *store.DB

var dbSeq atomic.Int64

func TestMain(m *testing.M) { storetest.Main(m, &server) }

const (
	token  = "123456:TEST-token-never-logged"
	secret = "s3cret-webhook"
	admin  = int64(100) // CRM_ADMINS: telegram:100
)

// clock is a movable clock; Sleep moves it instead of waiting and records
// what was asked for.
type clock struct {
	mu     sync.Mutex
	now    time.Time
	slept  []time.Duration
	frozen bool
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *clock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// fixture is a running transport in webhook mode against the fake Bot API
// on a fresh database.
type fixture struct {
	t       testing.TB
	db      *store.DB
	fake    *telegramtest.Server
	clock   *clock
	h       *handlers.Handler
	tr      *telegram.Transport
	hook    *httptest.Server
	stop    context.CancelFunc
	done    chan error
	nextUpd atomic.Int64
	cfg     telegram.Config
}

func newFixture(t testing.TB, opts ...func(*telegram.Config)) *fixture {
	t.Helper()
	name := fmt.Sprintf("tg%d_%s", dbSeq.Add(1), strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
	if len(name) > 60 {
		name = name[:60]
	}
	db, err := server.Use(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, fake: telegramtest.New(token), clock: &clock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}}
	t.Cleanup(f.fake.Close)
	f.nextUpd.Store(1000)
	cat, err := handlers.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	f.h, err = handlers.New(handlers.Config{Store: db, Catalog: cat, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.h.Bootstrap(context.Background(), []crm.Identity{"telegram:100"}); err != nil {
		t.Fatal(err)
	}
	f.cfg = telegram.Config{
		Token: token, APIURL: f.fake.URL + "/", WebhookURL: "https://crm.example/telegram/webhook", WebhookSecret: secret,
		Handler: f.h, Store: db, Now: f.clock.Now, Sleep: f.clock.Sleep, RecoverEvery: time.Hour,
	}
	for _, o := range opts {
		o(&f.cfg)
	}
	f.start()
	f.h.AddInviteLinks(f.tr.InviteLinks)
	return f
}

// start runs a new transport instance, as a restarted process would.
func (f *fixture) start() {
	f.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tr, err := telegram.New(ctx, f.cfg)
	if err != nil {
		cancel()
		f.t.Fatal(err)
	}
	f.tr, f.stop, f.done = tr, cancel, make(chan error, 1)
	f.hook = httptest.NewServer(tr)
	setups := len(f.fake.Calls("setWebhook")) + len(f.fake.Calls("deleteWebhook"))
	go func() { f.done <- tr.Run(ctx) }()
	f.t.Cleanup(f.halt)
	// Run has started once the webhook is set (or removed, to poll).
	f.wait(func(s *telegramtest.Server) bool {
		return len(s.Calls("setWebhook"))+len(s.Calls("deleteWebhook")) > setups
	})
}

// halt stops the running transport and waits for it.
func (f *fixture) halt() {
	if f.stop == nil {
		return
	}
	f.stop()
	if err := <-f.done; err != nil {
		f.t.Errorf("Run: %v", err)
	}
	f.hook.Close()
	f.stop = nil
}

func (f *fixture) wait(cond func(*telegramtest.Server) bool) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := f.fake.WaitFor(ctx, cond); err != nil {
		f.t.Fatal(err)
	}
}

// post sends an update to the webhook with the right secret and wants 200.
func (f *fixture) post(u *models.Update) {
	f.t.Helper()
	f.postAsync(u)
	f.idle()
}

// postAsync posts an update and returns once the webhook answered 200,
// without waiting for its handling.
func (f *fixture) postAsync(u *models.Update) {
	f.t.Helper()
	if u.ID == 0 {
		u.ID = f.nextUpd.Add(1)
	}
	code, err := telegramtest.PostWebhook(context.Background(), http.DefaultClient, f.hook.URL, secret, u)
	if err != nil || code != http.StatusOK {
		f.t.Fatalf("post update %d: %d %v", u.ID, code, err)
	}
}

// idle waits until the transport has handled everything it accepted and
// sent every reply it could.
func (f *fixture) idle() {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := f.tr.Wait(ctx); err != nil {
		f.t.Fatal(err)
	}
}

func user(id int64) *models.User {
	return &models.User{ID: id, FirstName: fmt.Sprintf("User%d", id), LanguageCode: "en"}
}

func msg(from int64) *models.Message {
	return &models.Message{ID: 1, Date: 1, From: user(from), Chat: models.Chat{ID: from, Type: models.ChatTypePrivate}}
}

func textUpdate(from int64, text string) *models.Update {
	m := msg(from)
	m.Text = text
	return &models.Update{Message: m}
}

// say posts text from a user and returns the next reply's text (n-th message to the chat).
func (f *fixture) say(from int64, text string) telegramtest.Call {
	f.t.Helper()
	before := len(f.fake.Messages(from))
	f.post(textUpdate(from, text))
	return f.reply(from, before)
}

// reply waits for message number before+1 to chat and returns it.
func (f *fixture) reply(chat int64, before int) telegramtest.Call {
	f.t.Helper()
	var got []telegramtest.Call
	f.wait(func(s *telegramtest.Server) bool { got = s.Messages(chat); return len(got) > before })
	return got[before]
}

// last returns the newest message to chat once n have arrived.
func (f *fixture) messages(chat int64, n int) []telegramtest.Call {
	f.t.Helper()
	var got []telegramtest.Call
	f.wait(func(s *telegramtest.Server) bool { got = s.Messages(chat); return len(got) >= n })
	return got
}

// buttons reads the inline keyboard of a sent message.
func buttons(t *testing.T, c telegramtest.Call) []models.InlineKeyboardButton {
	t.Helper()
	raw := c.Params["reply_markup"]
	if raw == "" {
		return nil
	}
	var kb models.InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(raw), &kb); err != nil {
		t.Fatalf("reply_markup %q: %v", raw, err)
	}
	var out []models.InlineKeyboardButton
	for _, row := range kb.InlineKeyboard {
		out = append(out, row...)
	}
	return out
}

// button returns the button whose label contains label.
func button(t *testing.T, c telegramtest.Call, label string) models.InlineKeyboardButton {
	t.Helper()
	for _, b := range buttons(t, c) {
		if strings.Contains(b.Text, label) {
			return b
		}
	}
	t.Fatalf("no button %q in %q", label, c.Params["reply_markup"])
	return models.InlineKeyboardButton{}
}

// press posts a callback query for data from user and waits for its answer.
func (f *fixture) press(from int64, data string) (notice string) {
	f.t.Helper()
	id := fmt.Sprintf("cb%d", f.nextUpd.Add(1))
	f.post(&models.Update{CallbackQuery: &models.CallbackQuery{ID: id, From: *user(from), Data: data,
		Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: msg(from)}}})
	var ans telegramtest.Call
	f.wait(func(s *telegramtest.Server) bool {
		for _, c := range s.Served("answerCallbackQuery") {
			if c.Params["callback_query_id"] == id {
				ans = c
				return true
			}
		}
		return false
	})
	return ans.Params["text"]
}

// enrol invites and enrols user as field staff through Telegram.
func (f *fixture) enrol(id int64) {
	f.t.Helper()
	code := f.inviteCode("field")
	if got := f.say(id, "/start "+code); !strings.Contains(got.Params["text"], "Welcome") {
		f.t.Fatalf("enrol %d: %q", id, got.Params["text"])
	}
}

func (f *fixture) inviteCode(role string) string {
	f.t.Helper()
	rep := f.say(admin, "/invite "+role)
	text := rep.Params["text"]
	i := strings.Index(text, "?start=")
	if i < 0 {
		f.t.Fatalf("invite reply has no deep link: %q", text)
	}
	code := text[i+len("?start="):]
	if j := strings.IndexAny(code, " \n<"); j >= 0 {
		code = code[:j]
	}
	return code
}

// addCustomer stores a customer directly.
func (f *fixture) addCustomer(name, phone string) *crm.Customer {
	f.t.Helper()
	c := &crm.Customer{Name: name}
	if phone != "" {
		c.Phones = []string{phone}
	}
	if err := f.db.CreateCustomer(context.Background(), c, false); err != nil {
		f.t.Fatal(err)
	}
	return c
}
