package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// File is a file a member shared, as Slack describes it in a message
// event's files and in files.info. Tests put it in the events they send.
type File struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	Title              string `json:"title,omitempty"`
	Mimetype           string `json:"mimetype,omitempty"`
	Filetype           string `json:"filetype,omitempty"`
	Size               int    `json:"size"`
	User               string `json:"user,omitempty"`
	URLPrivate         string `json:"url_private,omitempty"`
	URLPrivateDownload string `json:"url_private_download,omitempty"`
}

// Stub is the file object Slack puts in an event when the app must ask
// files.info for the rest (file_access "check_file_info").
func (f File) Stub() map[string]any {
	return map[string]any{"id": f.ID, "mode": "file_access", "file_access": "check_file_info"}
}

// Upload is a file the app shared with files.getUploadURLExternal, a POST
// of its bytes to the upload URL and files.completeUploadExternal.
type Upload struct {
	FileID   string
	Name     string // filename given to files.getUploadURLExternal
	Title    string // title given to files.completeUploadExternal
	Alt      string // alt_txt
	Data     []byte
	Channel  string // channel_id of the completion
	Comment  string // initial_comment
	ThreadTS string
	At       time.Time
}

// pending is an upload URL handed out and not yet completed.
type pending struct {
	name, alt string
	length    int
	data      []byte
	posted    bool
}

// AddFile makes data a file shared by user in the fake workspace and
// returns its description, with download URLs on the fake.
func (s *Server) AddFile(user, name, mimetype string, data []byte) File {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := "F" + strconv.Itoa(s.seq)
	path := s.URL + "/files-pri/" + s.TeamID + "-" + id + "/"
	f := File{ID: id, Name: name, Title: name, Mimetype: mimetype, Size: len(data), User: user,
		URLPrivate: path + url.PathEscape(name), URLPrivateDownload: path + "download/" + url.PathEscape(name)}
	s.files[id] = storedFile{File: f, data: data}
	return f
}

type storedFile struct {
	File
	data []byte
}

// Downloads returns how many times each file id was downloaded successfully.
func (s *Server) Downloads() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.downloads {
		out[k] = v
	}
	return out
}

// Uploads returns the completed uploads in arrival order.
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Upload(nil), s.uploads...)
}

// WaitUploads waits until at least n uploads were completed and returns them.
func (s *Server) WaitUploads(n int, timeout time.Duration) []Upload {
	s.WaitFor(timeout, func(s *Server) bool { return len(s.Uploads()) >= n })
	return s.Uploads()
}

// failNext takes the next queued failure of method, recording the call;
// it reports whether it answered.
func (s *Server) failNext(w http.ResponseWriter, method string) bool {
	s.mu.Lock()
	now := s.Now()
	q := s.failures[method]
	if len(q) == 0 {
		s.calls = append(s.calls, Call{Method: method, Status: 200, At: now})
		s.mu.Unlock()
		return false
	}
	f := q[0]
	s.failures[method] = q[1:]
	s.calls = append(s.calls, Call{Method: method, Status: f.status, At: now})
	s.mu.Unlock()
	if f.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(f.retryAfter))
	}
	http.Error(w, http.StatusText(f.status), f.status)
	return true
}

// download serves url_private and url_private_download
// (/files-pri/<team>-<id>/[download/]<name>) to the bot token only, as
// Slack does; anyone else gets 403. Fail("file_download", ...) injects errors.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if s.failNext(w, "file_download") {
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.BotToken {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, "/files-pri/")
	dir, _, _ := strings.Cut(rest, "/")
	id := strings.TrimPrefix(dir, s.TeamID+"-")
	s.mu.Lock()
	f, ok := s.files[id]
	if ok {
		s.downloads[id]++
	}
	s.mu.Unlock()
	if !ok || dir == id {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	w.Write(f.data)
}

// filesInfo answers files.info.
func (s *Server) filesInfo(w http.ResponseWriter, form url.Values) {
	s.mu.Lock()
	f, ok := s.files[form.Get("file")]
	s.mu.Unlock()
	if !ok {
		writeJSON(w, slackErr("file_not_found"))
		return
	}
	writeJSON(w, obj{"ok": true, "file": f.File, "comments": []any{}, "paging": obj{"count": 0, "total": 0, "page": 1, "pages": 0}})
}

// uploadURL answers files.getUploadURLExternal: an upload URL on the fake.
func (s *Server) uploadURL(w http.ResponseWriter, form url.Values) {
	name := form.Get("filename")
	length, err := strconv.Atoi(form.Get("length"))
	if name == "" || err != nil || length <= 0 {
		writeJSON(w, slackErr("invalid_arguments"))
		return
	}
	s.mu.Lock()
	s.seq++
	id := "F" + strconv.Itoa(s.seq)
	s.pending[id] = &pending{name: name, alt: form.Get("alt_txt"), length: length}
	s.mu.Unlock()
	writeJSON(w, obj{"ok": true, "upload_url": s.URL + "/upload/v1/" + id, "file_id": id})
}

// upload receives a file's bytes at its upload URL, as a multipart form
// field "file" or a raw body. Fail("upload", ...) injects errors.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if s.failNext(w, "upload") {
		return
	}
	id := strings.TrimPrefix(r.URL.Path, "/upload/v1/")
	var data []byte
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err = r.ParseMultipartForm(64 << 20); err == nil {
			f, _, ferr := r.FormFile("file")
			if ferr != nil {
				http.Error(w, "no file", http.StatusBadRequest)
				return
			}
			data, err = io.ReadAll(f)
			f.Close()
		}
	} else {
		data, err = io.ReadAll(io.LimitReader(r.Body, 64<<20))
	}
	if err != nil {
		http.Error(w, "unreadable upload", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	p, ok := s.pending[id]
	if ok {
		p.data, p.posted = data, true
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	io.WriteString(w, fmt.Sprintf("OK - %d", len(data)))
}

// completeUpload answers files.completeUploadExternal: every file must
// have had its bytes posted, at the length announced, and the channel must
// be a channel (a DM is D..., not a user id).
func (s *Server) completeUpload(w http.ResponseWriter, form url.Values, now time.Time) {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(form.Get("files")), &files); err != nil || len(files) == 0 {
		writeJSON(w, slackErr("invalid_arguments"))
		return
	}
	channel := form.Get("channel_id")
	if channel == "" {
		channel = form.Get("channels")
	}
	if channel != "" && !strings.HasPrefix(channel, "C") && !strings.HasPrefix(channel, "D") && !strings.HasPrefix(channel, "G") {
		writeJSON(w, slackErr("channel_not_found"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range files {
		p, ok := s.pending[f.ID]
		if !ok || !p.posted {
			writeJSON(w, slackErr("file_not_found"))
			return
		}
		if len(p.data) != p.length {
			writeJSON(w, slackErr("file_upload_size_mismatch"))
			return
		}
	}
	var out []obj
	for _, f := range files {
		p := s.pending[f.ID]
		delete(s.pending, f.ID)
		s.uploads = append(s.uploads, Upload{FileID: f.ID, Name: p.name, Title: f.Title, Alt: p.alt, Data: p.data,
			Channel: channel, Comment: form.Get("initial_comment"), ThreadTS: form.Get("thread_ts"), At: now})
		out = append(out, obj{"id": f.ID, "title": f.Title})
	}
	s.notifyLocked()
	writeJSON(w, obj{"ok": true, "files": out})
}
