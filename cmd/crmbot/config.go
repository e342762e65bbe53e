package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"
	"golang.org/x/text/currency"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
	"github.com/crmbot/crmbot/phone"
)

// Config is crmbot's environment (DESIGN §3; every variable is in .env.example).
type Config struct {
	MongoURI      string `envconfig:"MONGODB_URI"`
	MongoDatabase string `envconfig:"MONGODB_DATABASE" default:"crm"`
	DataDir       string `envconfig:"DATA_DIR" default:"./data"`
	HTTPAddr      string `envconfig:"HTTP_ADDR" default:":8080"`
	MetricsAddr   string `envconfig:"METRICS_ADDR"`
	MetricsToken  string `envconfig:"METRICS_TOKEN"`

	SlackBotToken      string `envconfig:"SLACK_BOT_TOKEN"`
	SlackAppToken      string `envconfig:"SLACK_APP_TOKEN"`
	SlackSigningSecret string `envconfig:"SLACK_SIGNING_SECRET"`
	SlackAPIURL        string `envconfig:"SLACK_API_URL" default:"https://slack.com/api/"`
	SlackEnrol         string `envconfig:"SLACK_ENROL" default:"members"`

	TelegramBotToken      string  `envconfig:"TELEGRAM_BOT_TOKEN"`
	TelegramAPIURL        string  `envconfig:"TELEGRAM_API_URL" default:"https://api.telegram.org"`
	TelegramWebhookURL    string  `envconfig:"TELEGRAM_WEBHOOK_URL"`
	TelegramWebhookSecret string  `envconfig:"TELEGRAM_WEBHOOK_SECRET"`
	TelegramRate          float64 `envconfig:"TELEGRAM_RATE" default:"30"`
	TelegramChatRate      float64 `envconfig:"TELEGRAM_CHAT_RATE" default:"1"`

	Admins            string        `envconfig:"CRM_ADMINS"`
	Timezone          string        `envconfig:"CRM_TIMEZONE"` // empty: the region's (crm.RegionDefaultsFor)
	Region            string        `envconfig:"CRM_REGION" default:"MY"`
	Currency          string        `envconfig:"CRM_CURRENCY"` // empty: the region's
	Language          string        `envconfig:"CRM_LANGUAGE" default:"en"`
	SchedulerInterval time.Duration `envconfig:"CRM_SCHEDULER_INTERVAL" default:"1m"`
	DigestAt          string        `envconfig:"CRM_DIGEST_AT" default:"08:30"`
	QuietHours        string        `envconfig:"CRM_QUIET_HOURS" default:"21:00-08:00"`

	// Value tiers (README, "Value tiers"); whole money of the base currency,
	// the currency's defaults where not set (crm.CurrencyDefaults).
	TierHighSpend   amount `envconfig:"CRM_TIER_HIGH_SPEND"`
	TierMiddleSpend amount `envconfig:"CRM_TIER_MIDDLE_SPEND"`
	TierBigSale     amount `envconfig:"CRM_TIER_BIG_SALE"`
	TierRecentDays  int    `envconfig:"CRM_TIER_RECENT_DAYS" default:"90"`
	TierLapsedDays  int    `envconfig:"CRM_TIER_LAPSED_DAYS" default:"365"`
	TierFrequent    int    `envconfig:"CRM_TIER_FREQUENT_ORDERS" default:"5"`
	// Complaints and returns about one product within 30 days that alert the managers.
	ProductAlertAt int `envconfig:"CRM_PRODUCT_ALERT_AT" default:"3"`

	// Derived by load.
	Location             *time.Location `ignored:"true"`
	AdminIDs             []crm.Identity `ignored:"true"`
	QuietStart, QuietEnd string         `ignored:"true"`
	Tiers                crm.TierRules  `ignored:"true"`
}

// loadConfig reads the environment through lookup and checks every value,
// answering a wrong one with one sentence that names its variable.
func loadConfig() (*Config, error) {
	var c Config
	if err := envconfig.Process("", &c); err != nil {
		var pe *envconfig.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s: %q is not a valid %s", pe.KeyName, pe.Value, kindName(pe.TypeName))
		}
		return nil, err
	}
	c.Region = strings.ToUpper(strings.TrimSpace(c.Region))
	if !phone.Region(c.Region) {
		return nil, fmt.Errorf("CRM_REGION: %q is not a region with phone numbers; use an ISO 3166 code such as MY, ID, CN or IN", c.Region)
	}
	region := crm.RegionDefaultsFor(c.Region)
	if strings.TrimSpace(c.Timezone) == "" {
		c.Timezone = region.Zone
	}
	loc, err := time.LoadLocation(strings.TrimSpace(c.Timezone))
	if err != nil {
		return nil, fmt.Errorf("CRM_TIMEZONE: %q is not a time zone; use an IANA name such as %s", c.Timezone, region.Zone)
	}
	c.Location = loc
	if c.Currency = strings.ToUpper(strings.TrimSpace(c.Currency)); c.Currency == "" {
		c.Currency = region.Currency
	}
	if u, err := currency.ParseISO(c.Currency); err != nil || u.String() != c.Currency {
		return nil, fmt.Errorf("CRM_CURRENCY: %q is not an ISO 4217 currency code; use one such as %s, IDR, INR or USD", c.Currency, region.Currency)
	}
	if l := handlers.Lang(c.Language); l == "" || !strings.EqualFold(l, c.Language) {
		return nil, fmt.Errorf("CRM_LANGUAGE: %q is not one of %s", c.Language, strings.Join(handlers.Languages, ", "))
	} else {
		c.Language = l
	}
	if c.SchedulerInterval < time.Second {
		return nil, fmt.Errorf("CRM_SCHEDULER_INTERVAL: %s is too short; use at least 1s, e.g. 1m", c.SchedulerInterval)
	}
	if _, err := time.Parse("15:04", c.DigestAt); err != nil {
		return nil, fmt.Errorf("CRM_DIGEST_AT: %q is not a time of day like 08:30", c.DigestAt)
	}
	if q := strings.TrimSpace(c.QuietHours); q != "" {
		from, to, ok := strings.Cut(q, "-")
		_, err1 := time.Parse("15:04", strings.TrimSpace(from))
		_, err2 := time.Parse("15:04", strings.TrimSpace(to))
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("CRM_QUIET_HOURS: %q is not a range like 21:00-08:00", c.QuietHours)
		}
		c.QuietStart, c.QuietEnd = strings.TrimSpace(from), strings.TrimSpace(to)
	}
	for _, a := range strings.Split(c.Admins, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		platform, id, ok := strings.Cut(a, ":")
		if !ok || id == "" || (platform != "telegram" && platform != "slack") {
			return nil, fmt.Errorf("CRM_ADMINS: %q is not platform:id, e.g. telegram:123456789,slack:U012ABCDEF", a)
		}
		c.AdminIDs = append(c.AdminIDs, crm.Identity(a))
	}
	if err := c.tiers(); err != nil {
		return nil, err
	}
	if c.ProductAlertAt < 1 {
		return nil, fmt.Errorf("CRM_PRODUCT_ALERT_AT: %d cannot alert; use a count of at least 1, e.g. 3", c.ProductAlertAt)
	}
	if c.SlackEnrol != "members" && c.SlackEnrol != "invite" {
		return nil, fmt.Errorf("SLACK_ENROL: %q is neither members nor invite", c.SlackEnrol)
	}
	if c.SlackAppToken != "" && !strings.HasPrefix(c.SlackAppToken, "xapp-") {
		return nil, errors.New("SLACK_APP_TOKEN: an app-level token starts with xapp-")
	}
	if c.SlackBotToken == "" && (c.SlackAppToken != "" || c.SlackSigningSecret != "") {
		return nil, errors.New("SLACK_BOT_TOKEN: Slack settings are given but the bot token (xoxb-...) is missing")
	}
	if c.SlackBotToken != "" && c.SlackAppToken == "" && c.SlackSigningSecret == "" {
		return nil, errors.New("SLACK_SIGNING_SECRET: HTTP mode needs the signing secret (or set SLACK_APP_TOKEN for Socket Mode)")
	}
	if !(c.TelegramRate > 0 && c.TelegramRate <= 1000) {
		return nil, fmt.Errorf("TELEGRAM_RATE: %v is not messages a second between 0 and 1000, e.g. 30", c.TelegramRate)
	}
	if !(c.TelegramChatRate > 0 && c.TelegramChatRate <= c.TelegramRate) {
		return nil, fmt.Errorf("TELEGRAM_CHAT_RATE: %v is not messages a second to one chat, above 0 and at most TELEGRAM_RATE, e.g. 1", c.TelegramChatRate)
	}
	if c.TelegramWebhookURL != "" && c.TelegramWebhookSecret == "" {
		return nil, errors.New("TELEGRAM_WEBHOOK_SECRET: webhook mode needs a secret so forged updates are refused")
	}
	return &c, nil
}

// tiers checks the tier thresholds and turns them into rules in the base
// currency. A threshold not set comes from the currency's defaults; a
// currency without defaults must be given all three.
func (c *Config) tiers() error {
	d, known := crm.CurrencyDefaults(c.Currency)
	if !known && !(c.TierHighSpend.set && c.TierMiddleSpend.set && c.TierBigSale.set) {
		return fmt.Errorf("CRM_TIER_HIGH_SPEND: there are no default thresholds in %s; set CRM_TIER_HIGH_SPEND, CRM_TIER_MIDDLE_SPEND and CRM_TIER_BIG_SALE in whole %s, e.g. 10000, 2000 and 5000", c.Currency, c.Currency)
	}
	high, middle, big := c.TierHighSpend.or(d.HighSpend), c.TierMiddleSpend.or(d.MiddleSpend), c.TierBigSale.or(d.BigSale)
	switch {
	case !(middle > 0):
		return fmt.Errorf("CRM_TIER_MIDDLE_SPEND: %v is not an amount above 0, e.g. %v", middle, example(d.MiddleSpend, 2000))
	case !(high > middle):
		return fmt.Errorf("CRM_TIER_HIGH_SPEND: %v must be above CRM_TIER_MIDDLE_SPEND (%v), e.g. %v", high, middle, example(d.HighSpend, 10000))
	case !(big > 0):
		return fmt.Errorf("CRM_TIER_BIG_SALE: %v is not an amount above 0, e.g. %v", big, example(d.BigSale, 5000))
	case c.TierRecentDays < 1:
		return fmt.Errorf("CRM_TIER_RECENT_DAYS: %d is not a number of days, e.g. 90", c.TierRecentDays)
	case c.TierLapsedDays <= c.TierRecentDays:
		return fmt.Errorf("CRM_TIER_LAPSED_DAYS: %d must be more than CRM_TIER_RECENT_DAYS (%d), e.g. 365", c.TierLapsedDays, c.TierRecentDays)
	case c.TierFrequent < 3:
		return fmt.Errorf("CRM_TIER_FREQUENT_ORDERS: %d must be 3 or more (two orders already score as returning), e.g. 5", c.TierFrequent)
	}
	day := 24 * time.Hour
	c.Tiers = crm.TierRules{
		Currency:    c.Currency,
		HighSpend:   handlers.WholeAmount(c.Currency, high),
		MiddleSpend: handlers.WholeAmount(c.Currency, middle),
		BigSale:     handlers.WholeAmount(c.Currency, big),
		Recent:      time.Duration(c.TierRecentDays) * day,
		Lapsed:      time.Duration(c.TierLapsedDays) * day,
		Frequent:    c.TierFrequent,
	}
	return nil
}

// amount is a tier threshold in whole money. Unlike a float64 field it
// tells a value not given, or given empty as in a copied .env.example,
// from one given, so the default can depend on the currency.
type amount struct {
	v   float64
	set bool
}

// Decode reads the variable's value (envconfig.Decoder).
func (a *amount) Decode(s string) error {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	a.v, a.set = v, true
	return nil
}

// or is the amount given, else def.
func (a amount) or(def float64) float64 {
	if a.set {
		return a.v
	}
	return def
}

// example is a threshold to suggest: the currency's default, or other
// when the currency has none.
func example(def, other float64) float64 {
	if def > 0 {
		return def
	}
	return other
}

func kindName(goType string) string {
	switch goType {
	case "Duration":
		return "duration like 1m or 30s"
	case "main.amount", "amount":
		return "amount of money like 10000"
	}
	return strings.ToLower(goType)
}
