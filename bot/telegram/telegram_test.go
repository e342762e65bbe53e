package telegram_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/crmbot/crmbot/bot/telegram"
	"github.com/crmbot/crmbot/bot/telegram/telegramtest"
	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

func TestEnrolment(t *testing.T) {
	f := newFixture(t)
	code := f.inviteCode("field")
	if !strings.HasPrefix(f.fake.Calls("sendMessage")[0].Params["text"], "Invite code") {
		t.Errorf("invite reply: %q", f.fake.Calls("sendMessage")[0].Params["text"])
	}
	expired := f.inviteCode("")

	tests := []struct {
		name string
		user int64
		text string
		want string
	}{
		{"NewStaff", 201, "/start " + code, "Welcome, User201! You are enrolled as"},
		{"ReusedCode", 202, "/start " + code, "already been used"},
		{"UnknownCode", 203, "/start NOSUCHCODE", "not valid"},
		{"StaffAgain", 201, "/start " + code, "I keep your customers"}, // already staff: help
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.say(tt.user, tt.text).Params["text"]; !strings.Contains(got, tt.want) {
				t.Errorf("reply %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("ExpiredCode", func(t *testing.T) {
		f.clock.Advance(handlers.InviteTTL + time.Hour)
		if got := f.say(204, "/start "+expired).Params["text"]; !strings.Contains(got, "expired") {
			t.Errorf("reply %q", got)
		}
	})
	t.Run("EnrolledCanWork", func(t *testing.T) {
		f.addCustomer("Siti Nurhaliza", "+60123456789")
		if got := f.say(201, "/find siti").Params["text"]; !strings.Contains(got, "Siti Nurhaliza") {
			t.Errorf("find after enrolment: %q", got)
		}
	})
}

func TestStrangersRefused(t *testing.T) {
	f := newFixture(t)
	f.addCustomer("Siti Nurhaliza", "+60123456789")
	const stranger = 666
	for _, text := range []string{"/find siti", "hello", "/show Siti Nurhaliza", "/start", "/help", "siti"} {
		f.post(textUpdate(stranger, text))
	}
	// A button press from a stranger is answered (it must be) with nothing.
	if notice := f.press(stranger, "cAAAAAAAAAAshow siti"); notice != "" {
		t.Errorf("stranger's button got %q", notice)
	}
	// Another user's message after them proves theirs were all handled.
	f.say(admin, "/help")
	got := f.fake.Messages(stranger)
	if len(got) != 3 {
		t.Errorf("stranger got %d replies, want 3 an hour", len(got))
	}
	for _, c := range got {
		text := c.Params["text"]
		if strings.Contains(text, "Siti") || strings.Contains(text, "6012") || c.Params["reply_markup"] != "" {
			t.Errorf("stranger was shown %q", text)
		}
		if !strings.Contains(text, "only for the staff") {
			t.Errorf("refusal %q", text)
		}
	}
	t.Run("AgainAfterAnHour", func(t *testing.T) {
		f.clock.Advance(61 * time.Minute)
		if got := f.say(stranger, "hi").Params["text"]; !strings.Contains(got, "only for the staff") {
			t.Errorf("refusal %q", got)
		}
	})
	t.Run("GroupIgnored", func(t *testing.T) {
		u := textUpdate(admin, "/find siti")
		u.Message.Chat = models.Chat{ID: -500, Type: models.ChatTypeGroup}
		f.post(u)
		f.say(admin, "/help")
		if n := len(f.fake.Messages(-500)); n != 0 {
			t.Errorf("group got %d messages", n)
		}
	})
	t.Run("LeavesGroupOfStranger", func(t *testing.T) {
		f.post(&models.Update{MyChatMember: &models.ChatMemberUpdated{Chat: models.Chat{ID: -600, Type: models.ChatTypeGroup},
			From: *user(stranger), NewChatMember: models.ChatMember{Type: models.ChatMemberTypeMember,
				Member: &models.ChatMemberMember{Status: models.ChatMemberTypeMember, User: &models.User{ID: 777, IsBot: true}}},
			OldChatMember: models.ChatMember{Type: models.ChatMemberTypeLeft,
				Left: &models.ChatMemberLeft{Status: models.ChatMemberTypeLeft, User: &models.User{ID: 777, IsBot: true}}}}})
		f.wait(func(s *telegramtest.Server) bool { return len(s.Served("leaveChat")) == 1 })
	})
	t.Run("IgnoredKinds", func(t *testing.T) {
		edited := msg(admin)
		edited.Text = "/find siti"
		f.post(&models.Update{EditedMessage: edited})
		f.post(&models.Update{ChannelPost: edited})
		sticker := msg(admin)
		sticker.Sticker = &models.Sticker{FileID: "stk"}
		before := len(f.fake.Messages(admin))
		f.post(&models.Update{Message: sticker})
		if got := f.reply(admin, before).Params["text"]; !strings.Contains(got, "I read text") {
			t.Errorf("sticker answered %q", got)
		}
	})
}

func TestCommands(t *testing.T) {
	f := newFixture(t)
	f.addCustomer("Siti Nurhaliza", "+60123456789")
	tests := []struct{ name, text, want string }{
		{"Help", "/help", "I keep your customers"},
		{"HelpTopic", "/help log", "Log a call"},
		{"Add", "/add Tan Ah Kow 019-876 5432", "Added Tan Ah Kow"},
		{"Find", "/find siti", "Siti Nurhaliza"},
		{"FindWithBotName", "/find@crmbot_test_bot tan", "Tan Ah Kow"},
		{"TypedWithoutSlash", "find siti", "Siti Nurhaliza"},
		{"BareWordsFind", "siti", "Siti Nurhaliza"},
		{"Show", "/show Siti Nurhaliza", "+60 12-345 6789"},
		{"Edit", "/edit Siti: hobby=golf", "hobby=golf"},
		{"Log", "/log Siti: called about the quotation, follow up tomorrow", "Logged call with Siti Nurhaliza"},
		{"Sale", "/sale Siti: 1250 MYR solar panel x3 card", "Sale #1 recorded for Siti Nurhaliza"},
		{"Complaint", "/complaint Siti: inverter stopped working", "Complaint #1 filed"},
		{"Resolve", "/resolve 1: replaced the inverter, customer satisfied", "Complaint #1 resolved"},
		{"Remind", "/remind Siti 2026-12-01 09:00: send new catalogue", "I will remind you about Siti Nurhaliza"},
		{"Followups", "/followups", ""},
		{"Invite", "/invite", "Invite code"},
		{"Unknown", "/frobnicate", "frobnicate"},
		{"Lang", "/lang ms", "Saya akan"},
		{"LangBack", "/lang en", "I will answer in English"},
		{"Digest", "/digest", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := f.say(admin, tt.text).Params
			if got["parse_mode"] != "HTML" {
				t.Errorf("parse_mode %q", got["parse_mode"])
			}
			if !strings.Contains(got["text"], tt.want) {
				t.Errorf("%s: reply %q, want %q", tt.text, got["text"], tt.want)
			}
		})
	}
	t.Run("Menus", func(t *testing.T) {
		langs := map[string]bool{}
		for _, c := range f.fake.Served("setMyCommands") {
			if strings.Contains(c.Params["scope"], "chat") {
				continue
			}
			langs[c.Params["language_code"]] = true
			if !strings.Contains(c.Params["commands"], `"command":"find"`) || !strings.Contains(c.Params["commands"], `"command":"cancel"`) {
				t.Errorf("menu %s lacks commands: %s", c.Params["language_code"], c.Params["commands"])
			}
		}
		for _, l := range []string{"", "en", "ms", "id", "zh", "hi"} {
			if !langs[l] {
				t.Errorf("no menu for language_code %q", l)
			}
		}
		// "lang ms" gave this chat its own menu in Malay.
		var chatMenus int
		for _, c := range f.fake.Served("setMyCommands") {
			if strings.Contains(c.Params["scope"], `"chat_id":100`) {
				chatMenus++
			}
		}
		if chatMenus != 2 {
			t.Errorf("%d chat menus after two lang commands, want 2", chatMenus)
		}
	})
}

func TestButtons(t *testing.T) {
	f := newFixture(t)
	siti := f.addCustomer("Siti Nurhaliza", "+60123456789")
	f.addCustomer("Siti Aminah", "+60123450000")

	list := f.say(admin, "/find siti")
	if n := len(buttons(t, list)); n != 2 {
		t.Fatalf("ambiguous name offers %d buttons: %s", n, list.Params["reply_markup"])
	}
	before := len(f.fake.Messages(admin))
	if notice := f.press(admin, button(t, list, "Nurhaliza").CallbackData); notice != "" {
		t.Errorf("notice %q", notice)
	}
	card := f.reply(admin, before)
	if !strings.Contains(card.Params["text"], "Siti Nurhaliza") {
		t.Fatalf("card %q", card.Params["text"])
	}

	long := "/log siti: " + strings.Repeat("talked about the new solar package ", 3)
	cands := f.say(admin, long)
	token := button(t, cands, "Nurhaliza").CallbackData
	t.Run("LongCommandBehindToken", func(t *testing.T) {
		if !strings.HasPrefix(token, "t") || len(token) != 17 {
			t.Fatalf("callback data %q", token)
		}
		before := len(f.fake.Messages(admin))
		f.press(admin, token)
		if got := f.reply(admin, before).Params["text"]; !strings.Contains(got, "with Siti Nurhaliza") {
			t.Errorf("reply %q", got)
		}
	})
	t.Run("GuidedLogWithQuickAnswer", func(t *testing.T) {
		before := len(f.fake.Messages(admin))
		f.press(admin, button(t, card, "Log call").CallbackData)
		if got := f.reply(admin, before).Params["text"]; !strings.Contains(got, "What happened?") {
			t.Fatalf("prompt %q", got)
		}
		q := f.say(admin, "asked about <prices> & terms")
		if !strings.Contains(q.Params["text"], "Follow up when?") {
			t.Fatalf("question %q", q.Params["text"])
		}
		before = len(f.fake.Messages(admin))
		f.press(admin, button(t, q, "Next week").CallbackData)
		got := f.reply(admin, before).Params["text"]
		if !strings.Contains(got, "Logged call with Siti Nurhaliza") || !strings.Contains(got, "&lt;prices&gt; &amp; terms") || !strings.Contains(got, "Follow-up") {
			t.Errorf("reply %q", got)
		}
	})
	t.Run("StaleOrForged", func(t *testing.T) {
		tests := []struct{ name, data, want string }{
			{"Forged", "cAAAAAAAAAAshow #" + string(siti.ID), "did not make"},
			{"UnknownShape", "xyz", "did not make"},
			{"OtherChat", "", "did not make"},
			{"ExpiredToken", token, "expired"},
			{"UnknownToken", "tAAAAAAAAAAAAAAAA", "expired"},
		}
		// A signed button from the admin's chat pressed by another staff member.
		f.enrol(301)
		tests[2].data = button(t, card, "Log visit").CallbackData
		f.clock.Advance(31 * 24 * time.Hour)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				from := admin
				if tt.name == "OtherChat" {
					from = 301
				}
				before := len(f.fake.Messages(from))
				if notice := f.press(from, tt.data); !strings.Contains(notice, tt.want) {
					t.Errorf("notice %q, want %q", notice, tt.want)
				}
				f.say(from, "/help") // the press sent nothing before this
				if got := f.fake.Messages(from)[before].Params["text"]; !strings.Contains(got, "I keep your customers") {
					t.Errorf("press sent %q", got)
				}
			})
		}
	})
}

func TestConversationSurvivesRestart(t *testing.T) {
	f := newFixture(t)
	f.addCustomer("Siti Nurhaliza", "+60123456789")
	if got := f.say(admin, "/log visit").Params["text"]; !strings.Contains(got, "Which customer?") {
		t.Fatalf("guided start %q", got)
	}
	f.halt()
	f.start() // a new process on the same store
	if got := f.say(admin, "siti").Params["text"]; !strings.Contains(got, "What happened?") {
		t.Fatalf("after restart %q", got)
	}
	if got := f.say(admin, "demo done, wants 3 units, follow up friday").Params["text"]; !strings.Contains(got, "Logged visit with Siti Nurhaliza") {
		t.Fatalf("log %q", got)
	}

	t.Run("Cancel", func(t *testing.T) {
		f.say(admin, "/complaint")
		if got := f.say(admin, "/cancel").Params["text"]; !strings.Contains(got, "Cancelled") {
			t.Errorf("cancel %q", got)
		}
		if got := f.say(admin, "siti").Params["text"]; !strings.Contains(got, "Siti Nurhaliza") || strings.Contains(got, "What") {
			t.Errorf("after cancel %q", got)
		}
	})
	t.Run("ExpiresAfter30Minutes", func(t *testing.T) {
		f.say(admin, "/sale")
		f.clock.Advance(31 * time.Minute)
		if got := f.say(admin, "siti").Params["text"]; strings.Contains(got, "amount") || !strings.Contains(got, "Siti Nurhaliza") {
			t.Errorf("expired conversation still answered: %q", got)
		}
	})
	t.Run("GuidedRemind", func(t *testing.T) {
		f.say(admin, "/remind")
		q := f.say(admin, "siti")
		if !strings.Contains(q.Params["text"], "When should I remind you?") {
			t.Fatalf("when %q", q.Params["text"])
		}
		before := len(f.fake.Messages(admin))
		f.press(admin, button(t, q, "Tomorrow").CallbackData)
		if got := f.reply(admin, before).Params["text"]; !strings.Contains(got, "What should the reminder say?") {
			t.Fatalf("what %q", got)
		}
		if got := f.say(admin, "bring the brochure").Params["text"]; !strings.Contains(got, "I will remind you about Siti Nurhaliza on 2026-03-03 09:00") {
			t.Errorf("reminder %q", got)
		}
	})
	t.Run("LanguageButtons", func(t *testing.T) {
		q := f.say(admin, "/lang")
		if n := len(buttons(t, q)); n != 6 {
			t.Fatalf("%d language buttons", n)
		}
		before := len(f.fake.Messages(admin))
		f.press(admin, button(t, q, "Bahasa Indonesia").CallbackData)
		if got := f.reply(admin, before).Params["text"]; strings.Contains(got, "English") {
			t.Errorf("lang reply %q", got)
		}
	})
}

func TestContactLocationPhotoVoice(t *testing.T) {
	f := newFixture(t)
	siti := f.addCustomer("Siti Nurhaliza", "+60123456789")
	ctx := context.Background()

	t.Run("KnownContact", func(t *testing.T) {
		m := msg(admin)
		m.Contact = &models.Contact{PhoneNumber: "60123456789", FirstName: "Siti"}
		before := len(f.fake.Messages(admin))
		f.post(&models.Update{Message: m})
		if got := f.reply(admin, before).Params["text"]; !strings.Contains(got, "Siti Nurhaliza") {
			t.Errorf("contact %q", got)
		}
	})
	t.Run("NewContact", func(t *testing.T) {
		m := msg(admin)
		m.Contact = &models.Contact{PhoneNumber: "+60198765432", FirstName: "Tan", LastName: "Ah Kow"}
		before := len(f.fake.Messages(admin))
		f.post(&models.Update{Message: m})
		offer := f.reply(admin, before)
		if !strings.Contains(offer.Params["text"], "Tan Ah Kow (+60 19-876 5432) is not a customer yet") {
			t.Fatalf("offer %q", offer.Params["text"])
		}
		before = len(f.fake.Messages(admin))
		f.press(admin, button(t, offer, "Add").CallbackData)
		if got := f.reply(admin, before).Params["text"]; !strings.Contains(got, "Added Tan Ah Kow") {
			t.Errorf("add %q", got)
		}
	})
	t.Run("LocationAndVoiceKeptWithVisit", func(t *testing.T) {
		card := f.say(admin, "/show Siti Nurhaliza")
		before := len(f.fake.Messages(admin))
		f.press(admin, button(t, card, "Log visit").CallbackData)
		f.reply(admin, before)
		loc := msg(admin)
		loc.Location = &models.Location{Latitude: 3.139003, Longitude: 101.686855}
		before = len(f.fake.Messages(admin))
		f.post(&models.Update{Message: loc})
		if got := f.reply(admin, before).Params["text"]; !strings.Contains(got, "Location noted") {
			t.Fatalf("location %q", got)
		}
		voice := msg(admin)
		voice.Voice = &models.Voice{FileID: "VOICE1", Duration: 4}
		before = len(f.fake.Messages(admin))
		f.post(&models.Update{Message: voice})
		if got := f.reply(admin, before).Params["text"]; !strings.Contains(got, "Voice note kept") {
			t.Fatalf("voice %q", got)
		}
		if got := f.say(admin, "demo done, follow up next week").Params["text"]; !strings.Contains(got, "3.139003,101.686855") {
			t.Errorf("visit reply lacks the location: %q", got)
		}
		c, err := f.db.Customer(ctx, siti.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := c.Recent[len(c.Recent)-1]
		if last.Kind != crm.KindVisit || last.Location != "3.139003,101.686855" || len(last.Attachments) != 1 || last.Attachments[0] != "telegram:voice:VOICE1" {
			t.Errorf("visit stored as %+v", last)
		}
	})
	t.Run("PhotoWithComplaint", func(t *testing.T) {
		m := msg(admin)
		m.Photo = []models.PhotoSize{{FileID: "small"}, {FileID: "PHOTO1"}}
		m.Caption = "/complaint Siti Nurhaliza: panel cracked"
		before := len(f.fake.Messages(admin))
		f.post(&models.Update{Message: m})
		if got := f.reply(admin, before).Params["text"]; !strings.Contains(got, "Complaint #1 filed") {
			t.Fatalf("complaint %q", got)
		}
		cp, err := f.db.Complaint(ctx, 1)
		if err != nil || len(cp.Photos) != 1 || cp.Photos[0] != "telegram:photo:PHOTO1" {
			t.Errorf("complaint photos %v %v", cp, err)
		}
	})
	t.Run("PhotoAfterComplaint", func(t *testing.T) {
		m := msg(admin)
		m.Photo = []models.PhotoSize{{FileID: "PHOTO2"}}
		before := len(f.fake.Messages(admin))
		f.post(&models.Update{Message: m})
		if got := f.reply(admin, before).Params["text"]; !strings.Contains(got, "Which complaint") {
			t.Fatalf("question %q", got)
		}
		if got := f.say(admin, "1").Params["text"]; !strings.Contains(got, "Photo added to complaint #1") {
			t.Fatalf("attach %q", got)
		}
		cp, _ := f.db.Complaint(ctx, 1)
		if len(cp.Photos) != 2 {
			t.Errorf("complaint photos %v", cp.Photos)
		}
	})
	t.Run("PlaybackFromCard", func(t *testing.T) {
		card := f.say(admin, "/show Siti Nurhaliza")
		b := button(t, card, "voice notes (3)")
		before := len(f.fake.Messages(admin))
		f.press(admin, b.CallbackData)
		got := f.messages(admin, before+3)[before:]
		var voices, photos []string
		for _, c := range got {
			switch c.Method {
			case "sendVoice":
				voices = append(voices, c.Params["voice"])
			case "sendPhoto":
				photos = append(photos, c.Params["photo"])
			}
		}
		if strings.Join(voices, ",") != "VOICE1" || strings.Join(photos, ",") != "PHOTO1,PHOTO2" {
			t.Errorf("played back voices %v photos %v", voices, photos)
		}
	})
}

func TestRepeatedUpdateHandledOnce(t *testing.T) {
	f := newFixture(t)
	u := textUpdate(admin, "/add Siti Nurhaliza 0123456789")
	u.ID = 4242
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() { defer wg.Done(); f.post(u) }()
	}
	wg.Wait()
	f.post(u)
	f.say(admin, "/help") // handled after the five
	if n := len(f.fake.Messages(admin)); n != 2 {
		t.Errorf("%d replies, want one for the update and one for help", n)
	}
	cs, _, err := f.db.FindCustomers(context.Background(), "siti", 10)
	if err != nil || len(cs) != 1 {
		t.Errorf("customers %d %v", len(cs), err)
	}
	t.Run("AfterRestart", func(t *testing.T) {
		f.halt()
		f.start()
		f.post(u)
		f.say(admin, "/help")
		if n := len(f.fake.Messages(admin)); n != 3 {
			t.Errorf("%d replies after restart, want 3", n)
		}
	})
}

func TestWebhookSecret(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, method, secret, body string
		want                       int
	}{
		{"Missing", http.MethodPost, "", `{"update_id":1}`, http.StatusForbidden},
		{"Wrong", http.MethodPost, "s3cret-webhooK", `{"update_id":1}`, http.StatusForbidden},
		{"Prefix", http.MethodPost, "s3cret", `{"update_id":1}`, http.StatusForbidden},
		{"Right", http.MethodPost, secret, `{"update_id":2}`, http.StatusOK},
		{"NotJSON", http.MethodPost, secret, `{update`, http.StatusBadRequest},
		{"NoID", http.MethodPost, secret, `{}`, http.StatusBadRequest},
		{"Get", http.MethodGet, secret, ``, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, f.hook.URL, strings.NewReader(tt.body))
			if tt.secret != "" {
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", tt.secret)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
	// A forged update with a valid shape is not stored: its id is still free.
	f.post(&models.Update{ID: 1, Message: textUpdate(admin, "/help").Message})
	f.messages(admin, 1)
	if url, sec := f.fake.Webhook(); url != "https://crm.example/telegram/webhook" || sec != secret {
		t.Errorf("setWebhook %q %q", url, sec)
	}
}

func TestNoLostOrDoubledRepliesUnder429(t *testing.T) {
	f := newFixture(t)
	users := []int64{admin}
	for i := int64(1); i <= 4; i++ {
		f.enrol(400 + i)
		users = append(users, 400+i)
	}
	base := map[int64]int{}
	for _, u := range users {
		base[u] = len(f.fake.Messages(u))
	}
	// The next 25 sends are refused with 429, retry after 3 seconds.
	var mu sync.Mutex
	refused := 0
	f.fake.FailWhen(func(method string, _ map[string]string) *telegramtest.Failure {
		mu.Lock()
		defer mu.Unlock()
		if method == "sendMessage" && refused < 25 {
			refused++
			return &telegramtest.Failure{Status: http.StatusTooManyRequests, RetryAfter: 3, Description: "Too Many Requests: retry after 3"}
		}
		return nil
	})
	const each = 6
	want := map[int64][]string{}
	for i := range each {
		for _, u := range users {
			name := fmt.Sprintf("Customer %d %c", u, 'A'+i)
			f.postAsync(textUpdate(u, "/add "+name)) // a burst: nothing waits for replies
			want[u] = append(want[u], "Added "+name+".")
		}
	}
	for _, u := range users {
		f.messages(u, base[u]+each)
	}
	// Anything still queued for a chat would be sent before this.
	if err := f.tr.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		f.say(u, "/help")
	}
	for _, u := range users {
		var adds []string
		for _, c := range f.fake.Messages(u)[base[u]:] {
			if strings.HasPrefix(c.Params["text"], "Added ") {
				adds = append(adds, strings.SplitN(c.Params["text"], "\n", 2)[0])
			}
		}
		if strings.Join(adds, "|") != strings.Join(want[u], "|") {
			t.Errorf("user %d got %q, want %q (each once, in order)", u, adds, want[u])
		}
	}
	mu.Lock()
	if refused != 25 {
		t.Errorf("%d sends were refused, want 25", refused)
	}
	mu.Unlock()
	waited := false
	for _, d := range f.clock.Slept() {
		waited = waited || d == 3*time.Second
	}
	if !waited {
		t.Errorf("never waited retry_after: %v", f.clock.Slept())
	}
}

func TestOutboxRetriesAcrossLeaseAndRestart(t *testing.T) {
	f := newFixture(t)
	// Five 500s in a row: the in-place retries give up and the message is
	// released with a next attempt; a recovery pass later sends it once.
	f.fake.FailNext("sendMessage", telegramtest.Failure{Status: 500}, telegramtest.Failure{Status: 502},
		telegramtest.Failure{Status: 500}, telegramtest.Failure{Status: 503}, telegramtest.Failure{Status: 500})
	f.post(textUpdate(admin, "/help"))
	f.wait(func(s *telegramtest.Server) bool { return len(s.Calls("sendMessage")) == 4 })
	f.halt() // the message waits in the store
	f.clock.Advance(time.Hour)
	f.start()
	if err := f.tr.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.messages(admin, 1)
	f.say(admin, "/help")
	if n := len(f.fake.Messages(admin)); n != 2 {
		t.Errorf("%d messages delivered, want 2", n)
	}
}

func TestUpdateAcceptedBeforeCrashIsHandled(t *testing.T) {
	f := newFixture(t)
	f.halt()
	// A replica that stored the update and answered 200, then died.
	dead, err := telegram.New(context.Background(), f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	hook := telegramtestServer(t, dead)
	u := textUpdate(admin, "/add Siti 0123456789")
	u.ID = 9001
	code, err := telegramtest.PostWebhook(context.Background(), http.DefaultClient, hook, secret, u)
	if err != nil || code != http.StatusOK {
		t.Fatalf("post: %d %v", code, err)
	}
	f.start()
	f.clock.Advance(3 * time.Minute) // past the dead replica's lease
	if err := f.tr.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.messages(admin, 1)[0].Params["text"]; !strings.Contains(got, "Added Siti") {
		t.Errorf("reply %q", got)
	}
}

func TestDeliver(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	rep := handlers.Reply{Blocks: []handlers.Block{{Heading: "Digest <today>", Text: "3 follow-ups", Buttons: []handlers.Button{{Label: "Open", Command: "followups"}}}}}
	if err := f.tr.Deliver(ctx, "telegram:100", rep); err != nil {
		t.Fatal(err)
	}
	got := f.fake.Messages(admin)
	if len(got) != 1 || got[0].Params["text"] != "<b>Digest &lt;today&gt;</b>\n3 follow-ups" {
		t.Errorf("delivered %v", got)
	}
	f.fake.FailNext("sendMessage", telegramtest.Failure{Status: 403, Description: "Forbidden: bot was blocked by the user"})
	if err := f.tr.Deliver(ctx, "telegram:100", rep); err == nil {
		t.Error("Deliver to a blocked chat succeeded")
	}
	if err := f.tr.Deliver(ctx, "slack:U1", rep); err == nil {
		t.Error("Deliver to a Slack identity succeeded")
	}
}

func TestTokenNeverInErrors(t *testing.T) {
	dead := telegramtest.New(token)
	url := dead.URL
	dead.Close()
	cfg := telegram.Config{Token: token, APIURL: url, Handler: mustHandler(t), Store: server}
	_, err := telegram.New(context.Background(), cfg)
	if err == nil || strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "TEST-token") {
		t.Errorf("error %v", err)
	}
	fake := telegramtest.New(token)
	defer fake.Close()
	cfg.APIURL, cfg.Token = fake.URL, "999:wrong"
	if _, err := telegram.New(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "TELEGRAM_BOT_TOKEN") || strings.Contains(err.Error(), "999:wrong") {
		t.Errorf("wrong token: %v", err)
	}
}

func TestPollingLease(t *testing.T) {
	// Idle waits are short and real here; the lease runs on the test clock.
	f := newFixture(t, func(c *telegram.Config) {
		c.WebhookURL, c.WebhookSecret, c.PollTimeout = "", "", time.Second
		c.Sleep = func(ctx context.Context, d time.Duration) error {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(5 * time.Millisecond):
				return nil
			}
		}
	})
	// The fixture's transport polls; a second replica on the same store waits.
	cfg := f.cfg
	cfg.Replica = "second"
	second, err := telegram.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- second.Run(ctx) }()
	defer func() { cancel(); <-done }()

	for i := range 5 {
		u := textUpdate(admin, "/help")
		u.ID = int64(7000 + i)
		f.fake.PushUpdate(u)
	}
	f.messages(admin, 5)
	if n := len(f.fake.Calls("getUpdates")); n == 0 {
		t.Fatal("no getUpdates")
	}
	for _, c := range f.fake.Calls("getUpdates") {
		if c.Status == http.StatusConflict {
			t.Errorf("two replicas polled at once")
		}
	}
	// The poller stops; once its lease lapses the second replica takes over.
	f.halt()
	f.clock.Advance(time.Minute)
	u := textUpdate(admin, "/help")
	u.ID = 7100
	f.fake.PushUpdate(u)
	f.messages(admin, 6)
	f.fake.PushUpdate(u) // Telegram resends: handled once
	u2 := textUpdate(admin, "/help")
	u2.ID = 7101
	f.fake.PushUpdate(u2)
	f.messages(admin, 7)
	if err := f.fake.WaitFor(ctxTimeout(t), func(s *telegramtest.Server) bool { return s.Pending() == 0 }); err != nil {
		t.Fatal(err)
	}
	if n := len(f.fake.Messages(admin)); n != 7 {
		t.Errorf("%d replies, want 7", n)
	}
}

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustHandler(t *testing.T) *handlers.Handler {
	cat, err := handlers.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	h, err := handlers.New(handlers.Config{Store: server, Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func telegramtestServer(t *testing.T, h http.Handler) string {
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL
}

// TestMenuNeverDelaysServing: a Bot API that fails setMyCommands, with every
// retry wait held open, still gets updates answered; the menu is cosmetic.
func TestMenuNeverDelaysServing(t *testing.T) {
	f := newFixture(t, func(c *telegram.Config) {
		c.Sleep = func(ctx context.Context, _ time.Duration) error { <-ctx.Done(); return ctx.Err() }
	})
	f.halt()
	f.fake.FailWhen(func(method string, _ map[string]string) *telegramtest.Failure {
		if method == "setMyCommands" {
			return &telegramtest.Failure{Status: 500, Description: "Internal Server Error"}
		}
		return nil
	})
	f.start()
	if got := f.say(admin, "/help").Params["text"]; !strings.Contains(got, "I keep your customers") {
		t.Errorf("help while the menu is failing: %q", got)
	}
}

// TestFormerStaffRefused: once a manager takes a field worker's access
// away, the worker's next message gets the strangers' refusal and no data,
// and a fresh invite cannot bring the same account back in by the side door.
func TestFormerStaffRefused(t *testing.T) {
	f := newFixture(t)
	f.addCustomer("Siti Nurhaliza", "+60123456789")
	const worker = 404
	f.enrol(worker)
	if got := f.say(worker, "/find siti").Params["text"]; !strings.Contains(got, "Siti Nurhaliza") {
		t.Fatalf("enrolled worker's find: %q", got)
	}
	if got := f.say(admin, "/staff off telegram:404").Params["text"]; !strings.Contains(got, "can no longer use crmbot") {
		t.Fatalf("staff off: %q", got)
	}
	got := f.say(worker, "/find siti").Params["text"]
	if strings.Contains(got, "Siti") || strings.Contains(got, "6012") || !strings.Contains(got, "only for the staff") {
		t.Errorf("former worker was answered %q", got)
	}
	code := f.inviteCode("field")
	f.clock.Advance(61 * time.Minute) // past the hourly limit on refusals
	if got := f.say(worker, "/start "+code).Params["text"]; strings.Contains(got, "Welcome") {
		t.Errorf("a former worker re-enrolled with an invite: %q", got)
	}
	// The code was not used up: a new person can still redeem it.
	if got := f.say(405, "/start "+code).Params["text"]; !strings.Contains(got, "Welcome") {
		t.Errorf("the code after a former worker tried it: %q", got)
	}
}

// TestDeliverInPartsOnce: a nudge too long for one message goes out in
// parts; the parts after the first survive failures in the outbox, and a
// repeated Deliver of the same keyed nudge (its mark was lost) sends no
// part but the first twice.
func TestDeliverInPartsOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var text strings.Builder
	for i := range 40 {
		fmt.Fprintf(&text, "%d. %s\n", i+1, strings.Repeat("a follow-up line for today ", 10))
	}
	rep := handlers.Reply{Key: "digest:s1:2026-03-02", Blocks: []handlers.Block{{Text: text.String()}}}
	calls := 0
	f.fake.FailWhen(func(method string, _ map[string]string) *telegramtest.Failure {
		if method != "sendMessage" {
			return nil
		}
		calls++
		if calls == 2 || calls == 3 { // the second part, twice
			return &telegramtest.Failure{Status: 502, Description: "Bad Gateway"}
		}
		return nil
	})
	if err := f.tr.Deliver(ctx, "telegram:100", rep); err != nil {
		t.Fatal(err)
	}
	f.idle()
	parts := f.fake.Messages(admin)
	if len(parts) < 3 {
		t.Fatalf("%d parts sent, want the reply in 3 or more", len(parts))
	}
	if err := f.tr.Deliver(ctx, "telegram:100", rep); err != nil {
		t.Fatal(err)
	}
	f.idle()
	again := f.fake.Messages(admin)
	if len(again) != len(parts)+1 || again[len(parts)].Params["text"] != parts[0].Params["text"] {
		t.Errorf("after a repeat: %d messages, want %d (the first part once more)", len(again), len(parts)+1)
	}
	seen := map[string]int{}
	for _, m := range again {
		seen[m.Params["text"]]++
	}
	for i, p := range parts[1:] {
		if n := seen[p.Params["text"]]; n != 1 {
			t.Errorf("part %d sent %d times, want once", i+2, n)
		}
	}
}
