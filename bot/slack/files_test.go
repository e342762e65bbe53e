package slack_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crmbot/crmbot/bot/slack/slacktest"
	"github.com/crmbot/crmbot/handlers"
)

const customersCSV = "Nama,No. Telefon,Bandar\nSiti Nurhaliza,012-345 6789,Kuala Lumpur\nTan Ah Kow,019-876 5432,Penang\n"

// deliverEvent sends an Events API callback the way the fixture's mode
// receives it: signed HTTP, or an envelope over the socket.
func (f *fixture) deliverEvent(socket bool, id string, inner map[string]any) {
	f.t.Helper()
	if !socket {
		if code := f.event(f.fake.TeamID, id, inner, nil); code != http.StatusOK {
			f.t.Fatalf("event %s: status %d", id, code)
		}
		return
	}
	ev := map[string]any{"type": "event_callback", "team_id": f.fake.TeamID, "api_app_id": "AFAKE", "event_id": id, "event": inner}
	if _, _, err := f.fake.Send(slacktest.Envelope{Type: "events_api", Payload: ev}, 5*time.Second); err != nil {
		f.t.Fatal(err)
	}
}

// press presses a button of a message in channel as user, over HTTP or the
// socket, and returns the response_url Slack gave the action.
func (f *fixture) press(socket bool, user, channel, actionID, value string) string {
	f.t.Helper()
	ru := f.fake.ResponseURL()
	p := map[string]any{"type": "block_actions", "team": map[string]any{"id": f.fake.TeamID},
		"user": map[string]any{"id": user}, "channel": map[string]any{"id": channel}, "response_url": ru,
		"trigger_id": f.fake.TriggerID(), "actions": []map[string]any{{"action_id": actionID, "block_id": "b1", "value": value, "type": "button"}}}
	if socket {
		if _, _, err := f.fake.Send(slacktest.Envelope{Type: "interactive", Payload: p}, 5*time.Second); err != nil {
			f.t.Fatal(err)
		}
		return ru
	}
	if code, body := f.interact(p); code != http.StatusOK {
		f.t.Fatalf("action status %d %s", code, body)
	}
	return ru
}

// share is a message event of user sharing files in their DM with the app.
func share(user, text, ts string, files ...any) map[string]any {
	return map[string]any{"type": "message", "subtype": "file_share", "channel_type": "im", "channel": "D" + user,
		"user": user, "text": text, "ts": ts, "files": files, "upload": false}
}

// until moves the clock and sends what is due until cond holds, for up to
// 30 s of real time. It does not wait on Settle: over the socket, work
// may still be starting when the ack has arrived.
func (f *fixture) until(cond func() bool) bool {
	f.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() && time.Now().Before(deadline) {
		f.clock.Add(250 * time.Millisecond)
		if _, err := f.bot.Flush(context.Background()); err != nil {
			f.t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return cond()
}

// waitMessage moves the clock until a message matching cond was accepted.
func (f *fixture) waitMessage(what string, cond func(slacktest.Message) bool) slacktest.Message {
	f.t.Helper()
	var got slacktest.Message
	found := func() bool {
		for _, m := range f.fake.Messages() {
			if cond(m) {
				got = m
				return true
			}
		}
		return false
	}
	if !f.until(found) {
		var all []string
		for _, m := range f.fake.Messages() {
			all = append(all, m.Method+" "+m.Channel+": "+clipText(m.All(), 80))
		}
		f.t.Fatalf("no message %s; messages:\n%s", what, strings.Join(all, "\n"))
	}
	return got
}

// waitUploads moves the clock until n uploads were completed.
func (f *fixture) waitUploads(n int) []slacktest.Upload {
	f.t.Helper()
	if !f.until(func() bool { return len(f.fake.Uploads()) >= n }) {
		f.t.Fatalf("%d uploads, want %d", len(f.fake.Uploads()), n)
	}
	return f.fake.Uploads()
}

func clipText(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > n {
		return s[:n]
	}
	return s
}

func inChannel(channel string, want ...string) func(slacktest.Message) bool {
	return func(m slacktest.Message) bool {
		if m.Channel != channel {
			return false
		}
		for _, w := range want {
			if !strings.Contains(m.All(), w) {
				return false
			}
		}
		return true
	}
}

// buttonIn returns the action id and value of the button whose label starts with label.
func buttonIn(t *testing.T, m slacktest.Message, label string) (string, string) {
	t.Helper()
	var blocks []struct {
		Type     string `json:"type"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
			Text     struct {
				Text string `json:"text"`
			} `json:"text"`
		} `json:"elements"`
	}
	json.Unmarshal(m.Blocks, &blocks)
	for _, b := range blocks {
		for _, e := range b.Elements {
			if strings.HasPrefix(e.Text.Text, label) {
				return e.ActionID, e.Value
			}
		}
	}
	t.Fatalf("no %q button in %s", label, m.Blocks)
	return "", ""
}

// TestFileImport shares a customer list in the DM, over HTTP and over the
// socket: the bot downloads it with the bot token, answers with the dry run
// and an Import button, imports once however often the button is pressed,
// and shows progress on the way.
func TestFileImport(t *testing.T) {
	for _, mode := range []struct {
		name   string
		socket bool
	}{{"HTTP", false}, {"SocketMode", true}} {
		t.Run(mode.name, func(t *testing.T) {
			f := newFixture(t, options{socket: mode.socket})
			ctx := context.Background()
			file := f.fake.AddFile("UADMIN", "pelanggan.csv", "text/csv", []byte(customersCSV))
			f.deliverEvent(mode.socket, "EvF1", share("UADMIN", "", "1.1", file))
			checked := f.waitMessage("with the dry run", inChannel("DUADMIN", "Checked pelanggan.csv", "Would add 2 new"))
			if n, _ := f.db.CountCustomers(ctx); n != 0 {
				t.Fatalf("the dry run wrote %d customers", n)
			}
			if got := f.fake.Downloads()[file.ID]; got != 1 {
				t.Errorf("%d downloads, want 1", got)
			}
			action, value := buttonIn(t, checked, "Import 2")

			f.press(mode.socket, "UADMIN", "DUADMIN", action, value)
			f.waitMessage("saying it imported", inChannel("DUADMIN", "Imported pelanggan.csv"))
			f.waitMessage("with progress", inChannel("DUADMIN", "Importing pelanggan.csv: 2 rows"))
			if n, _ := f.db.CountCustomers(ctx); n != 2 {
				t.Fatalf("%d customers after the import, want 2", n)
			}

			ru := f.press(mode.socket, "UADMIN", "DUADMIN", action, value)
			contains(t, f.reply(ru).All(), "no longer waiting")
			if n, _ := f.db.CountCustomers(ctx); n != 2 {
				t.Errorf("%d customers after a second press, want 2", n)
			}
		})
	}
}

// TestFileShares covers the other ways a shared file turns out: refused
// for a rep, a download that fails, a file Slack describes only by id, a
// mention with a file, several files at once.
func TestFileShares(t *testing.T) {
	f := newFixture(t, options{})
	csv := []byte(customersCSV)
	good := f.fake.AddFile("UADMIN", "list.csv", "text/csv", csv)
	second := f.fake.AddFile("UADMIN", "other.csv", "text/csv", []byte("name\nAli\n"))
	tests := []struct {
		name    string
		event   map[string]any
		fail    string // a fake method that answers 502 once
		channel string // where the answer goes
		want    string
	}{
		{"RepRefused", share("UREP", "", "2.1", f.fake.AddFile("UREP", "list.csv", "text/csv", csv)), "", "DUREP", `Only managers and admins can use "import"`},
		{"DownloadFails", share("UADMIN", "", "2.2", good), "file_download", "DUADMIN", "something went wrong"},
		{"UnknownFile", share("UADMIN", "", "2.3", slacktest.File{ID: "FGONE"}.Stub()), "", "DUADMIN", "something went wrong"},
		{"IDOnlyAsksFilesInfo", share("UADMIN", "", "2.4", good.Stub()), "", "DUADMIN", "Checked list.csv"},
		{"CaptionNotACommand", share("UADMIN", "from the fair", "2.5", good), "", "DUADMIN", "Checked list.csv"},
		{"ExportCaptionIsACommand", share("UADMIN", "help", "2.6", good), "", "DUADMIN", "import"},
		{"SeveralFilesFirstOnly", share("UADMIN", "", "2.7", good, second), "", "DUADMIN", "Only the first file, list.csv, was read"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fail != "" {
				f.fake.Fail(tt.fail, http.StatusBadGateway, 0, 1)
			}
			n := len(f.fake.Messages())
			f.deliverEvent(false, "EvS"+string(rune('A'+i)), tt.event)
			m := f.waitMessage("answering "+tt.name, func(m slacktest.Message) bool {
				return m.Channel == tt.channel && len(f.fake.Messages()) > n && strings.Contains(m.All(), tt.want)
			})
			if want := f.h.T("en", "err_internal"); tt.want == "something went wrong" && strings.TrimSpace(m.Text) != want {
				t.Errorf("answered %q, want only %q", m.Text, want)
			}
		})
	}
	if got := f.fake.Downloads()[second.ID]; got != 0 {
		t.Errorf("the second of two files was downloaded %d times; only the first is read", got)
	}
	if n, _ := f.db.CountCustomers(context.Background()); n != 0 {
		t.Errorf("%d customers written without pressing Import", n)
	}

	t.Run("MentionWithFileInChannel", func(t *testing.T) {
		file := f.fake.AddFile("UADMIN", "mention.csv", "text/csv", csv)
		f.deliverEvent(false, "EvSM", map[string]any{"type": "app_mention", "channel": "C0SALES", "user": "UADMIN",
			"text": "<@UBOT> import", "ts": "3.1", "files": []any{file}})
		m := f.waitMessage("answering the mention", func(m slacktest.Message) bool { return strings.Contains(m.All(), "Checked mention.csv") })
		if m.Method != "chat.postEphemeral" || m.User != "UADMIN" {
			t.Errorf("answered by %s to %q, want ephemeral to UADMIN", m.Method, m.User)
		}
		// Pressed in the channel: progress and result come ephemerally, not
		// through the action's response_url, which takes only five messages.
		action, value := buttonIn(t, m, "Import 2")
		ru := f.press(false, "UADMIN", "C0SALES", action, value)
		done := f.waitMessage("saying it imported", func(m slacktest.Message) bool { return strings.Contains(m.All(), "Imported mention.csv") })
		progress := f.waitMessage("with progress", func(m slacktest.Message) bool { return strings.Contains(m.All(), "Importing mention.csv") })
		for _, m := range []slacktest.Message{done, progress} {
			if m.Method != "chat.postEphemeral" || m.User != "UADMIN" || m.Channel != "C0SALES" {
				t.Errorf("%s to %q in %s, want ephemeral to UADMIN in C0SALES", m.Method, m.User, m.Channel)
			}
		}
		for _, m := range f.fake.Messages() {
			if m.ResponseURL == strings.TrimPrefix(ru, f.fake.URL) {
				t.Errorf("answered on the response_url too: %s", m.All())
			}
		}
		if n, _ := f.db.CountCustomers(context.Background()); n != 2 {
			t.Errorf("%d customers after the import, want 2", n)
		}
	})
}

// TestFileExport: export answers with a CSV uploaded to the asker's DM
// with its caption; asked in a channel, the caption also comes back
// ephemerally and the file still goes only to the DM.
func TestFileExport(t *testing.T) {
	for _, mode := range []struct {
		name   string
		socket bool
	}{{"HTTP", false}, {"SocketMode", true}} {
		t.Run(mode.name, func(t *testing.T) {
			f := newFixture(t, options{socket: mode.socket})
			f.run("UADMIN", "add Siti Nurhaliza +60 12-345 6789")
			n := len(f.fake.Messages())
			f.deliverEvent(mode.socket, "EvX1", map[string]any{"type": "message", "channel_type": "im", "channel": "DUADMIN", "user": "UADMIN", "text": "export", "ts": "4.1"})
			up := f.waitUploads(1)[0]
			if up.Channel != "DUADMIN" || !strings.HasPrefix(up.Name, "customers-") || !strings.HasSuffix(up.Name, ".csv") {
				t.Errorf("uploaded %s to %s, want customers-*.csv to DUADMIN", up.Name, up.Channel)
			}
			contains(t, up.Comment, "1 customer in customers-")
			if !strings.HasPrefix(string(up.Data), "\uFEFFid,name") || !strings.Contains(string(up.Data), "Siti Nurhaliza") {
				t.Errorf("uploaded %.80q", up.Data)
			}
			f.clock.Add(time.Minute)
			f.settle()
			if got := len(f.fake.Messages()) - n; got != 0 {
				t.Errorf("%d messages besides the file in the DM, want 0 (its comment says it all)", got)
			}

			ru, _ := f.command(f.fake.TeamID, "UADMIN", "C0SALES", "export")
			m := f.reply(ru)
			contains(t, m.All(), "1 customer in customers-")
			if m.ResponseType != "ephemeral" {
				t.Errorf("response_type %q in a channel, want ephemeral", m.ResponseType)
			}
			ups := f.waitUploads(2)
			if ups[1].Channel != "DUADMIN" {
				t.Errorf("a channel's export uploaded to %s, want the DM DUADMIN", ups[1].Channel)
			}
		})
	}
}

// TestFileUploadRetried: 429 and 5xx on each of the three upload calls
// delay the file, Retry-After is kept, and it arrives once.
func TestFileUploadRetried(t *testing.T) {
	f := newFixture(t, options{})
	f.run("UADMIN", "add Siti Nurhaliza +60 12-345 6789")
	f.fake.Fail("files.getUploadURLExternal", http.StatusTooManyRequests, 5, 1)
	f.fake.Fail("upload", http.StatusServiceUnavailable, 0, 1)
	f.fake.Fail("files.completeUploadExternal", http.StatusInternalServerError, 0, 1)
	f.fake.Fail("files.completeUploadExternal", http.StatusTooManyRequests, 2, 1)
	f.run("UADMIN", "export")
	f.waitUploads(1)
	f.clock.Add(10 * time.Minute)
	f.settle()
	if ups := f.fake.Uploads(); len(ups) != 1 {
		t.Fatalf("%d uploads, want 1", len(ups))
	}
	var limited, next time.Time
	tries := map[string]int{}
	for _, c := range f.fake.Calls() {
		tries[c.Method]++
		if c.Method == "files.getUploadURLExternal" {
			if c.Status == 429 {
				limited = c.At
			} else if next.IsZero() {
				next = c.At
			}
		}
	}
	// The bot reads its clock just before the call; the test's clock may move one step in between.
	if next.Sub(limited) < 5*time.Second-250*time.Millisecond {
		t.Errorf("asked again %s after a 429 with Retry-After 5", next.Sub(limited))
	}
	// Each retry starts again from a new upload URL.
	if tries["files.getUploadURLExternal"] != 5 || tries["upload"] != 4 || tries["files.completeUploadExternal"] != 3 {
		t.Errorf("calls %v, want 5 upload URLs, 4 posts, 3 completions", tries)
	}
}

// TestFileDigest: the managers' digest uploads its chart, asked for and
// delivered by the scheduler.
func TestFileDigest(t *testing.T) {
	f := newFixture(t, options{})
	png := []byte("\x89PNG\r\n\x1a\n")
	t.Run("Asked", func(t *testing.T) {
		f.run("UADMIN", "digest")
		up := f.waitUploads(1)[0]
		if up.Channel != "DUADMIN" || !strings.HasPrefix(up.Name, "digest-") || !bytes.HasPrefix(up.Data, png) {
			t.Errorf("uploaded %s (%.8q) to %s, want a digest PNG in DUADMIN", up.Name, up.Data, up.Channel)
		}
		contains(t, up.Comment, "Chart of yesterday")
		contains(t, up.Alt, "Chart of yesterday")
	})
	t.Run("Delivered", func(t *testing.T) {
		n, u := len(f.fake.Messages()), len(f.fake.Uploads())
		f.clock.Add(2 * time.Second)
		rep := handlers.Reply{Blocks: []handlers.Block{{Heading: "Digest", Text: "3 customers"},
			{Image: &handlers.Image{Name: "digest-2026-11-23.png", PNG: append(png, "chart"...), Alt: "Chart of yesterday"}}}}
		if err := f.bot.Deliver(context.Background(), "slack:UADMIN", rep); err != nil {
			t.Fatal(err)
		}
		msgs := f.fake.Messages()
		if len(msgs) != n+1 || msgs[n].Channel != "DUADMIN" {
			t.Fatalf("%d messages, want the digest in DUADMIN", len(msgs)-n)
		}
		if strings.Contains(msgs[n].All(), "Chart of yesterday") {
			t.Errorf("the chart's alt text is in the message too: %s", msgs[n].All())
		}
		up := f.waitUploads(u + 1)[u]
		if up.Channel != "DUADMIN" || up.Name != "digest-2026-11-23.png" || string(up.Data) != string(png)+"chart" {
			t.Errorf("uploaded %s %q to %s", up.Name, up.Data, up.Channel)
		}
		if !up.At.After(msgs[n].At) {
			t.Errorf("chart at %s, not after its message at %s", up.At, msgs[n].At)
		}
	})
}

// TestFileLarge: a file above the inline limit is kept in parts until it
// is uploaded whole, and the parts are forgotten after.
func TestFileLarge(t *testing.T) {
	f := newFixture(t, options{})
	data := make([]byte, 9<<20+123)
	rand.Read(data)
	rep := handlers.Reply{Blocks: []handlers.Block{{Document: &handlers.Document{Name: "big.bin", Type: "application/octet-stream", Data: data, Caption: "big file"}}}}
	if err := f.bot.Deliver(context.Background(), "slack:UADMIN", rep); err != nil {
		t.Fatal(err)
	}
	up := f.waitUploads(1)[0]
	if !bytes.Equal(up.Data, data) {
		t.Fatalf("uploaded %d bytes, want the %d sent", len(up.Data), len(data))
	}
	if up.Comment != "big file" || up.Channel != "DUADMIN" {
		t.Errorf("comment %q in %s", up.Comment, up.Channel)
	}
	if len(f.fake.Messages()) != 0 {
		t.Errorf("%d messages for a reply that is only a file", len(f.fake.Messages()))
	}
	f.clock.Add(time.Second)
	f.settle()
	left, err := f.db.Database().Collection("state").CountDocuments(context.Background(),
		map[string]any{"_id": map[string]any{"$regex": "^slack:file:"}})
	if err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d file parts left in the store after the upload", left)
	}
}

// TestFakeFiles checks the fake's file endpoints refuse what Slack refuses.
func TestFakeFiles(t *testing.T) {
	fake := slacktest.New()
	defer fake.Close()
	f := fake.AddFile("UADMIN", "a.csv", "text/csv", []byte("x"))
	tests := []struct {
		name  string
		token string
		want  int
	}{
		{"BotToken", "Bearer " + fake.BotToken, 200},
		{"NoToken", "", 403},
		{"OtherToken", "Bearer xoxb-other", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, f.URLPrivateDownload, nil)
			if tt.token != "" {
				r.Header.Set("Authorization", tt.token)
			}
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}
