// Package slacktest is an in-process fake of the parts of Slack that crmbot
// talks to: the Web API methods it calls (auth.test, chat.postMessage,
// chat.postEphemeral, conversations.open, users.info, views.*, files.info,
// files.getUploadURLExternal, files.completeUploadExternal), the
// response_url endpoint, file downloads and upload URLs, and a Socket Mode
// WebSocket (apps.connections.open and the socket itself). It is a real HTTP server (httptest) driven by the
// real slack-go client, keeps what it received for tests to inspect, checks
// what Slack checks (tokens, single-use trigger ids, 50 blocks a message,
// modal limits), and can answer 429 with Retry-After or 5xx on demand.
package slacktest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Message is a message the fake accepted: posted with chat.postMessage,
// chat.postEphemeral, or to a response_url.
type Message struct {
	Method       string // "chat.postMessage", "chat.postEphemeral", "response_url"
	Channel      string
	User         string // the viewer of an ephemeral message
	ResponseURL  string // the response_url path it was posted to
	ResponseType string // "ephemeral" or "in_channel" (response_url)
	Text         string
	ThreadTS     string
	Blocks       json.RawMessage
	TS           string
	At           time.Time // by the fake's clock
}

// All returns the message's text and every text in its blocks, for assertions.
func (m Message) All() string { return m.Text + "\n" + Texts(m.Blocks) }

// View is a view the fake accepted through views.open, views.push,
// views.update or views.publish.
type View struct {
	Method string
	ID     string
	User   string // views.publish
	View   json.RawMessage
	At     time.Time
}

// All returns every text in the view, for assertions.
func (v View) All() string { return Texts(v.View) }

// CallbackID returns the view's callback_id.
func (v View) CallbackID() string {
	var x struct {
		CallbackID string `json:"callback_id"`
	}
	json.Unmarshal(v.View, &x)
	return x.CallbackID
}

// Call is one Web API request as it arrived, with the fake's answer.
type Call struct {
	Method string
	Status int
	At     time.Time
}

// failure is a queued non-200 answer.
type failure struct {
	status     int
	retryAfter int
}

// Server is the fake. Create it with New; Close it when done.
type Server struct {
	*httptest.Server
	// TeamID is the workspace the fake is; BotUserID the app's bot user.
	TeamID, BotUserID string
	BotToken          string
	AppToken          string
	// Now is the fake's clock (trigger id expiry, message times); time.Now by default.
	Now func() time.Time

	mu        sync.Mutex
	messages  []Message
	views     []View
	calls     []Call
	failures  map[string][]failure
	triggers  map[string]time.Time
	used      map[string]bool
	users     map[string]User
	seq       int
	envelopes map[string]chan json.RawMessage
	conns     map[*websocket.Conn]*sync.Mutex
	connected chan struct{}
	changed   chan struct{} // closed and replaced on every accepted message, view or upload

	files     map[string]storedFile // shared by members, by id
	downloads map[string]int
	pending   map[string]*pending // upload URLs handed out, by file id
	uploads   []Upload
}

// User is a workspace member as users.info describes them.
type User struct {
	ID, Name, RealName, Locale, TZ string
	// Restricted is a multi-channel guest, UltraRestricted a single-channel
	// one; Stranger a Slack Connect user; Team the home workspace (the
	// fake's own when empty).
	Restricted, UltraRestricted, Stranger, Bot, Deleted bool
	Team                                                string
}

// New starts a fake workspace T0FAKE with bot token xoxb-test and app token xapp-test.
func New() *Server {
	s := &Server{
		TeamID: "T0FAKE", BotUserID: "UBOT", BotToken: "xoxb-test", AppToken: "xapp-test",
		Now:       time.Now,
		failures:  map[string][]failure{},
		triggers:  map[string]time.Time{},
		used:      map[string]bool{},
		users:     map[string]User{},
		envelopes: map[string]chan json.RawMessage{},
		conns:     map[*websocket.Conn]*sync.Mutex{},
		connected: make(chan struct{}, 16),
		changed:   make(chan struct{}),
		files:     map[string]storedFile{},
		downloads: map[string]int{},
		pending:   map[string]*pending{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.api)
	mux.HandleFunc("/response/", s.response)
	mux.HandleFunc("/socket", s.socket)
	mux.HandleFunc("/files-pri/", s.download)
	mux.HandleFunc("/upload/v1/", s.upload)
	s.Server = httptest.NewServer(mux)
	return s
}

// APIURL is the Web API base for slack.OptionAPIURL, with its trailing slash.
func (s *Server) APIURL() string { return s.URL + "/api/" }

// AddUser makes a member known to users.info.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// ResponseURL mints a response_url on the fake, as Slack sends with a command or an action.
func (s *Server) ResponseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return s.URL + "/response/" + strconv.Itoa(s.seq)
}

// TriggerID mints a trigger_id that opens one modal within 3 s by the fake's clock.
func (s *Server) TriggerID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := fmt.Sprintf("%d.1234.trigger%d", s.seq, s.seq)
	s.triggers[id] = s.Now().Add(3 * time.Second)
	return id
}

// Fail makes the next n calls of method answer status (429 with a
// Retry-After of retryAfter seconds, or a 5xx).
func (s *Server) Fail(method string, status, retryAfter, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[method] = append(s.failures[method], failure{status: status, retryAfter: retryAfter})
	}
}

// Messages returns the accepted messages in arrival order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Views returns the accepted views in arrival order.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]View(nil), s.views...)
}

// Calls returns every Web API call in arrival order, refused ones too.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Changed returns a channel closed at the next accepted message, view or upload:
// tests wait on it instead of sleeping.
func (s *Server) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// WaitFor blocks until cond holds for the fake's state or the timeout passes,
// waking on every change rather than polling; it reports whether cond held.
func (s *Server) WaitFor(timeout time.Duration, cond func(*Server) bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		ch := s.Changed()
		if cond(s) {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return cond(s)
		}
	}
}

// WaitMessages waits until at least n messages were accepted and returns them.
func (s *Server) WaitMessages(n int, timeout time.Duration) []Message {
	s.WaitFor(timeout, func(s *Server) bool { return len(s.Messages()) >= n })
	return s.Messages()
}

// WaitViews waits until at least n views were accepted and returns them.
func (s *Server) WaitViews(n int, timeout time.Duration) []View {
	s.WaitFor(timeout, func(s *Server) bool { return len(s.Views()) >= n })
	return s.Views()
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

type obj = map[string]any

func slackErr(code string) obj { return obj{"ok": false, "error": code} }

// api serves /api/<method>.
func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if s.failNext(w, method) {
		return
	}
	s.mu.Lock()
	now := s.Now()
	s.mu.Unlock()

	form := url.Values{}
	var js map[string]json.RawMessage
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") && len(body) > 0 {
		if err := json.Unmarshal(body, &js); err != nil {
			writeJSON(w, slackErr("invalid_json"))
			return
		}
	} else {
		form, _ = url.ParseQuery(string(body))
	}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if token == "" {
		token = form.Get("token")
	}
	want := s.BotToken
	if method == "apps.connections.open" {
		want = s.AppToken
	}
	if token != want {
		writeJSON(w, slackErr("invalid_auth"))
		return
	}
	switch method {
	case "auth.test":
		writeJSON(w, obj{"ok": true, "team_id": s.TeamID, "user_id": s.BotUserID, "team": "Fake", "user": "crmbot", "bot_id": "BBOT", "url": s.URL + "/"})
	case "users.info":
		s.mu.Lock()
		u, ok := s.users[form.Get("user")]
		s.mu.Unlock()
		if !ok {
			// Whoever can type in a workspace is a member of it: one not
			// added with AddUser is a plain full member.
			id := form.Get("user")
			if id == "" {
				writeJSON(w, slackErr("user_not_found"))
				return
			}
			u = User{ID: id, Name: strings.ToLower(id)}
		}
		team := u.Team
		if team == "" {
			team = s.TeamID
		}
		writeJSON(w, obj{"ok": true, "user": obj{"id": u.ID, "name": u.Name, "real_name": u.RealName, "locale": u.Locale, "tz": u.TZ, "team_id": team,
			"is_restricted": u.Restricted, "is_ultra_restricted": u.UltraRestricted, "is_stranger": u.Stranger, "is_bot": u.Bot, "deleted": u.Deleted}})
	case "conversations.open":
		users := form.Get("users")
		if users == "" || strings.Contains(users, ",") {
			writeJSON(w, slackErr("not_enough_users"))
			return
		}
		writeJSON(w, obj{"ok": true, "channel": obj{"id": "D" + users}})
	case "chat.postMessage", "chat.postEphemeral":
		s.chat(w, method, form, now)
	case "views.open", "views.push", "views.update", "views.publish":
		s.view(w, method, js, now)
	case "files.info":
		s.filesInfo(w, form)
	case "files.getUploadURLExternal":
		s.uploadURL(w, form)
	case "files.completeUploadExternal":
		s.completeUpload(w, form, now)
	case "apps.connections.open":
		writeJSON(w, obj{"ok": true, "url": "ws" + strings.TrimPrefix(s.URL, "http") + "/socket"})
	default:
		writeJSON(w, slackErr("unknown_method"))
	}
}

func (s *Server) chat(w http.ResponseWriter, method string, form url.Values, now time.Time) {
	m := Message{Method: method, Channel: form.Get("channel"), User: form.Get("user"), Text: form.Get("text"),
		ThreadTS: form.Get("thread_ts"), At: now}
	if m.Channel == "" {
		writeJSON(w, slackErr("channel_not_found"))
		return
	}
	if method == "chat.postEphemeral" && m.User == "" {
		writeJSON(w, slackErr("user_not_in_channel"))
		return
	}
	if b := form.Get("blocks"); b != "" {
		if code := checkBlocks(json.RawMessage(b), 50); code != "" {
			writeJSON(w, slackErr(code))
			return
		}
		m.Blocks = json.RawMessage(b)
	} else if m.Text == "" {
		writeJSON(w, slackErr("no_text"))
		return
	}
	s.mu.Lock()
	s.seq++
	m.TS = fmt.Sprintf("%d.%06d", now.Unix(), s.seq)
	s.messages = append(s.messages, m)
	s.notifyLocked()
	s.mu.Unlock()
	if method == "chat.postEphemeral" {
		writeJSON(w, obj{"ok": true, "message_ts": m.TS})
		return
	}
	writeJSON(w, obj{"ok": true, "channel": m.Channel, "ts": m.TS})
}

// checkBlocks returns Slack's error code for blocks it would refuse.
func checkBlocks(raw json.RawMessage, max int) string {
	var blocks []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return "invalid_blocks_format"
	}
	if len(blocks) > max {
		return "invalid_blocks"
	}
	ids := map[string]bool{}
	for _, b := range blocks {
		var typ, id string
		json.Unmarshal(b["type"], &typ)
		json.Unmarshal(b["block_id"], &id)
		if typ == "" {
			return "invalid_blocks"
		}
		if id != "" {
			if ids[id] {
				return "invalid_blocks"
			}
			ids[id] = true
		}
		if typ == "actions" {
			var els []json.RawMessage
			json.Unmarshal(b["elements"], &els)
			if len(els) == 0 || len(els) > 25 {
				return "invalid_blocks"
			}
		}
		if typ == "section" {
			var fields []json.RawMessage
			json.Unmarshal(b["fields"], &fields)
			if len(fields) > 10 {
				return "invalid_blocks"
			}
			var text struct {
				Text string `json:"text"`
			}
			json.Unmarshal(b["text"], &text)
			if len([]rune(text.Text)) > 3000 {
				return "invalid_blocks"
			}
		}
	}
	return ""
}

func (s *Server) view(w http.ResponseWriter, method string, js map[string]json.RawMessage, now time.Time) {
	var trigger, user, viewID string
	json.Unmarshal(js["trigger_id"], &trigger)
	json.Unmarshal(js["user_id"], &user)
	json.Unmarshal(js["view_id"], &viewID)
	raw := js["view"]
	var v struct {
		Type   string                 `json:"type"`
		Title  *struct{ Text string } `json:"title"`
		Blocks json.RawMessage        `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		writeJSON(w, slackErr("invalid_arguments"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch method {
	case "views.open", "views.push":
		exp, ok := s.triggers[trigger]
		if !ok || s.used[trigger] || now.After(exp) {
			writeJSON(w, slackErr("expired_trigger_id"))
			return
		}
		s.used[trigger] = true
	case "views.publish":
		if user == "" {
			writeJSON(w, slackErr("invalid_arguments"))
			return
		}
		if v.Type != "home" {
			writeJSON(w, slackErr("invalid_arguments"))
			return
		}
	case "views.update":
		if viewID == "" {
			writeJSON(w, slackErr("not_found"))
			return
		}
	}
	if method != "views.publish" {
		if v.Type != "modal" || v.Title == nil || v.Title.Text == "" || len([]rune(v.Title.Text)) > 24 {
			writeJSON(w, slackErr("invalid_arguments"))
			return
		}
	}
	if v.Blocks != nil {
		if code := checkBlocks(v.Blocks, 100); code != "" {
			writeJSON(w, slackErr(code))
			return
		}
	}
	if viewID == "" {
		s.seq++
		viewID = "V" + strconv.Itoa(s.seq)
	}
	s.views = append(s.views, View{Method: method, ID: viewID, User: user, View: raw, At: now})
	s.notifyLocked()
	writeJSON(w, obj{"ok": true, "view": obj{"id": viewID, "type": v.Type}})
}

// response serves response_url posts.
func (s *Server) response(w http.ResponseWriter, r *http.Request) {
	var m struct {
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
		ResponseType string          `json:"response_type"`
		ThreadTS     string          `json:"thread_ts"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err := json.Unmarshal(body, &m); err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	now := s.Now()
	if q := s.failures["response_url"]; len(q) > 0 {
		f := q[0]
		s.failures["response_url"] = q[1:]
		s.calls = append(s.calls, Call{Method: "response_url", Status: f.status, At: now})
		s.mu.Unlock()
		if f.status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", strconv.Itoa(f.retryAfter))
		}
		http.Error(w, http.StatusText(f.status), f.status)
		return
	}
	s.calls = append(s.calls, Call{Method: "response_url", Status: 200, At: now})
	if len(m.Blocks) > 0 && string(m.Blocks) != "null" {
		if code := checkBlocks(m.Blocks, 50); code != "" {
			s.mu.Unlock()
			http.Error(w, code, http.StatusBadRequest)
			return
		}
	}
	s.messages = append(s.messages, Message{Method: "response_url", ResponseURL: r.URL.Path, ResponseType: m.ResponseType,
		Text: m.Text, Blocks: m.Blocks, ThreadTS: m.ThreadTS, At: now})
	s.notifyLocked()
	s.mu.Unlock()
	io.WriteString(w, "ok")
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// socket is the Socket Mode WebSocket: it greets with hello, pings, and
// routes acks back to Send.
func (s *Server) socket(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	wmu := &sync.Mutex{}
	s.mu.Lock()
	s.conns[conn] = wmu
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, conn)
		s.mu.Unlock()
		conn.Close()
	}()
	write := func(v any) error {
		wmu.Lock()
		defer wmu.Unlock()
		return conn.WriteJSON(v)
	}
	if err := write(obj{"type": "hello", "num_connections": 1, "connection_info": obj{"app_id": "AFAKE"}}); err != nil {
		return
	}
	select {
	case s.connected <- struct{}{}:
	default:
	}
	done := make(chan struct{})
	defer close(done)
	go func() { // Slack pings; slack-go reconnects when it does not.
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				wmu.Lock()
				err := conn.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second))
				wmu.Unlock()
				if err != nil {
					return
				}
			}
		}
	}()
	conn.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second))
	for {
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := conn.ReadJSON(&ack); err != nil {
			return
		}
		s.mu.Lock()
		ch := s.envelopes[ack.EnvelopeID]
		delete(s.envelopes, ack.EnvelopeID)
		s.mu.Unlock()
		if ch != nil {
			ch <- ack.Payload
		}
	}
}

// WaitConnected blocks until a Socket Mode client has connected, or timeout.
func (s *Server) WaitConnected(timeout time.Duration) bool {
	select {
	case <-s.connected:
		return true
	case <-time.After(timeout):
		return false
	}
}

// Envelope is a Socket Mode request the fake sends.
type Envelope struct {
	Type         string // "events_api", "slash_commands", "interactive"
	Payload      any
	RetryAttempt int
}

// Send delivers env over a connected socket and waits up to timeout for the
// client's ack, returning its payload (null when none) and how long it took.
func (s *Server) Send(env Envelope, timeout time.Duration) (json.RawMessage, time.Duration, error) {
	s.mu.Lock()
	var conn *websocket.Conn
	var wmu *sync.Mutex
	for c, m := range s.conns {
		conn, wmu = c, m
		break
	}
	if conn == nil {
		s.mu.Unlock()
		return nil, 0, fmt.Errorf("slacktest: no socket connected")
	}
	s.seq++
	id := fmt.Sprintf("env-%d", s.seq)
	ch := make(chan json.RawMessage, 1)
	s.envelopes[id] = ch
	s.mu.Unlock()
	start := time.Now()
	wmu.Lock()
	err := conn.WriteJSON(obj{"type": env.Type, "envelope_id": id, "payload": env.Payload,
		"accepts_response_payload": env.Type != "events_api", "retry_attempt": env.RetryAttempt})
	wmu.Unlock()
	if err != nil {
		return nil, 0, err
	}
	select {
	case p := <-ch:
		return p, time.Since(start), nil
	case <-time.After(timeout):
		return nil, time.Since(start), fmt.Errorf("slacktest: no ack for %s in %s", id, timeout)
	}
}

// Sign returns Slack's v0 signature of body at timestamp ts under secret,
// computed here independently of the code under test.
func Sign(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%s:", ts)
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// SignedRequest builds a request as Slack sends it to an app's request URL,
// signed at time at.
func SignedRequest(target, secret string, at time.Time, contentType string, body []byte) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(string(body)))
	ts := strconv.FormatInt(at.Unix(), 10)
	r.Header.Set("Content-Type", contentType)
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", Sign(secret, ts, body))
	return r
}

// Texts collects every "text" string in a block or view JSON document.
func Texts(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	var b strings.Builder
	var walk func(any)
	walk = func(x any) {
		switch t := x.(type) {
		case map[string]any:
			for k, c := range t {
				if s, ok := c.(string); ok && (k == "text" || k == "value" || k == "initial_value" || k == "placeholder") {
					b.WriteString(s + "\n")
				}
			}
			for _, k := range []string{"title", "text", "fields", "elements", "blocks", "accessory", "element", "label", "options", "initial_option", "initial_options"} {
				if c, ok := t[k]; ok {
					walk(c)
				}
			}
		case []any:
			for _, c := range t {
				walk(c)
			}
		}
	}
	walk(v)
	return b.String()
}
