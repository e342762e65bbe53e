// Package slack is crmbot's Slack transport for sales reps: the /crm slash
// command, DMs and mentions, Block Kit replies, modals for the forms reps
// fill most, and an App Home with their day. It runs in Socket Mode (no
// public URL) or in HTTP mode on one request URL, verifies every HTTP
// request's signature, acknowledges within Slack's 3 seconds before doing
// slow work, handles each event once across retries and replicas, and sends
// through a persisted outbox that keeps Slack's rate limits.
package slack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

// Store is what the transport keeps and looks up itself; everything else
// goes through the handlers. store.DB implements it.
type Store interface {
	crm.InboxStore
	crm.OutboxStore
	crm.StateStore
	crm.BlobStore
	EnsureStaff(ctx context.Context, s *crm.Staff) (*crm.Staff, error)
	OpenReminders(ctx context.Context, staff crm.StaffID) ([]crm.Reminder, error)
	Customer(ctx context.Context, id crm.CustomerID) (*crm.Customer, error)
	FindCustomers(ctx context.Context, q string, limit int) ([]*crm.Customer, int, error)
	CustomersByPhone(ctx context.Context, e164 string) ([]*crm.Customer, error)
	CustomersByEmail(ctx context.Context, email string) ([]*crm.Customer, error)
	// CustomersOwnedBy returns up to limit customers whose owner is staff.
	CustomersOwnedBy(ctx context.Context, staff crm.StaffID, limit int) ([]*crm.Customer, error)
}

// Config is what a Bot needs.
type Config struct {
	Handler *handlers.Handler
	Store   Store
	// BotToken is the xoxb- token; AppToken (xapp-) turns Socket Mode on.
	BotToken, AppToken string
	// SigningSecret verifies HTTP requests; required in HTTP mode.
	SigningSecret string
	// APIURL is the Web API base, with a trailing slash added when missing.
	APIURL string
	// HTTPClient calls Slack; one with a 10 s timeout when nil.
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
	// Region reads phone numbers typed in forms and the customer picker.
	Region string
	// Location is the business's zone, for dates shown in App Home.
	Location *time.Location
	// Language is the reply language of people not yet known.
	Language string
	// Owner names this replica in outbox leases; random when empty.
	Owner string
	// PollInterval is how often the outbox looks for due messages besides
	// being woken by new ones; 1 s when zero.
	PollInterval time.Duration
	// AckBudget is how long a modal submission or an options request may
	// work before it must answer; 2.2 s when zero (Slack allows 3 s).
	AckBudget time.Duration
	// Enrol is how workspace members become staff (SLACK_ENROL): EnrolMembers
	// (the default) makes a full member a rep on first contact; EnrolInvite
	// wants an invite code first ("/crm start CODE"). Guests, restricted
	// and external (Slack Connect) users are refused either way.
	Enrol string
}

// The ways Slack members become staff.
const (
	EnrolMembers = "members"
	EnrolInvite  = "invite"
)

// errGuest refuses a guest, a restricted or an external user.
var errGuest = errors.New("slack: not a full member of the workspace")

// Bot is the Slack transport. Create it with New, serve its ServeHTTP on
// /slack/events in HTTP mode, and Run it. Safe for concurrent use.
type Bot struct {
	cfg    Config
	h      *handlers.Handler
	store  Store
	api    *slackgo.Client
	http   *http.Client
	log    *slog.Logger
	now    func() time.Time
	verify *Verifier
	owner  string

	teamID, botUserID string

	base   context.Context // background work; cancelled when Run ends
	cancel context.CancelFunc
	work   sync.WaitGroup
	slots  chan struct{} // bounds concurrent background work

	out *outbox

	dmMu sync.Mutex
	dms  map[string]string // user id -> DM channel id
}

// New checks the bot token with auth.test (learning the workspace's team id,
// which every request is checked against) and returns a Bot.
func New(ctx context.Context, cfg Config) (*Bot, error) {
	if cfg.Handler == nil || cfg.Store == nil {
		return nil, errors.New("slack: a handler and a store are required")
	}
	if cfg.AppToken == "" && cfg.SigningSecret == "" {
		return nil, errors.New("SLACK_SIGNING_SECRET: HTTP mode needs the signing secret (or set SLACK_APP_TOKEN for Socket Mode)")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Region == "" {
		cfg.Region = "MY"
	}
	if handlers.Lang(cfg.Language) == "" {
		cfg.Language = "en"
	}
	if cfg.Owner == "" {
		var b [6]byte
		rand.Read(b[:])
		cfg.Owner = "slack-" + hex.EncodeToString(b[:])
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.AckBudget <= 0 {
		cfg.AckBudget = 2200 * time.Millisecond
	}
	opts := []slackgo.Option{slackgo.OptionHTTPClient(cfg.HTTPClient)}
	if cfg.APIURL != "" {
		if !strings.HasSuffix(cfg.APIURL, "/") {
			cfg.APIURL += "/"
		}
		opts = append(opts, slackgo.OptionAPIURL(cfg.APIURL))
	}
	if cfg.AppToken != "" {
		opts = append(opts, slackgo.OptionAppLevelToken(cfg.AppToken))
	}
	b := &Bot{cfg: cfg, h: cfg.Handler, store: cfg.Store, api: slackgo.New(cfg.BotToken, opts...), http: cfg.HTTPClient,
		log: cfg.Logger, now: cfg.Now, owner: cfg.Owner, slots: make(chan struct{}, 64), dms: map[string]string{}}
	if cfg.SigningSecret != "" {
		b.verify = NewVerifier(cfg.SigningSecret, cfg.Now)
	}
	actx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	auth, err := b.api.AuthTestContext(actx)
	if err != nil {
		return nil, fmt.Errorf("SLACK_BOT_TOKEN: Slack did not accept the bot token: %w", err)
	}
	b.teamID, b.botUserID = auth.TeamID, auth.UserID
	b.base, b.cancel = context.WithCancel(context.Background())
	b.out = newOutbox(b)
	return b, nil
}

// TeamID is the workspace this Bot serves; requests from any other are refused.
func (b *Bot) TeamID() string { return b.teamID }

// Run sends queued messages and, with an app token, keeps a Socket Mode
// connection, until ctx is done; then it lets background work finish within
// a grace period and returns.
func (b *Bot) Run(ctx context.Context) error {
	errc := make(chan error, 2)
	var wg sync.WaitGroup
	wg.Go(func() { b.out.run(ctx) })
	if b.cfg.AppToken != "" {
		wg.Go(func() {
			if err := b.runSocket(ctx); err != nil && ctx.Err() == nil {
				errc <- err
			}
		})
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	b.stop()
	wg.Wait()
	return err
}

// Settle waits until the work of every request already acknowledged has
// finished and its answers are queued; Flush then sends them. Tests use it
// instead of sleeping.
func (b *Bot) Settle() { b.work.Wait() }

// stop waits up to 5 s for background work, then cancels what is left.
func (b *Bot) stop() {
	done := make(chan struct{})
	go func() { b.work.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	b.cancel()
	<-done
}

// background runs f after the ack, on the Bot's own context, bounded in
// number so a burst cannot exhaust the process.
func (b *Bot) background(name string, f func(ctx context.Context)) {
	b.work.Add(1)
	go func() {
		defer b.work.Done()
		select {
		case b.slots <- struct{}{}:
		case <-b.base.Done():
			return
		}
		defer func() { <-b.slots }()
		defer func() {
			if p := recover(); p != nil {
				b.log.Error("slack work panicked", "work", name, "panic", fmt.Sprint(p))
			}
		}()
		ctx, cancel := context.WithTimeout(b.base, 2*time.Minute)
		defer cancel()
		f(ctx)
	}()
}

// errOtherTeam refuses a request from another workspace.
var errOtherTeam = errors.New("slack: request from another workspace")

// staff returns the staff member behind a Slack user of this workspace,
// enrolling a workspace member as a rep on first contact. Returns
// errOtherTeam for another workspace and ENOTFOUND for a deactivated member.
func (b *Bot) staff(ctx context.Context, team, user, name string) (*crm.Staff, error) {
	if team != b.teamID {
		return nil, errOtherTeam
	}
	if user == "" {
		return nil, crm.Errorf(crm.ENOTFOUND, "err_not_staff")
	}
	id := crm.Identity("slack:" + user)
	s, err := b.h.Staff(ctx, id)
	if crm.ErrorCode(err) != crm.ENOTFOUND {
		return s, err
	}
	// Nobody is enrolled unknown: a member Slack cannot describe is refused.
	u, err := b.api.GetUserInfoContext(ctx, user, slackgo.GetUserInfoOptionIncludeLocale(true))
	if err != nil {
		b.log.Warn("slack users.info failed; not enrolling", "user", user, "err", err)
		return nil, crm.Errorf(crm.ENOTFOUND, "err_not_staff")
	}
	if u.Deleted || u.IsBot || u.IsRestricted || u.IsUltraRestricted || u.IsStranger || u.TeamID != "" && u.TeamID != b.teamID {
		b.log.Info("slack guest or external user refused", "user", user)
		return nil, errGuest
	}
	if b.cfg.Enrol == EnrolInvite {
		return nil, crm.Errorf(crm.ENOTFOUND, "err_not_staff")
	}
	if u.RealName != "" {
		name = u.RealName
	} else if name == "" {
		name = u.Name
	}
	if name == "" {
		name = user
	}
	s, err = b.store.EnsureStaff(ctx, &crm.Staff{Name: name, Role: crm.RoleRep, Language: handlers.Lang(u.Locale), Identities: []crm.Identity{id}})
	if err != nil {
		return nil, err
	}
	if !s.Active {
		return nil, crm.Errorf(crm.ENOTFOUND, "err_not_staff")
	}
	b.log.Info("slack member enrolled", "staff", s.ID, "user", user)
	return s, nil
}

// refusal is the sentence for a staff lookup that failed.
func (b *Bot) refusal(s *crm.Staff, err error) string {
	lang := b.h.LangOf(s)
	switch {
	case errors.Is(err, errOtherTeam):
		return b.h.T(lang, "slack_other_workspace")
	case errors.Is(err, errGuest):
		return b.h.T(lang, "slack_guest_refused")
	case crm.ErrorCode(err) == crm.ENOTFOUND && b.cfg.Enrol == EnrolInvite:
		return b.h.T(lang, "slack_enrol_invite")
	case crm.ErrorCode(err) == crm.ENOTFOUND:
		return b.h.T(lang, "err_not_staff")
	}
	b.log.Error("slack staff lookup failed", "err", err)
	return b.h.T(lang, "err_internal")
}
