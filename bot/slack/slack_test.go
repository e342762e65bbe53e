package slack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crmbot/crmbot/bot/slack"
	"github.com/crmbot/crmbot/bot/slack/slacktest"
	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

func TestVerifier(t *testing.T) {
	// Slack's documented example ("Verifying requests from Slack").
	const body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	const ts = "1531420618"
	const sig = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	sent := time.Unix(1531420618, 0)
	tests := []struct {
		name    string
		now     time.Time
		ts, sig string
		body    string
		want    error
	}{
		{"SlackExample", sent, ts, sig, body, nil},
		{"FourMinutesLater", sent.Add(4 * time.Minute), ts, sig, body, nil},
		{"OldTimestamp", sent.Add(5*time.Minute + time.Second), ts, sig, body, slack.ErrBadTimestamp},
		{"FutureTimestamp", sent.Add(-5*time.Minute - time.Second), ts, sig, body, slack.ErrBadTimestamp},
		{"BadSignature", sent, ts, "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b504", body, slack.ErrBadSignature},
		{"TamperedBody", sent, ts, sig, strings.Replace(body, "roadrunner", "coyote", 1), slack.ErrBadSignature},
		{"TimestampNotSigned", sent.Add(time.Second), "1531420619", sig, body, slack.ErrBadSignature},
		{"NoSignature", sent, ts, "", body, slack.ErrNoSignature},
		{"NoTimestamp", sent, "", sig, body, slack.ErrNoSignature},
		{"JunkTimestamp", sent, "soon", sig, body, slack.ErrBadTimestamp},
		{"V1Signature", sent, ts, strings.Replace(sig, "v0=", "v1=", 1), body, slack.ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := slack.NewVerifier(secret, func() time.Time { return tt.now })
			h := http.Header{}
			if tt.ts != "" {
				h.Set("X-Slack-Request-Timestamp", tt.ts)
			}
			if tt.sig != "" {
				h.Set("X-Slack-Signature", tt.sig)
			}
			if err := v.Verify(h, []byte(tt.body)); err != tt.want {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	if got := slack.Sign([]byte(secret), ts, []byte(body)); got != sig {
		t.Errorf("Sign = %s, want Slack's %s", got, sig)
	}
}

// TestHTTPRequestsRefused sends requests Slack did not sign as it does:
// each gets a 401 and has no effect.
func TestHTTPRequestsRefused(t *testing.T) {
	f := newFixture(t, options{})
	cmd := url.Values{"team_id": {f.fake.TeamID}, "user_id": {"UADMIN"}, "channel_id": {"C0SALES"}, "command": {"/crm"},
		"text": {"add Mallory 0123456789"}, "response_url": {f.fake.ResponseURL()}, "trigger_id": {f.fake.TriggerID()}}
	body := []byte(cmd.Encode())
	tests := []struct {
		name   string
		mutate func(r *http.Request)
	}{
		{"BadSignature", func(r *http.Request) { r.Header.Set("X-Slack-Signature", "v0=00"+strings.Repeat("ab", 31)) }},
		{"NoSignature", func(r *http.Request) { r.Header.Del("X-Slack-Signature") }},
		{"OldTimestamp", func(r *http.Request) {
			ts := f.clock.Now().Add(-6 * time.Minute)
			*r = *slacktest.SignedRequest(r.URL.String(), secret, ts, formType, body)
		}},
		{"FutureTimestamp", func(r *http.Request) {
			ts := f.clock.Now().Add(6 * time.Minute)
			*r = *slacktest.SignedRequest(r.URL.String(), secret, ts, formType, body)
		}},
		{"WrongSecret", func(r *http.Request) {
			*r = *slacktest.SignedRequest(r.URL.String(), "not-the-secret", f.clock.Now(), formType, body)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := slacktest.SignedRequest(f.app.URL+"/slack/events", secret, f.clock.Now(), formType, body)
			tt.mutate(r)
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", resp.StatusCode)
			}
		})
	}
	if n, _ := f.db.CountCustomers(context.Background()); n != 0 {
		t.Errorf("%d customers added by refused requests", n)
	}

	t.Run("Replay", func(t *testing.T) {
		// The same signed request twice within five minutes: one effect.
		for range 2 {
			if code, _, _ := f.post(formType, body, nil); code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
		}
		f.reply(cmd.Get("response_url"))
		f.settle()
		if n, _ := f.db.CountCustomers(context.Background()); n != 1 {
			t.Errorf("%d customers after a replayed add, want 1", n)
		}
	})
}

// TestCommands runs every command through /crm in a channel, against the
// real handlers and store, and reads the answers at their response_url.
func TestCommands(t *testing.T) {
	f := newFixture(t, options{})
	tests := []struct {
		name, user, text string
		want             []string
	}{
		{"Help", "UREP", "help", []string{"find", "log"}},
		{"HelpLog", "UREP", "help log", []string{"follow up"}},
		{"Add", "UREP", "add Siti Nurhaliza +60 12-345 6789 siti@example.my source=referral", []string{"Added Siti Nurhaliza", "+60 12-345 6789"}},
		{"AddSecond", "UREP", "add Tan Ah Kow 019-876 5432", []string{"Added Tan Ah Kow"}},
		{"AddThird", "UREP", "add Tan Ah Beng 0111111111", []string{"Added Tan Ah Beng"}},
		{"Find", "UREP", "find siti", []string{"Siti Nurhaliza", "Log call"}},
		{"FindByPhone", "UREP", "find 012-345 6789", []string{"Siti Nurhaliza"}},
		{"FindAmbiguous", "UREP", "find tan", []string{"2 customers match", "Tan Ah Kow", "Tan Ah Beng"}},
		{"Show", "UREP", "show Siti Nurhaliza", []string{"Siti Nurhaliza", "referral"}},
		{"Edit", "UREP", "edit Siti: hobby=golf company=Nur Trading", []string{"golf", "Nur Trading"}},
		{"Log", "UREP", "log Siti: called about the quotation, follow up tomorrow", []string{"Logged call with Siti Nurhaliza", "2026-11-24"}},
		{"Sale", "UREP", "sale Siti: 1250 MYR solar panel x3 card", []string{"RM 1,250.00"}},
		{"Complaint", "UREP", "complaint Siti: inverter stopped working", []string{"Complaint #1"}},
		{"Resolve", "UREP", "resolve 1: replaced the inverter, customer satisfied", []string{"Complaint #1 resolved"}},
		{"Remind", "UREP", "remind Siti 2026-12-01 09:00: send new catalogue", []string{"2026-12-01 09:00"}},
		{"Followups", "UREP", "followups", []string{"No follow-ups", ""}},
		{"DigestForbiddenForRep", "UREP", "digest", []string{":warning:"}},
		{"DigestAdmin", "UADMIN", "digest", []string{"Customers"}},
		{"InviteAdmin", "UADMIN", "invite", []string{"Invite code"}},
		{"RoleByAdmin", "UADMIN", "role <@UREP|urep> manager", []string{"manager"}},
		{"RoleByRepForbidden", "UREP", "role <@UADMIN> rep", []string{":warning:"}},
		{"UnknownCommand", "UREP", "frobnicate", []string{":warning:", "frobnicate"}},
		{"BadInput", "UREP", "sale Siti: -5 pump", []string{":warning:", "positive"}},
		{"Lang", "UREP", "lang ms", []string{"Bahasa"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := f.run(tt.user, tt.text)
			contains(t, got, tt.want...)
		})
	}
	t.Run("EphemeralInChannels", func(t *testing.T) {
		ru, _ := f.command(f.fake.TeamID, "UREP", "C0SALES", "find siti")
		if m := f.reply(ru); m.ResponseType != "ephemeral" {
			t.Errorf("response_type %q in a channel, want ephemeral", m.ResponseType)
		}
	})
}

// TestFollowupsAndButtons follows a day: an ambiguous name offers buttons,
// a button runs its command, a card's form buttons open modals.
func TestFollowupsAndButtons(t *testing.T) {
	f := newFixture(t, options{})
	f.run("UREP", "add Tan Ah Kow 019-876 5432")
	f.run("UREP", "add Tan Ah Beng 0111111111")
	beng := f.customer("Beng")

	ru, _ := f.command(f.fake.TeamID, "UREP", "C0SALES", "find tan")
	m := f.reply(ru)
	var blocks []struct {
		Type     string `json:"type"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	json.Unmarshal(m.Blocks, &blocks)
	var action, value string
	for _, b := range blocks {
		for _, e := range b.Elements {
			if strings.Contains(e.Value, string(beng)) {
				action, value = e.ActionID, e.Value
			}
		}
	}
	if action == "" {
		t.Fatalf("no button for Tan Ah Beng in %s", m.Blocks)
	}
	press := func(action, value string) (string, string) {
		ru := f.fake.ResponseURL()
		code, body := f.interact(map[string]any{"type": "block_actions", "team": map[string]any{"id": f.fake.TeamID},
			"user": map[string]any{"id": "UREP"}, "channel": map[string]any{"id": "C0SALES"}, "response_url": ru,
			"trigger_id": f.fake.TriggerID(), "actions": []map[string]any{{"action_id": action, "block_id": "b1", "value": value, "type": "button"}}})
		if code != http.StatusOK {
			t.Fatalf("action status %d %s", code, body)
		}
		return ru, body
	}
	t.Run("CandidateButton", func(t *testing.T) {
		ru, _ := press(action, value)
		contains(t, f.reply(ru).All(), "Tan Ah Beng", "Log call")
	})
	t.Run("LogCallButtonOpensModal", func(t *testing.T) {
		n := len(f.fake.Views())
		press("cmd:1", "log call #"+string(beng))
		vs := f.fake.WaitViews(n+1, 10*time.Second)
		if len(vs) <= n {
			t.Fatal("no modal opened")
		}
		v := vs[n]
		if v.Method != "views.open" || v.CallbackID() != "crm_log" {
			t.Errorf("%s %s, want views.open crm_log", v.Method, v.CallbackID())
		}
		contains(t, v.All(), "Tan Ah Beng", "call")
	})
	t.Run("NoArgumentsOpensMenu", func(t *testing.T) {
		n := len(f.fake.Views())
		f.command(f.fake.TeamID, "UREP", "C0SALES", "")
		f.settle()
		vs := f.fake.WaitViews(n+1, 10*time.Second)
		if len(vs) <= n || vs[n].CallbackID() != "crm_menu" {
			t.Fatalf("views %+v, want the menu", vs)
		}
	})
	t.Run("UnknownAction", func(t *testing.T) {
		ru, _ := press("launch:missiles", "now")
		contains(t, f.reply(ru).All(), "no longer available")
	})
}

func TestModalSubmissions(t *testing.T) {
	f := newFixture(t, options{})
	f.run("UREP", "add Siti Nurhaliza +60 12-345 6789")
	siti := string(f.customer("siti"))
	picked := map[string]any{"type": "external_select", "selected_option": map[string]any{"value": siti}}
	tests := []struct {
		name     string
		callback string
		values   map[string]map[string]any
		errors   map[string]string // block -> part of the sentence
		done     string            // part of the result shown in the modal
	}{
		{"AddBadPhone", "crm_add", map[string]map[string]any{"name": text("Ali"), "phone": text("12ab")}, map[string]string{"phone": "12ab"}, ""},
		{"AddBadEmail", "crm_add", map[string]map[string]any{"name": text("Ali"), "email": text("ali@nowhere")}, map[string]string{"email": "ali@nowhere"}, ""},
		{"AddNameWithAt", "crm_add", map[string]map[string]any{"name": text("ali@x.my")}, map[string]string{"name": "@"}, ""},
		{"AddMissingName", "crm_add", map[string]map[string]any{"name": text("")}, map[string]string{"name": "fill"}, ""},
		{"Add", "crm_add", map[string]map[string]any{"name": text("Ali Bin Abu"), "phone": text("013-222 3333"), "email": text("ali@abu.my"),
			"company": text("Abu Motors"), "source": selected("web")}, nil, "Added Ali Bin Abu"},
		{"AddDuplicatePhone", "crm_add", map[string]map[string]any{"name": text("Ali Again"), "phone": text("013-222 3333")}, nil, "Ali Bin Abu"},
		{"LogPastFollowUp", "crm_log", map[string]map[string]any{"customer": picked, "kind": selected("call"), "notes": text("quoted"),
			"followup": date("2026-11-01")}, map[string]string{"followup": "2026-11-01"}, ""},
		{"LogMissingNotes", "crm_log", map[string]map[string]any{"customer": picked, "kind": selected("call")}, map[string]string{"notes": "fill"}, ""},
		{"Log", "crm_log", map[string]map[string]any{"customer": picked, "kind": selected("visit"), "notes": text("demo done, wants 3 units"),
			"followup": date("2026-11-27")}, nil, "Logged visit with Siti Nurhaliza"},
		{"SaleBadAmount", "crm_sale", map[string]map[string]any{"customer": picked, "amount": text("lots"), "product": text("pump"),
			"payment": selected("cash")}, map[string]string{"amount": "lots"}, ""},
		{"SaleBadQuantity", "crm_sale", map[string]map[string]any{"customer": picked, "amount": text("100"), "product": text("pump"),
			"quantity": text("-2"), "payment": selected("cash")}, map[string]string{"quantity": "whole number"}, ""},
		{"SaleBadCurrency", "crm_sale", map[string]map[string]any{"customer": picked, "amount": text("100"), "currency": text("RM1"),
			"product": text("pump"), "payment": selected("cash")}, map[string]string{"currency": "RM1"}, ""},
		{"SaleUnknownCurrency", "crm_sale", map[string]map[string]any{"customer": picked, "amount": text("100"), "currency": text("XQZ"),
			"product": text("pump"), "payment": selected("cash")}, map[string]string{"currency": "XQZ"}, ""},
		{"Sale", "crm_sale", map[string]map[string]any{"customer": picked, "amount": text("1,250"), "currency": text("MYR"),
			"product": text("solar panel"), "quantity": text("3"), "payment": selected("credit"), "days": text("45")}, nil, "RM 1,250.00"},
		{"SaleUnclearMarks", "crm_sale", map[string]map[string]any{"customer": picked, "amount": text("1.500"), "product": text("pump"),
			"payment": selected("cash")}, nil, "Save RM 1,500.00"},
		{"Complaint", "crm_complaint", map[string]map[string]any{"customer": picked, "kind": selected("return"),
			"text": text("inverter stopped working"), "product": text("Inverter")}, nil, "Complaint #1"},
		{"ComplaintNoCustomer", "crm_complaint", map[string]map[string]any{"kind": selected("complaint"), "text": text("late")},
			map[string]string{"customer": "fill"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := f.interact(f.submission("UREP", tt.callback, tt.values))
			if code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			var resp struct {
				ResponseAction string            `json:"response_action"`
				Errors         map[string]string `json:"errors"`
				View           json.RawMessage   `json:"view"`
			}
			if err := json.Unmarshal([]byte(body), &resp); err != nil {
				t.Fatalf("ack %q: %v", body, err)
			}
			if tt.errors != nil {
				if resp.ResponseAction != "errors" {
					t.Fatalf("ack %s, want errors on %v", body, tt.errors)
				}
				for block, want := range tt.errors {
					if !strings.Contains(resp.Errors[block], want) {
						t.Errorf("error on %q = %q, want it to mention %q (all: %v)", block, resp.Errors[block], want, resp.Errors)
					}
				}
				if len(resp.Errors) != len(tt.errors) {
					t.Errorf("errors %v, want only %v", resp.Errors, tt.errors)
				}
				return
			}
			if resp.ResponseAction != "update" {
				t.Fatalf("ack %s, want the result in the modal", body)
			}
			contains(t, slacktest.Texts(resp.View), tt.done)
		})
	}
	c, err := f.db.Customer(context.Background(), f.customer("siti"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Stats.Orders != 1 || c.Stats.OpenComplaints != 1 || len(c.Recent) != 1 {
		t.Errorf("stats after the forms: %+v, recent %d; want 1 order, 1 open complaint, 1 contact", c.Stats, len(c.Recent))
	}
}

func TestCustomerPicker(t *testing.T) {
	f := newFixture(t, options{})
	f.run("UREP", "add Siti Nurhaliza +60 12-345 6789 siti@example.my")
	f.run("UREP", "add Tan Ah Kow 019-876 5432")
	tests := []struct {
		name, action, q string
		want            []string
	}{
		{"Name", "customer", "siti", []string{"Siti Nurhaliza"}},
		{"Prefix", "customer", "nurh", []string{"Siti Nurhaliza"}},
		{"Phone", "customer", "019-876 5432", []string{"Tan Ah Kow"}},
		{"Email", "customer", "siti@example.my", []string{"Siti Nurhaliza"}},
		{"NoMatch", "customer", "zzzz", nil},
		{"UnknownAction", "other", "siti", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := f.interact(map[string]any{"type": "block_suggestion", "team": map[string]any{"id": f.fake.TeamID},
				"user": map[string]any{"id": "UREP"}, "action_id": tt.action, "block_id": "customer", "value": tt.q})
			if code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			var resp struct {
				Options []struct {
					Text  struct{ Text string } `json:"text"`
					Value string                `json:"value"`
				} `json:"options"`
			}
			json.Unmarshal([]byte(body), &resp)
			if len(resp.Options) != len(tt.want) {
				t.Fatalf("options %s, want %v", body, tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(resp.Options[i].Text.Text, w) || resp.Options[i].Value == "" {
					t.Errorf("option %d = %+v, want %q", i, resp.Options[i], w)
				}
			}
		})
	}
}

func TestAppHome(t *testing.T) {
	f := newFixture(t, options{})
	f.run("UREP", "add Siti Nurhaliza +60 12-345 6789")
	f.run("UREP", "complaint Siti: inverter stopped working")
	f.clock.Add(20 * time.Hour) // into the next morning
	f.run("UREP", "add Tan Ah Kow 019-876 5432")
	f.run("UREP", "log Tan: called, follow up today 18:00")
	n := len(f.fake.Views())
	if code := f.event(f.fake.TeamID, "EvHome1", map[string]any{"type": "app_home_opened", "user": "UREP", "tab": "home", "channel": "DUREP"}, nil); code != 200 {
		t.Fatalf("status %d", code)
	}
	vs := f.fake.WaitViews(n+1, 10*time.Second)
	if len(vs) <= n {
		t.Fatal("home not published")
	}
	home := vs[len(vs)-1]
	if home.Method != "views.publish" || home.User != "UREP" {
		t.Fatalf("%s for %q, want views.publish for UREP", home.Method, home.User)
	}
	contains(t, home.All(), "Follow-ups", "Tan Ah Kow", "called", "Siti Nurhaliza", "1 open complaint", "New customer")

	t.Run("RepublishedOnChange", func(t *testing.T) {
		n := len(f.fake.Views())
		f.run("UREP", "remind Siti tomorrow 09:00: bring the new inverter")
		vs := f.fake.WaitViews(n+1, 10*time.Second)
		if len(vs) <= n || vs[len(vs)-1].Method != "views.publish" {
			t.Fatal("home not republished after a reminder was set")
		}
	})
	t.Run("OtherTab", func(t *testing.T) {
		f.settle()
		n := len(f.fake.Views())
		f.event(f.fake.TeamID, "EvHome2", map[string]any{"type": "app_home_opened", "user": "UREP", "tab": "messages"}, nil)
		f.settle()
		if len(f.fake.Views()) != n {
			t.Error("messages tab published a home view")
		}
	})
}

// TestEventsOnce delivers the same DM event as Slack's retries do, and to a
// second replica: one answer.
func TestEventsOnce(t *testing.T) {
	f := newFixture(t, options{})
	g := newFixture(t, options{db: f.db, fake: f.fake})
	dm := map[string]any{"type": "message", "channel_type": "im", "channel": "DUREP", "user": "UREP", "text": "help", "ts": "1.1"}
	retry := http.Header{"X-Slack-Retry-Num": {"1"}, "X-Slack-Retry-Reason": {"http_timeout"}}
	for i, fx := range []*fixture{f, f, g, g} {
		h := http.Header(nil)
		if i > 0 {
			h = retry
		}
		if code := fx.event(f.fake.TeamID, "Ev0001", dm, h); code != http.StatusOK {
			t.Fatalf("delivery %d: status %d", i, code)
		}
	}
	f.settle()
	g.settle()
	f.clock.Add(2 * time.Second)
	f.settle()
	if msgs := f.fake.Messages(); len(msgs) != 1 {
		t.Errorf("%d answers to one event, want 1", len(msgs))
	}
}

func TestOtherWorkspaceRefused(t *testing.T) {
	f := newFixture(t, options{})
	t.Run("Command", func(t *testing.T) {
		ru, body := f.command("T0THEIRS", "UMALLORY", "C0X", "find siti")
		contains(t, body, "another Slack workspace", `"ephemeral"`)
		f.settle()
		for _, m := range f.fake.Messages() {
			if m.ResponseURL == strings.TrimPrefix(ru, f.fake.URL) {
				t.Errorf("answered another workspace: %s", m.All())
			}
		}
	})
	t.Run("Event", func(t *testing.T) {
		n := len(f.fake.Messages())
		f.event("T0THEIRS", "EvX", map[string]any{"type": "message", "channel_type": "im", "channel": "DX", "user": "UMALLORY", "text": "find siti"}, nil)
		f.settle()
		if got := len(f.fake.Messages()); got != n {
			t.Errorf("%d messages to another workspace", got-n)
		}
	})
	t.Run("Submission", func(t *testing.T) {
		p := f.submission("UMALLORY", "crm_add", map[string]map[string]any{"name": text("Mallory")})
		p["team"] = map[string]any{"id": "T0THEIRS"}
		p["user"] = map[string]any{"id": "UMALLORY", "team_id": "T0THEIRS"}
		_, body := f.interact(p)
		contains(t, body, "clear")
	})
	if n, _ := f.db.CountCustomers(context.Background()); n != 0 {
		t.Errorf("another workspace added %d customers", n)
	}
	if _, err := f.h.Staff(context.Background(), "slack:UMALLORY"); err == nil {
		t.Error("a member of another workspace was enrolled")
	}
}

// TestUnhandledInput covers what Slack may send that crmbot does not act on:
// each gets a 2xx (so Slack does not retry) or a 4xx, never a 5xx.
func TestUnhandledInput(t *testing.T) {
	f := newFixture(t, options{})
	tests := []struct {
		name        string
		contentType string
		body        string
		want        int
	}{
		{"URLVerification", "application/json", `{"type":"url_verification","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}`, 200},
		{"ReactionAdded", "application/json", `{"type":"event_callback","team_id":"T0FAKE","event_id":"EvR","event":{"type":"reaction_added","user":"UREP","reaction":"thumbsup"}}`, 200},
		{"MadeUpEventType", "application/json", `{"type":"event_callback","team_id":"T0FAKE","event_id":"EvM","event":{"type":"never_heard_of_it"}}`, 200},
		{"BotMessage", "application/json", `{"type":"event_callback","team_id":"T0FAKE","event_id":"EvB","event":{"type":"message","channel_type":"im","bot_id":"B1","text":"help"}}`, 200},
		// The app's own upload to a DM comes back as a file_share from its bot user.
		{"OwnFileShare", "application/json", `{"type":"event_callback","team_id":"T0FAKE","event_id":"EvOF","event":{"type":"message","subtype":"file_share","channel_type":"im","channel":"DUREP","user":"UBOT","text":"export","files":[{"id":"F1","name":"customers.csv","url_private_download":"http://127.0.0.1/x"}]}}`, 200},
		{"FileChangedInDM", "application/json", `{"type":"event_callback","team_id":"T0FAKE","event_id":"EvFC","event":{"type":"message","subtype":"message_changed","channel_type":"im","channel":"DUREP","message":{"user":"UREP","text":"export","files":[{"id":"F1"}]}}}`, 200},
		{"BrokenJSON", "application/json", `{"type":`, 400},
		{"UnknownForm", formType, "hello=world", 400},
		{"BrokenPayload", formType, "payload=%7Bnope", 400},
		{"UnknownInteractionType", formType, "payload=" + url.QueryEscape(`{"type":"dialog_cancellation","team":{"id":"T0FAKE"}}`), 200},
		{"UnknownShortcut", formType, "payload=" + url.QueryEscape(`{"type":"shortcut","callback_id":"nope","team":{"id":"T0FAKE"},"user":{"id":"UREP"},"trigger_id":"x"}`), 200},
		{"UnknownView", formType, "payload=" + url.QueryEscape(`{"type":"view_submission","team":{"id":"T0FAKE"},"user":{"id":"UREP"},"view":{"callback_id":"other_app"}}`), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body, _ := f.post(tt.contentType, []byte(tt.body), nil)
			if code != tt.want {
				t.Errorf("status %d (%s), want %d", code, body, tt.want)
			}
			if tt.name == "URLVerification" && body != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
				t.Errorf("challenge answered %q", body)
			}
		})
	}
	f.settle()
	if n := len(f.fake.Messages()); n != 0 {
		t.Errorf("%d messages; none was asked for", n)
	}
}

// TestRateLimits sends five DM answers to one channel while Slack answers
// 429 twice: all five arrive once each, in order, none before Retry-After
// passed, and no faster than one a second.
func TestRateLimits(t *testing.T) {
	f := newFixture(t, options{})
	f.fake.Fail("chat.postMessage", http.StatusTooManyRequests, 3, 2)
	for i := range 5 {
		f.event(f.fake.TeamID, "EvRL"+string(rune('0'+i)), map[string]any{"type": "message", "channel_type": "im", "channel": "DUREP",
			"user": "UREP", "text": "find nobody" + string(rune('a'+i)), "ts": "1." + string(rune('0'+i))}, nil)
	}
	// Move the clock; the outbox sends what is due.
	f.drive(250*time.Millisecond, func() bool { return len(f.fake.Messages()) >= 5 })
	f.clock.Add(time.Minute)
	f.settle()
	msgs := f.fake.Messages()
	if len(msgs) != 5 {
		t.Fatalf("%d messages, want 5", len(msgs))
	}
	seen := map[string]bool{}
	for i, m := range msgs {
		if seen[m.All()] {
			t.Errorf("message %d sent twice", i)
		}
		seen[m.All()] = true
		if i > 0 && m.At.Sub(msgs[i-1].At) < time.Second {
			t.Errorf("messages %d and %d %s apart in one channel, want >= 1s", i-1, i, m.At.Sub(msgs[i-1].At))
		}
	}
	var limited time.Time
	for _, c := range f.fake.Calls() {
		if c.Method == "chat.postMessage" && c.Status == 429 && limited.IsZero() {
			limited = c.At
		}
	}
	if msgs[0].At.Sub(limited) < 3*time.Second {
		t.Errorf("first message %s after the 429, want >= Retry-After 3s", msgs[0].At.Sub(limited))
	}
	for i := range 5 {
		if want := "nobody" + string(rune('a'+i)); !strings.Contains(strings.Join(keys(seen), " "), want) {
			t.Errorf("no answer to request %d (%q)", i, want)
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestServerErrorsRetried(t *testing.T) {
	f := newFixture(t, options{})
	f.fake.Fail("response_url", http.StatusBadGateway, 0, 2)
	ru, _ := f.command(f.fake.TeamID, "UREP", "C0SALES", "help")
	f.drive(time.Second, func() bool { return len(f.fake.Messages()) > 0 })
	f.clock.Add(time.Minute)
	f.settle()
	m := f.reply(ru)
	contains(t, m.All(), "find")
	if n := len(f.fake.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
	var tries int
	for _, c := range f.fake.Calls() {
		if c.Method == "response_url" {
			tries++
		}
	}
	if tries != 3 {
		t.Errorf("%d tries, want 2 failures and 1 success", tries)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempts int
		want     time.Duration
	}{
		{0, time.Second}, {1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {8, 128 * time.Second},
		{9, 256 * time.Second}, {10, 5 * time.Minute}, {64, 5 * time.Minute}, {1 << 30, 5 * time.Minute},
	}
	for _, tt := range tests {
		if got := slack.Backoff(tt.attempts); got != tt.want {
			t.Errorf("Backoff(%d) = %s, want %s", tt.attempts, got, tt.want)
		}
	}
}

func TestDMConversation(t *testing.T) {
	f := newFixture(t, options{})
	f.run("UREP", "add Siti Nurhaliza +60 12-345 6789")
	dm := func(id, text string) {
		f.clock.Add(2 * time.Second) // one message a second per channel
		f.event(f.fake.TeamID, id, map[string]any{"type": "message", "channel_type": "im", "channel": "DUREP", "user": "UREP", "text": text, "ts": id}, nil)
	}
	dm("EvD1", "log Siti")
	msgs := f.fake.WaitMessages(2, 10*time.Second)
	contains(t, msgs[1].All(), "What happened")
	dm("EvD2", "called about the quotation")
	msgs = f.fake.WaitMessages(3, 10*time.Second)
	if len(msgs) < 3 {
		t.Fatal("the prompt's answer got no reply")
	}
	contains(t, msgs[2].All(), "Logged")
	if msgs[2].Channel != "DUREP" || msgs[2].Method != "chat.postMessage" {
		t.Errorf("answered by %s in %s, want chat.postMessage in the DM", msgs[2].Method, msgs[2].Channel)
	}

	t.Run("MentionInChannelIsEphemeral", func(t *testing.T) {
		n := len(f.fake.Messages())
		f.event(f.fake.TeamID, "EvM1", map[string]any{"type": "app_mention", "channel": "C0SALES", "user": "UREP", "text": "<@UBOT> find siti", "ts": "9.1"}, nil)
		msgs := f.fake.WaitMessages(n+1, 10*time.Second)
		m := msgs[len(msgs)-1]
		if m.Method != "chat.postEphemeral" || m.User != "UREP" || m.Channel != "C0SALES" {
			t.Errorf("%s to %s in %s, want ephemeral to UREP in C0SALES", m.Method, m.User, m.Channel)
		}
		contains(t, m.All(), "Siti Nurhaliza")
	})
}

func TestDeliver(t *testing.T) {
	f := newFixture(t, options{})
	var blocks []handlers.Block
	for i := range 70 {
		blocks = append(blocks, handlers.Block{Text: "line " + string(rune('A'+i%26))})
	}
	tests := []struct {
		name string
		rep  handlers.Reply
		want string
	}{
		{"Nudge", handlers.Reply{Blocks: []handlers.Block{{Heading: "Follow-up due", Text: "Call Siti <now> & then",
			Buttons: []handlers.Button{{Label: "Done", Command: "done r1"}}}}}, "Call Siti &lt;now&gt; &amp; then"},
		{"SeventyBlocks", handlers.Reply{Blocks: blocks}, "narrow the request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.clock.Add(2 * time.Second)
			n := len(f.fake.Messages())
			if err := f.bot.Deliver(context.Background(), "slack:UREP", tt.rep); err != nil {
				t.Fatal(err)
			}
			msgs := f.fake.Messages()
			if len(msgs) != n+1 {
				t.Fatalf("%d messages, want 1", len(msgs)-n)
			}
			m := msgs[n]
			if m.Channel != "DUREP" {
				t.Errorf("sent to %s, want the DM DUREP", m.Channel)
			}
			contains(t, m.All(), tt.want)
		})
	}
	if err := f.bot.Deliver(context.Background(), "telegram:1", handlers.Text("x")); err == nil {
		t.Error("delivered to a Telegram identity")
	}
}

// TestFallbackTextEscaped: what a person typed reaches the notification
// text (the fallback beside the blocks) as text, never as a mention or a link.
func TestFallbackTextEscaped(t *testing.T) {
	f := newFixture(t, options{})
	f.run("UADMIN", "add Alice Wong 0123456789")
	// Slack sends what a person typed with &, < and > escaped.
	ru, _ := f.command(f.fake.TeamID, "UADMIN", "C0SALES", "log Alice: wrote &lt;!channel&gt; and &lt;http://evil.example|Bank&gt; in the group")
	m := f.reply(ru)
	if strings.Contains(m.Text, "<!channel>") || strings.Contains(m.Text, "<http://evil.example|Bank>") {
		t.Errorf("fallback text carries markup as typed: %q", m.Text)
	}
	contains(t, m.Text, "&lt;!channel&gt;")
}

// TestWhoBecomesStaff: a full member becomes a rep on first contact; a
// guest, a Slack Connect user, a member of another team and, in invite
// mode, a member without a code get one sentence and nothing else.
func TestWhoBecomesStaff(t *testing.T) {
	f := newFixture(t, options{})
	f.run("UADMIN", "add Siti Nurhaliza 0123456789")
	f.fake.AddUser(slacktest.User{ID: "UGUEST", Name: "guest", Restricted: true})
	f.fake.AddUser(slacktest.User{ID: "USINGLE", Name: "single", UltraRestricted: true})
	f.fake.AddUser(slacktest.User{ID: "UCONNECT", Name: "partner", Stranger: true})
	f.fake.AddUser(slacktest.User{ID: "UOTHER", Name: "other", Team: "T0OTHER"})
	for _, user := range []string{"UGUEST", "USINGLE", "UCONNECT", "UOTHER"} {
		t.Run(user, func(t *testing.T) {
			got := f.run(user, "find siti")
			contains(t, got, "guests and people from other organisations")
			if strings.Contains(got, "Siti") {
				t.Errorf("refused user saw a customer:\n%s", got)
			}
			if _, err := f.db.StaffByIdentity(context.Background(), crm.Identity("slack:"+user)); crm.ErrorCode(err) != crm.ENOTFOUND {
				t.Errorf("refused user enrolled: %v", err)
			}
		})
	}
	t.Run("FullMember", func(t *testing.T) {
		contains(t, f.run("UREP", "find siti"), "Siti Nurhaliza")
	})
}

// TestEnrolByInvite: with SLACK_ENROL=invite a member needs a code; the
// code makes them staff with the invite's role, once.
func TestEnrolByInvite(t *testing.T) {
	f := newFixture(t, options{enrol: slack.EnrolInvite})
	f.run("UADMIN", "add Siti Nurhaliza 0123456789")
	got := f.run("UNEW", "find siti")
	contains(t, got, "/crm start")
	if strings.Contains(got, "Siti") {
		t.Fatalf("a member without a code saw a customer:\n%s", got)
	}
	contains(t, f.run("UNEW", "start NOSUCHCODE"), "invite")
	invite := f.run("UADMIN", "invite field")
	code := regexp.MustCompile(`: ([A-Z2-7]{16})`).FindStringSubmatch(invite)
	if code == nil {
		t.Fatalf("no code in %q", invite)
	}
	contains(t, f.run("UNEW", "start "+code[1]), "Welcome")
	contains(t, f.run("UNEW", "find siti"), "Siti Nurhaliza")
	s, err := f.db.StaffByIdentity(context.Background(), "slack:UNEW")
	if err != nil || s.Role != crm.RoleField {
		t.Errorf("enrolled as %+v, %v; want field staff", s, err)
	}
	f.fake.AddUser(slacktest.User{ID: "UGUEST", Name: "guest", Restricted: true})
	code = regexp.MustCompile(`: ([A-Z2-7]{16})`).FindStringSubmatch(f.run("UADMIN", "invite"))
	contains(t, f.run("UGUEST", "start "+code[1]), "guests and people from other organisations")
}

// TestFormerStaffRefused: a member whose access a manager took away gets one
// sentence and no data, and is not enrolled again as a member.
func TestFormerStaffRefused(t *testing.T) {
	f := newFixture(t, options{})
	f.run("UADMIN", "add Siti Nurhaliza 0123456789")
	contains(t, f.run("UREP", "find siti"), "Siti Nurhaliza")
	contains(t, f.run("UADMIN", "staff off slack:UREP"), "can no longer use crmbot")
	got := f.run("UREP", "find siti")
	if strings.Contains(got, "Siti") {
		t.Errorf("former staff was answered:\n%s", got)
	}
	contains(t, got, "private business assistant")
}
