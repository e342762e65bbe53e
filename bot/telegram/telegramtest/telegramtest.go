// Package telegramtest is a fake Telegram Bot API server over httptest for
// tests and the load driver. It speaks the real wire format (multipart or
// JSON requests, {"ok":...} answers), records every call, serves getUpdates
// from a queue, and can be told to answer 429 or 500.
package telegramtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Call is one request the fake received.
type Call struct {
	Method string
	Params map[string]string // form fields; JSON bodies are flattened to their top-level values
	Files  map[string][]byte // uploaded files by field name
	At     time.Time
	// Status is what the fake answered: 200, or the injected failure's code.
	Status int
}

// Chat returns the call's chat_id as a number (0 when absent).
func (c Call) Chat() int64 {
	n, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
	return n
}

// Failure is an error answer the fake gives instead of serving a call.
type Failure struct {
	Status      int // 429, 500, 403, ...
	RetryAfter  int // seconds, for 429
	Description string
}

// Server is the fake Bot API. Create it with New; Close it when done.
type Server struct {
	*httptest.Server
	Token    string
	Username string

	mu       sync.Mutex
	calls    []Call
	changed  chan struct{} // closed and replaced whenever something is recorded
	failures map[string][]Failure
	failFunc func(method string, params map[string]string) *Failure
	onCall   func(Call)
	updates  []json.RawMessage
	updIDs   []int64
	polling  bool
	webhook  string
	secret   string
	nextMsg  int
	files    map[string][]byte // file_id -> content, for getFile and downloads
}

// New starts a fake for token.
func New(token string) *Server {
	s := &Server{Token: token, Username: "crmbot_test_bot", changed: make(chan struct{}), failures: map[string][]Failure{}, files: map[string][]byte{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// AddFile keeps data as a file users have sent and returns its file_id, for
// a document in an update; getFile and the download URL then serve it.
func (s *Server) AddFile(data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := "doc" + strconv.Itoa(len(s.files)+1)
	s.files[id] = data
	return id
}

// FailNext makes the next len(fs) calls of method answer with fs in order.
func (s *Server) FailNext(method string, fs ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = append(s.failures[method], fs...)
}

// FailWhen makes every call for which f returns a failure answer with it;
// nil turns it off.
func (s *Server) FailWhen(f func(method string, params map[string]string) *Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failFunc = f
}

// OnCall is told of every call as it is recorded (for the load driver's timings).
func (s *Server) OnCall(f func(Call)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onCall = f
}

// Calls returns the recorded calls of method ("" for all), served or failed.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Served returns the calls of method that the fake answered with 200.
func (s *Server) Served(method string) []Call {
	var out []Call
	for _, c := range s.Calls(method) {
		if c.Status == http.StatusOK {
			out = append(out, c)
		}
	}
	return out
}

// Messages returns the texts (or captions) the fake accepted for chat, in order.
func (s *Server) Messages(chat int64) []Call {
	var out []Call
	for _, c := range s.Calls("") {
		if c.Status == http.StatusOK && c.Chat() == chat && strings.HasPrefix(c.Method, "send") && c.Method != "sendChatAction" {
			out = append(out, c)
		}
	}
	return out
}

// WaitFor blocks until cond, checked after each recorded call, holds or ctx ends.
func (s *Server) WaitFor(ctx context.Context, cond func(*Server) bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond(s) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("telegramtest: condition not met: %w", ctx.Err())
		case <-ch:
		}
	}
}

// WaitMessages blocks until chat has received at least n messages and returns them.
func (s *Server) WaitMessages(ctx context.Context, chat int64, n int) ([]Call, error) {
	var got []Call
	err := s.WaitFor(ctx, func(s *Server) bool { got = s.Messages(chat); return len(got) >= n })
	return got, err
}

// PushUpdate queues an update (any JSON-marshalable value with update_id)
// for getUpdates.
func (s *Server) PushUpdate(u any) error {
	raw, err := json.Marshal(u)
	if err != nil {
		return err
	}
	var head struct {
		ID int64 `json:"update_id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return err
	}
	s.mu.Lock()
	s.updates = append(s.updates, raw)
	s.updIDs = append(s.updIDs, head.ID)
	s.signal()
	s.mu.Unlock()
	return nil
}

// Pending returns how many queued updates getUpdates has not had confirmed.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// Webhook returns the URL and secret of the last setWebhook ("" after deleteWebhook).
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook, s.secret
}

// signal wakes WaitFor callers; s.mu is held.
func (s *Server) signal() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if id, ok := strings.CutPrefix(r.URL.Path, "/file/bot"+s.Token+"/documents/"); ok {
		s.mu.Lock()
		data, found := s.files[id]
		s.mu.Unlock()
		if !found {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot"+s.Token+"/")
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	method := rest
	params, files, err := readParams(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: " + err.Error()})
		return
	}
	call := Call{Method: method, Params: params, Files: files, At: time.Now(), Status: http.StatusOK}

	s.mu.Lock()
	var fail *Failure
	if q := s.failures[method]; len(q) > 0 {
		fail = &q[0]
		s.failures[method] = q[1:]
	} else if s.failFunc != nil {
		fail = s.failFunc(method, params)
	}
	if fail != nil {
		call.Status = fail.Status
	}
	s.calls = append(s.calls, call)
	onCall := s.onCall
	s.signal()
	s.mu.Unlock()
	if onCall != nil {
		onCall(call)
	}

	if fail != nil {
		desc := fail.Description
		if desc == "" {
			desc = http.StatusText(fail.Status)
		}
		body := map[string]any{"ok": false, "error_code": fail.Status, "description": desc}
		if fail.RetryAfter > 0 {
			body["parameters"] = map[string]any{"retry_after": fail.RetryAfter}
		}
		writeJSON(w, fail.Status, body)
		return
	}
	switch method {
	case "getMe":
		ok200(w, map[string]any{"id": 777, "is_bot": true, "first_name": "crmbot", "username": s.Username})
	case "getFile":
		s.mu.Lock()
		data, found := s.files[params["file_id"]]
		s.mu.Unlock()
		if !found {
			writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: invalid file_id"})
			return
		}
		ok200(w, map[string]any{"file_id": params["file_id"], "file_unique_id": params["file_id"], "file_size": len(data), "file_path": "documents/" + params["file_id"]})
	case "sendMessage", "sendPhoto", "sendVoice", "sendDocument":
		s.mu.Lock()
		s.nextMsg++
		id := s.nextMsg
		s.mu.Unlock()
		chat, _ := strconv.ParseInt(params["chat_id"], 10, 64)
		ok200(w, map[string]any{"message_id": id, "date": time.Now().Unix(), "chat": map[string]any{"id": chat, "type": "private"}, "text": params["text"]})
	case "getUpdates":
		s.getUpdates(w, r, params)
	case "setWebhook":
		s.mu.Lock()
		s.webhook, s.secret = params["url"], params["secret_token"]
		s.mu.Unlock()
		ok200(w, true)
	case "deleteWebhook":
		s.mu.Lock()
		s.webhook, s.secret = "", ""
		s.mu.Unlock()
		ok200(w, true)
	case "answerCallbackQuery", "setMyCommands", "leaveChat", "sendChatAction", "deleteMyCommands":
		ok200(w, true)
	case "editMessageReplyMarkup", "editMessageText":
		ok200(w, map[string]any{"message_id": 1, "date": time.Now().Unix(), "chat": map[string]any{"id": 1, "type": "private"}})
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error_code": 404, "description": "Not Found: method " + method})
	}
}

// getUpdates confirms updates below offset and long-polls for the rest. A
// second concurrent consumer gets 409, as from Telegram.
func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, params map[string]string) {
	offset, _ := strconv.ParseInt(params["offset"], 10, 64)
	timeout, _ := strconv.Atoi(params["timeout"])
	s.mu.Lock()
	if s.webhook != "" {
		s.mu.Unlock()
		writeJSON(w, http.StatusConflict, map[string]any{"ok": false, "error_code": 409, "description": "Conflict: can't use getUpdates method while webhook is active"})
		return
	}
	if s.polling {
		s.mu.Unlock()
		writeJSON(w, http.StatusConflict, map[string]any{"ok": false, "error_code": 409, "description": "Conflict: terminated by other getUpdates request"})
		return
	}
	s.polling = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.polling = false
		s.mu.Unlock()
	}()
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for len(s.updIDs) > 0 && s.updIDs[0] < offset {
			s.updIDs, s.updates = s.updIDs[1:], s.updates[1:]
		}
		batch := append([]json.RawMessage(nil), s.updates...)
		ch := s.changed
		s.mu.Unlock()
		if len(batch) > 0 || timeout <= 0 {
			ok200(w, batch)
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-deadline.C:
			ok200(w, []json.RawMessage{})
			return
		case <-ch:
		}
	}
}

// readParams reads a multipart, urlencoded or JSON request into flat strings.
func readParams(r *http.Request) (map[string]string, map[string][]byte, error) {
	params, files := map[string]string{}, map[string][]byte{}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		mr := multipart.NewReader(r.Body, ctParams["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) { // also an empty body, as go-telegram/bot sends for no parameters
				break
			}
			if err != nil {
				return nil, nil, err
			}
			b, err := io.ReadAll(p)
			if err != nil {
				return nil, nil, err
			}
			if p.FileName() != "" {
				files[p.FormName()] = b
				continue
			}
			params[p.FormName()] = string(b)
		}
	case "application/json":
		var m map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil && err != io.EOF {
			return nil, nil, err
		}
		for k, v := range m {
			var str string
			if json.Unmarshal(v, &str) == nil {
				params[k] = str
				continue
			}
			params[k] = string(v)
		}
	default:
		if err := r.ParseForm(); err != nil {
			return nil, nil, err
		}
		for k := range r.Form {
			params[k] = r.Form.Get(k)
		}
	}
	return params, files, nil
}

func ok200(w http.ResponseWriter, result any) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// PostWebhook posts update as Telegram would to a webhook at url with the
// secret header (none when secret is empty) and returns the status code.
func PostWebhook(ctx context.Context, client *http.Client, url, secret string, update any) (int, error) {
	raw, err := json.Marshal(update)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(raw)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}
