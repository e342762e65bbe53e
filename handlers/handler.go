// Package handlers is what a staff member can ask crmbot for, whatever the
// platform: it parses a request line, acts on the store and builds a Reply.
// It also holds enrolment and the outbound ports scheduled work needs.
// Everything it exposes is safe for concurrent use.
package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/dates"
)

// Config holds what a Handler needs.
type Config struct {
	Store    crm.Store
	Catalog  *Catalog
	Logger   *slog.Logger
	Now      func() time.Time // the clock; tests move it
	Location *time.Location   // the business's zone (CRM_TIMEZONE)
	Region   string           // phone region for numbers without a country code (CRM_REGION)
	Language string           // default reply language (CRM_LANGUAGE)
	// DigestAt is the local time of day a date-only follow-up is due, "08:30".
	DigestAt string
	// Currency is the base currency (CRM_CURRENCY, ISO 4217): totals are
	// ranked and tiered in it, other currencies are listed apart. Empty:
	// the tier rules' currency, else the region's.
	Currency string
	// Tiers are the value-tier thresholds; zero: the defaults of Currency.
	Tiers crm.TierRules
	// InviteLinks returns links that redeem an invite code on each platform
	// (a Telegram deep link); optional.
	InviteLinks func(code string) []string
	// Observe, when set, is told of every request: its command, its outcome
	// ("ok", "invalid", "not_found", ...) and how long it took.
	Observe func(command, outcome string, d time.Duration)
}

// Handler answers requests. Create it with New.
type Handler struct {
	cfg      Config
	store    crm.Store
	cat      *Catalog
	log      *slog.Logger
	dates    *dates.Parser
	commands map[string]command
	digestH  int
	digestM  int
}

// Request is one line from a staff member, already authenticated by a transport.
type Request struct {
	Staff *crm.Staff
	// Text is the command line without the platform's prefix: "find siti".
	Text string
	// Location is "lat,lon" when the person shared a location with the request.
	Location string
	// Files are platform references to a photo or voice note sent with the request.
	Files []string
	// Upload is a document sent with the request (a customer list to import).
	Upload *Upload
	// Progress, when set, shows a line to the sender while a long request
	// is still running ("12,000 of 40,000 rows"). It must not block for long.
	Progress func(ctx context.Context, text string)
}

// Upload is a file a staff member sent to the bot, read from the platform
// only when a command needs it.
type Upload struct {
	Name string
	Size int64 // bytes as the platform reports them; 0 when unknown
	Open func(ctx context.Context) (io.ReadCloser, error)
}

// MaxRequestLen caps a request line; longer ones are refused, not truncated.
const MaxRequestLen = 4000

type command struct {
	run     func(ctx context.Context, r *request) (Reply, error)
	minRole crm.Role
}

// request is a Request being handled: its arguments after the command word
// and the sender's language.
type request struct {
	Request
	name string // command word
	args string
	lang string
}

// New returns a Handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil || cfg.Catalog == nil {
		return nil, errors.New("handlers: a store and a catalogue are required")
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
	if Lang(cfg.Language) == "" {
		cfg.Language = "en"
	}
	if cfg.DigestAt == "" {
		cfg.DigestAt = "08:30"
	}
	if cfg.Currency == "" {
		cfg.Currency = cfg.Tiers.Currency
	}
	if cfg.Currency == "" {
		cfg.Currency = crm.RegionDefaultsFor(strings.ToUpper(cfg.Region)).Currency
	}
	if cfg.Tiers == (crm.TierRules{}) {
		rules, err := DefaultTierRules(cfg.Currency)
		if err != nil {
			return nil, err
		}
		cfg.Tiers = rules
	}
	if cfg.Tiers.Currency == "" {
		cfg.Tiers.Currency = cfg.Currency
	}
	if cfg.Tiers.Currency != cfg.Currency {
		return nil, fmt.Errorf("handlers: tier rules in %s but the base currency is %s", cfg.Tiers.Currency, cfg.Currency)
	}
	dt, err := time.Parse("15:04", cfg.DigestAt)
	if err != nil {
		return nil, fmt.Errorf("handlers: digest time %q: %w", cfg.DigestAt, err)
	}
	h := &Handler{cfg: cfg, store: cfg.Store, cat: cfg.Catalog, log: cfg.Logger,
		dates: dates.New(cfg.Location), digestH: dt.Hour(), digestM: dt.Minute()}
	h.commands = map[string]command{
		"help":      {run: h.help, minRole: crm.RoleField},
		"start":     {run: h.help, minRole: crm.RoleField},
		"add":       {run: h.add, minRole: crm.RoleField},
		"find":      {run: h.find, minRole: crm.RoleField},
		"show":      {run: h.show, minRole: crm.RoleField},
		"edit":      {run: h.editRecord, minRole: crm.RoleField}, // handlers/records.go: edit sale|log|complaint N, else a customer
		"log":       {run: h.logInteraction, minRole: crm.RoleField},
		"sale":      {run: h.sale, minRole: crm.RoleField},
		"complaint": {run: h.complaint, minRole: crm.RoleField},
		"resolve":   {run: h.resolve, minRole: crm.RoleField},
		"undo":      {run: h.undo, minRole: crm.RoleField},         // handlers/undo.go
		"delete":    {run: h.deleteRecord, minRole: crm.RoleField}, // handlers/records.go
		"remind":    {run: h.remind, minRole: crm.RoleField},
		"followups": {run: h.followups, minRole: crm.RoleField},
		"done":      {run: h.done, minRole: crm.RoleField},
		"snooze":    {run: h.snooze, minRole: crm.RoleField},
		"digest":    {run: h.digest, minRole: crm.RoleManager},
		"invite":    {run: h.invite, minRole: crm.RoleManager},
		"lang":      {run: h.setLang, minRole: crm.RoleField},
		"role":      {run: h.setRole, minRole: crm.RoleAdmin},
		"staff":     {run: h.staff, minRole: crm.RoleManager},
		"history":   {run: h.history, minRole: crm.RoleManager},    // handlers/history.go
		"lost":      {run: h.lostRecord, minRole: crm.RoleField},   // handlers/lost.go, journalled for undo (handlers/records.go)
		"report":    {run: h.report, minRole: crm.RoleManager},     // handlers/report.go
		"segment":   {run: h.segment, minRole: crm.RoleField},      // handlers/segment.go
		"import":    {run: h.importFile, minRole: crm.RoleManager}, // handlers/upload.go
		"export":    {run: h.exportAll, minRole: crm.RoleManager},
	}
	h.registerMore() // handlers/merge.go: duplicates, merge, campaign
	return h, nil
}

// Commands lists the command words a platform menu should offer, in help order.
func Commands() []string {
	return []string{"help", "find", "show", "add", "edit", "log", "sale", "complaint", "resolve", "undo", "delete", "remind", "followups", "lost", "report", "segment", "duplicates", "merge", "campaign", "import", "export", "digest", "invite", "staff", "history", "lang"}
}

// IsCommand reports whether line starts with a command word, so a
// transport waiting for the answer to a Prompt can tell a new command from
// an answer.
func (h *Handler) IsCommand(line string) bool {
	word, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	_, ok := h.commands[strings.ToLower(strings.TrimPrefix(word, "/"))]
	return ok
}

// T returns a catalogue sentence in lang, for transports' own messages.
func (h *Handler) T(lang, key string, args ...any) string { return h.cat.T(lang, key, args...) }

// LangOf returns the reply language of a staff member.
func (h *Handler) LangOf(s *crm.Staff) string {
	if s != nil && Lang(s.Language) != "" {
		return Lang(s.Language)
	}
	return h.cfg.Language
}

// Handle answers one request. It never panics on user input and always
// returns something to show: a refusal is a Reply with Error set.
func (h *Handler) Handle(ctx context.Context, in Request) (rep Reply) {
	start := h.cfg.Now()
	r := &request{Request: in, lang: h.LangOf(in.Staff)}
	outcome := "ok"
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("handler panic", "command", r.name, "panic", fmt.Sprint(p))
			rep, outcome = h.errorReply(r, fmt.Errorf("panic: %v", p)), crm.EINTERNAL
		}
		if h.cfg.Observe != nil {
			h.cfg.Observe(r.name, outcome, h.cfg.Now().Sub(start))
		}
	}()
	if in.Staff == nil || !in.Staff.Active {
		r.name = "unknown"
		outcome = crm.EFORBIDDEN
		return h.errorReply(r, crm.Errorf(crm.EFORBIDDEN, "err_not_staff"))
	}
	if !utf8.ValidString(in.Text) {
		r.name = "invalid"
		outcome = crm.EINVALID
		return h.errorReply(r, crm.Errorf(crm.EINVALID, "err_bad_text"))
	}
	if len(in.Text) > MaxRequestLen {
		r.name = "invalid"
		outcome = crm.EINVALID
		return h.errorReply(r, crm.Errorf(crm.EINVALID, "err_too_long", "max", MaxRequestLen))
	}
	word, args, _ := strings.Cut(strings.TrimSpace(in.Text), " ")
	word = strings.ToLower(strings.TrimPrefix(word, "/"))
	if i := strings.IndexByte(word, '@'); i > 0 { // Telegram's /find@crmbot
		word = word[:i]
	}
	r.name, r.args = word, strings.TrimSpace(args)
	if _, known := h.commands[word]; in.Upload != nil && !known {
		// A file sent alone, or with a caption that is not a command, is
		// offered for import; the caption is then just a remark.
		r.name, r.args = "import", ""
	}
	cmd, ok := h.commands[r.name]
	if !ok {
		if word == "" {
			r.name = "help"
			return h.helpReply(r)
		}
		r.name = "unknown"
		outcome = crm.EINVALID
		return h.errorReply(r, crm.Errorf(crm.EINVALID, "err_unknown_command", "word", clip(word, 30)))
	}
	if !in.Staff.Role.AtLeast(cmd.minRole) {
		outcome = crm.EFORBIDDEN
		return h.errorReply(r, crm.Errorf(crm.EFORBIDDEN, "err_forbidden_command", "command", r.name))
	}
	h.touch(ctx, in.Staff)
	rep, err := cmd.run(ctx, r)
	if err != nil {
		outcome = crm.ErrorCode(err)
		return h.errorReply(r, err)
	}
	return rep
}

// errorReply is the one place an error becomes the user's sentence: a
// domain error's message and the command's example; anything else is logged
// and answered with an apology that reveals nothing internal.
func (h *Handler) errorReply(r *request, err error) Reply {
	var e *crm.Error
	if !errors.As(err, &e) || e.Code == crm.EINTERNAL {
		h.log.Error("request failed", "command", r.name, "err", err)
		return Reply{Blocks: []Block{{Text: h.cat.T(r.lang, "err_internal")}}, Error: true}
	}
	args := make([]any, 0, 2*len(e.Args))
	for k, v := range e.Args {
		args = append(args, k, v)
	}
	text := h.cat.T(r.lang, e.Key, args...)
	if e.Code == crm.EINVALID && r.name != "" {
		if ex := h.cat.T(r.lang, "example_"+r.name); ex != "example_"+r.name {
			text += "\n" + h.cat.T(r.lang, "example", "example", ex)
		}
	}
	return Reply{Blocks: []Block{{Text: text}}, Error: true}
}

// invalid returns an EINVALID error with a catalogue key.
func invalid(key string, args ...any) error { return crm.Errorf(crm.EINVALID, key, args...) }

// clip shortens user text that is echoed back.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// now returns the current time in the business's zone.
func (h *Handler) now() time.Time { return h.cfg.Now().In(h.cfg.Location) }
