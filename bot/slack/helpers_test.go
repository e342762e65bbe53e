package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmbot/crmbot/bot/slack"
	"github.com/crmbot/crmbot/bot/slack/slacktest"
	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
	"github.com/crmbot/crmbot/store"
	"github.com/crmbot/crmbot/store/storetest"
)

// server is the package's one embedded store; each test has its own database.
var server *store.DB

var dbSeq atomic.Int64

func TestMain(m *testing.M) { storetest.Main(m, &server) }

// kl is the business's zone; the tests' clock starts on Monday 2026-11-23 10:00 there.
var kl, _ = time.LoadLocation("Asia/Kuala_Lumpur")

var start = time.Date(2026, 11, 23, 10, 0, 0, 0, kl)

// clock is a clock the test moves; the bot, the handlers and the fake share it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// slowStore delays the store calls a request makes, as an overloaded
// database would.
type slowStore struct {
	*store.DB
	delay time.Duration
}

func (s slowStore) wait(ctx context.Context) {
	t := time.NewTimer(s.delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (s slowStore) FindCustomers(ctx context.Context, q string, limit int) ([]*crm.Customer, int, error) {
	s.wait(ctx)
	return s.DB.FindCustomers(ctx, q, limit)
}

func (s slowStore) StaffByIdentity(ctx context.Context, id crm.Identity) (*crm.Staff, error) {
	s.wait(ctx)
	return s.DB.StaffByIdentity(ctx, id)
}

func (s slowStore) FirstSeen(ctx context.Context, key string, at time.Time) (bool, error) {
	s.wait(ctx)
	return s.DB.FirstSeen(ctx, key, at)
}

const secret = "8f742231b10e8888abcd99yyyzzz85a5"

// fixture is a Bot on a fresh database, talking to a fake Slack, serving
// HTTP mode on app (and Socket Mode when asked).
type fixture struct {
	t     *testing.T
	clock *clock
	fake  *slacktest.Server
	db    *store.DB
	h     *handlers.Handler
	bot   *slack.Bot
	app   *httptest.Server
}

type options struct {
	socket bool
	delay  time.Duration
	budget time.Duration
	db     *store.DB // share another fixture's database (a second replica)
	fake   *slacktest.Server
	enrol  string // SLACK_ENROL
}

func newFixture(t *testing.T, o options) *fixture {
	t.Helper()
	ctx := context.Background()
	c := &clock{t: start}
	db := o.db
	if db == nil {
		var err error
		name := fmt.Sprintf("s%d", dbSeq.Add(1))
		if db, err = server.Use(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	fake := o.fake
	if fake == nil {
		fake = slacktest.New()
		fake.Now = c.Now
		t.Cleanup(fake.Close)
	}
	var st interface {
		crm.Store
		slack.Store
	} = db
	if o.delay > 0 {
		st = slowStore{DB: db, delay: o.delay}
	}
	cat, err := handlers.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	h, err := handlers.New(handlers.Config{Store: st, Catalog: cat, Now: c.Now, Location: kl, Region: "MY"})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Bootstrap(ctx, []crm.Identity{"slack:UADMIN"}); err != nil {
		t.Fatal(err)
	}
	cfg := slack.Config{Handler: h, Store: st, BotToken: fake.BotToken, SigningSecret: secret, APIURL: fake.APIURL(),
		Now: c.Now, Location: kl, Region: "MY", PollInterval: 20 * time.Millisecond, AckBudget: o.budget, Enrol: o.enrol}
	if os.Getenv("SLACK_TEST_LOG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if o.socket {
		cfg.AppToken = fake.AppToken
	}
	b, err := slack.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx) }()
	app := httptest.NewServer(b)
	t.Cleanup(func() {
		app.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	if o.socket && !fake.WaitConnected(10*time.Second) {
		t.Fatal("socket mode did not connect")
	}
	return &fixture{t: t, clock: c, fake: fake, db: db, h: h, bot: b, app: app}
}

// post sends a signed request to the app as Slack does, and returns the
// status, the body and how long the app took to answer.
func (f *fixture) post(contentType string, body []byte, header http.Header) (int, string, time.Duration) {
	f.t.Helper()
	r := slacktest.SignedRequest(f.app.URL+"/slack/events", secret, f.clock.Now(), contentType, body)
	for k, v := range header {
		r.Header[k] = v
	}
	began := time.Now()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), time.Since(began)
}

const formType = "application/x-www-form-urlencoded"

// command sends /crm text from user in channel and returns its response_url.
func (f *fixture) command(team, user, channel, text string) (string, string) {
	f.t.Helper()
	ru := f.fake.ResponseURL()
	v := url.Values{"team_id": {team}, "user_id": {user}, "user_name": {strings.ToLower(user)}, "channel_id": {channel},
		"command": {"/crm"}, "text": {text}, "response_url": {ru}, "trigger_id": {f.fake.TriggerID()}}
	code, body, _ := f.post(formType, []byte(v.Encode()), nil)
	if code != http.StatusOK {
		f.t.Fatalf("/crm %s: status %d %s", text, code, body)
	}
	return ru, body
}

// reply waits for the message posted to a response_url.
func (f *fixture) reply(ru string) slacktest.Message {
	f.t.Helper()
	path := strings.TrimPrefix(ru, f.fake.URL)
	var got slacktest.Message
	ok := f.fake.WaitFor(15*time.Second, func(s *slacktest.Server) bool {
		for _, m := range s.Messages() {
			if m.ResponseURL == path {
				got = m
				return true
			}
		}
		return false
	})
	if !ok {
		var got []string
		for _, m := range f.fake.Messages() {
			got = append(got, m.Method+" "+m.ResponseURL+m.Channel)
		}
		f.t.Fatalf("no reply on %s; messages: %v", path, got)
	}
	return got
}

// run sends /crm text as user in a channel and returns the reply's text.
func (f *fixture) run(user, text string) string {
	f.t.Helper()
	ru, _ := f.command(f.fake.TeamID, user, "C0SALES", text)
	return f.reply(ru).All()
}

// interact posts an interaction payload and returns the ack's status and body.
func (f *fixture) interact(payload any) (int, string) {
	f.t.Helper()
	raw, _ := json.Marshal(payload)
	code, body, _ := f.post(formType, []byte(url.Values{"payload": {string(raw)}}.Encode()), nil)
	return code, body
}

// event posts an Events API callback.
func (f *fixture) event(team, eventID string, inner any, header http.Header) int {
	f.t.Helper()
	raw, _ := json.Marshal(map[string]any{"type": "event_callback", "team_id": team, "api_app_id": "AFAKE",
		"event_id": eventID, "event_time": f.clock.Now().Unix(), "event": inner})
	code, _, _ := f.post("application/json", raw, header)
	return code
}

// settle waits for the work of acknowledged requests and sends its answers.
func (f *fixture) settle() {
	f.t.Helper()
	f.bot.Settle()
	if _, err := f.bot.Flush(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

// drive moves the clock by step and sends what is due until cond holds.
func (f *fixture) drive(step time.Duration, cond func() bool) {
	f.t.Helper()
	f.bot.Settle()
	for i := 0; i < 600 && !cond(); i++ {
		f.clock.Add(step)
		if _, err := f.bot.Flush(context.Background()); err != nil {
			f.t.Fatal(err)
		}
	}
	if !cond() {
		f.t.Fatal("condition not reached")
	}
}

// customer returns the id of the one customer a query finds.
func (f *fixture) customer(q string) crm.CustomerID {
	f.t.Helper()
	cs, _, err := f.db.FindCustomers(context.Background(), q, 5)
	if err != nil || len(cs) != 1 {
		f.t.Fatalf("find %q: %d customers, %v", q, len(cs), err)
	}
	return cs[0].ID
}

func contains(t *testing.T, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("lacks %q:\n%s", w, got)
		}
	}
}

// submission is a view_submission payload of a form with values by block id.
func (f *fixture) submission(user, callbackID string, values map[string]map[string]any) map[string]any {
	state := map[string]any{}
	for block, v := range values {
		state[block] = map[string]any{"v": v}
		if block == "customer" {
			state[block] = map[string]any{"customer": v}
		}
	}
	return map[string]any{"type": "view_submission", "team": map[string]any{"id": f.fake.TeamID},
		"user": map[string]any{"id": user, "team_id": f.fake.TeamID}, "trigger_id": f.fake.TriggerID(),
		"view": map[string]any{"id": "VFORM", "type": "modal", "callback_id": callbackID, "state": map[string]any{"values": state}}}
}

func text(v string) map[string]any { return map[string]any{"type": "plain_text_input", "value": v} }
func selected(v string) map[string]any {
	return map[string]any{"type": "static_select", "selected_option": map[string]any{"value": v}}
}
func date(v string) map[string]any { return map[string]any{"type": "datepicker", "selected_date": v} }
