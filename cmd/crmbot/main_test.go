package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// setEnv points crmbot at a fresh data folder and a free port.
func setEnv(t *testing.T, kv ...string) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("DATA_DIR", dir)
	t.Setenv("HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("CRM_TIMEZONE", "Asia/Kuala_Lumpur")
	for i := 0; i+1 < len(kv); i += 2 {
		t.Setenv(kv[i], kv[i+1])
	}
	return dir
}

// runScript runs crmbot with the script piped in, as `crmbot < day.txt` does.
func runScript(t *testing.T, script string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, nil, strings.NewReader(script), &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	return out.String()
}

// TestConsoleDay drives a working day through the console over a pipe on
// the embedded store, and a second run finds what the first saved.
func TestConsoleDay(t *testing.T) {
	setEnv(t)
	out := runScript(t, strings.Join([]string{
		"add Siti Nurhaliza +60 12-345 6789 siti@example.my source=referral",
		"add Tan Ah Kow 019-876 5432",
		"find siti",
		"log Siti: called about the quotation, follow up tomorrow",
		"sale Siti: 1250 MYR solar panel x3 card",
		"complaint Siti: inverter stopped working after 2 weeks",
		"resolve 1: replaced the inverter, customer satisfied",
		"add Tan Ah Beng 0111111111",
		"show tan",
		"1",
		"find {\"$gt\":\"\"}",
		"sale Siti: -5 pump",
		"",
	}, "\n"))
	for _, want := range []string{
		"Added Siti Nurhaliza", "Added Tan Ah Kow", "Logged call with Siti Nurhaliza",
		"RM 1,250.00", "Complaint #1 filed", "Complaint #1 resolved",
		"2 customers match", "[1] Tan Ah", "No customer matches", "positive number",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// "1" picked the first candidate: its card follows the list.
	if i := strings.Index(out, "2 customers match"); i < 0 || !strings.Contains(out[i:], "Log call") {
		t.Errorf("picking a candidate by number did not show its card")
	}

	again := runScript(t, "show siti\n")
	for _, want := range []string{"Siti Nurhaliza", "Purchases: 1 order, RM 1,250.00", "called about the quotation"} {
		if !strings.Contains(again, want) {
			t.Errorf("second run lacks %q:\n%s", want, again)
		}
	}
}

func TestSecondProcessOnSameDataDirRefused(t *testing.T) {
	dir := setEnv(t)
	pr, pw := ioPipe()
	done := make(chan error, 1)
	go func() {
		var out, errOut bytes.Buffer
		done <- run(context.Background(), nil, pr, &out, &errOut)
	}()
	// Wait until the first process has its store open (it answers a request).
	waitFor(t, func() bool { return lockHeld(dir) })
	var out, errOut bytes.Buffer
	err := run(context.Background(), nil, strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "in use by another crmbot") {
		t.Errorf("second process: %v, want a refusal naming the data folder", err)
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestBadConfig(t *testing.T) {
	tests := []struct{ name, key, value, want string }{
		{"TimeZone", "CRM_TIMEZONE", "Mars/Olympus", "CRM_TIMEZONE"},
		{"Duration", "CRM_SCHEDULER_INTERVAL", "often", "CRM_SCHEDULER_INTERVAL"},
		{"Language", "CRM_LANGUAGE", "tlh", "CRM_LANGUAGE"},
		{"Region", "CRM_REGION", "ZZ", "CRM_REGION"},
		{"SlackEnrol", "SLACK_ENROL", "everyone", "SLACK_ENROL"},
		{"TelegramRateZero", "TELEGRAM_RATE", "0", "TELEGRAM_RATE"},
		{"TelegramRateWord", "TELEGRAM_RATE", "fast", "TELEGRAM_RATE"},
		{"TelegramChatRateAboveRate", "TELEGRAM_CHAT_RATE", "31", "TELEGRAM_CHAT_RATE"},
		{"DigestAt", "CRM_DIGEST_AT", "8.30am", "CRM_DIGEST_AT"},
		{"QuietHours", "CRM_QUIET_HOURS", "night", "CRM_QUIET_HOURS"},
		{"Admins", "CRM_ADMINS", "bob", "CRM_ADMINS"},
		{"TierSpendNotANumber", "CRM_TIER_HIGH_SPEND", "lots", "CRM_TIER_HIGH_SPEND"},
		{"TierHighBelowMiddle", "CRM_TIER_HIGH_SPEND", "1000", "CRM_TIER_HIGH_SPEND"},
		{"TierLapsedBeforeRecent", "CRM_TIER_LAPSED_DAYS", "30", "CRM_TIER_LAPSED_DAYS"},
		{"TierFrequentTooLow", "CRM_TIER_FREQUENT_ORDERS", "1", "CRM_TIER_FREQUENT_ORDERS"},
		{"ProductAlertZero", "CRM_PRODUCT_ALERT_AT", "0", "CRM_PRODUCT_ALERT_AT"},
		{"CurrencyNotISO", "CRM_CURRENCY", "ringgit", "CRM_CURRENCY"},
		{"CurrencySymbol", "CRM_CURRENCY", "RM", "CRM_CURRENCY"},
		{"CurrencyWithoutTierDefaults", "CRM_CURRENCY", "JPY", "CRM_TIER_HIGH_SPEND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.key, tt.value)
			var out, errOut bytes.Buffer
			err := run(context.Background(), nil, strings.NewReader(""), &out, &errOut)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) || strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("err = %v, want one sentence starting with %s", err, tt.want)
			}
		})
	}
}

// TestHTTPAndShutdown checks /healthz and /metrics of a running crmbot and
// that a stop request ends it while the console waits for input.
func TestHTTPAndShutdown(t *testing.T) {
	setEnv(t)
	pr, pw := ioPipe()
	defer pw.Close()
	logs := &syncBuffer{}
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, pr, &out, logs) }()
	var addr string
	waitFor(t, func() bool { addr = listenAddr(logs.String()); return addr != "" })

	if _, err := pw.Write([]byte("find siti\nfrobnicate\n")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Contains(out.String(), "don't know the command") })

	health := httpGet(t, "http://"+addr+"/healthz")
	if health != "ok\n" {
		t.Errorf("/healthz = %q", health)
	}
	metrics := httpGet(t, "http://"+addr+"/metrics")
	for _, want := range []string{
		`crmbot_requests_total{command="find",outcome="ok"} 1`,
		`crmbot_requests_total{command="unknown",outcome="invalid"} 1`,
		`crmbot_request_duration_seconds_bucket{command="find"`,
		"crmbot_store_errors_total 0",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	cancel() // as SIGTERM does, through signal.NotifyContext in main
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after stop: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("crmbot did not stop while its console waited for input")
	}
}

// TestTierConfig: tier thresholds are read in the region's money and days.
func TestTierConfig(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want crm.TierRules
	}{
		{"Defaults", nil, crm.DefaultTierRules},
		{"Rupiah", []string{"CRM_REGION", "ID", "CRM_TIER_HIGH_SPEND", "150000000", "CRM_TIER_MIDDLE_SPEND", "30000000", "CRM_TIER_BIG_SALE", "75000000",
			"CRM_TIER_RECENT_DAYS", "60", "CRM_TIER_LAPSED_DAYS", "180", "CRM_TIER_FREQUENT_ORDERS", "4"},
			crm.TierRules{Currency: "IDR", HighSpend: 150000000, MiddleSpend: 30000000, BigSale: 75000000, Recent: 60 * 24 * time.Hour, Lapsed: 180 * 24 * time.Hour, Frequent: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env...)
			c, err := loadConfig()
			if err != nil {
				t.Fatal(err)
			}
			if c.Tiers != tt.want {
				t.Errorf("tiers %+v, want %+v", c.Tiers, tt.want)
			}
		})
	}
}

// TestMetricsApart: with METRICS_ADDR, /metrics is served there and not on
// the webhooks' address; with METRICS_TOKEN, only to a request bearing it.
func TestMetricsApart(t *testing.T) {
	setEnv(t, "METRICS_ADDR", "127.0.0.1:0", "METRICS_TOKEN", "s3cret")
	pr, pw := ioPipe()
	defer pw.Close()
	logs := &syncBuffer{}
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, pr, &out, logs) }()
	t.Cleanup(func() { cancel(); <-done })
	var addr string
	waitFor(t, func() bool { addr = listenAddr(logs.String()); return addr != "" })
	m := regexp.MustCompile(`msg="metrics on their own address" metrics=(\S+)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no metrics address in the logs:\n%s", logs.String())
	}
	status := func(url, auth string) int {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	tests := []struct {
		name, url, auth string
		want            int
	}{
		{"NotOnTheWebhookAddress", "http://" + addr + "/metrics", "Bearer s3cret", http.StatusNotFound},
		{"NoToken", "http://" + m[1] + "/metrics", "", http.StatusUnauthorized},
		{"WrongToken", "http://" + m[1] + "/metrics", "Bearer s3crex", http.StatusUnauthorized},
		{"Token", "http://" + m[1] + "/metrics", "Bearer s3cret", http.StatusOK},
		{"HealthStaysPublic", "http://" + addr + "/healthz", "", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := status(tt.url, tt.auth); got != tt.want {
				t.Errorf("GET %s = %d, want %d", tt.url, got, tt.want)
			}
		})
	}
}
