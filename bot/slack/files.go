package slack

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/crmbot/crmbot/handlers"
)

// Files in both directions. A file a staff member shares in the app's DM
// (or with a mention) becomes the Upload of a request, downloaded only when
// the command reads it. A file a reply carries (a CSV export, the digest's
// chart) is queued in the outbox like a message and uploaded with Slack's
// files.getUploadURLExternal / upload URL / files.completeUploadExternal.

// kindFile is the outbox kind of a file upload.
const kindFile = "file"

// Limits of files kept for upload. A file up to inlineFile travels inside
// its outbox document; a larger one is kept as a blob of the store until it
// is sent. Nothing larger than maxFile is queued.
const (
	inlineFile = 4 << 20
	maxFile    = 64 << 20
)

// outFile is a file in the outbox body.
type outFile struct {
	Name    string `json:"name"`
	Type    string `json:"type,omitempty"`
	Comment string `json:"comment,omitempty"` // initial_comment: the document's caption
	Alt     string `json:"alt,omitempty"`     // alt_txt of an image
	Size    int    `json:"size"`
	Data    []byte `json:"data,omitempty"`   // the bytes, when inline
	Stored  bool   `json:"stored,omitempty"` // else kept as the blob fileKey(id)
}

// errFileGone is a queued file whose bytes are no longer in the store.
var errFileGone = errors.New("slack: the file's stored bytes are gone")

// replyFile is a file a reply carries.
type replyFile struct {
	name, typ, comment, alt string
	data                    []byte
}

// uploadable reports whether data can be queued as a file.
func uploadable(data []byte) bool { return len(data) > 0 && len(data) <= maxFile }

// replyFiles returns the documents and pictures of rep that can be uploaded.
func replyFiles(rep handlers.Reply) []replyFile {
	var out []replyFile
	for _, bl := range rep.Blocks {
		if d := bl.Document; d != nil && uploadable(d.Data) {
			out = append(out, replyFile{name: orDefault(d.Name, "file"), typ: d.Type, comment: d.Caption, data: d.Data})
		}
		if im := bl.Image; im != nil && uploadable(im.PNG) {
			out = append(out, replyFile{name: orDefault(im.Name, "image.png"), typ: "image/png", comment: im.Alt, alt: im.Alt, data: im.PNG})
		}
	}
	return out
}

// withoutFiles returns rep without the files replyFiles uploads, for a
// message to the conversation the files go to: there the file's own
// comment says what it holds. Blocks left empty are dropped.
func withoutFiles(rep handlers.Reply) handlers.Reply {
	out := rep
	out.Blocks = nil
	for _, bl := range rep.Blocks {
		if bl.Document != nil && uploadable(bl.Document.Data) {
			bl.Document = nil
		}
		if bl.Image != nil && uploadable(bl.Image.PNG) {
			bl.Image = nil
		}
		if bl.Heading == "" && bl.Text == "" && len(bl.Fields) == 0 && len(bl.Buttons) == 0 && bl.Image == nil && bl.Document == nil {
			continue
		}
		out.Blocks = append(out.Blocks, bl)
	}
	return out
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// queueFiles queues files for upload to channel (a channel id, or a user
// id for their DM), after any message queued just before them. idPrefix,
// when set, makes the ids deterministic so a second queueing is a no-op.
// A file that could not be queued is logged and the first such error
// returned; the others are queued all the same.
func (b *Bot) queueFiles(ctx context.Context, idPrefix, channel, user string, files []replyFile) error {
	var first error
	for i, f := range files {
		id := ""
		if idPrefix != "" {
			id = idPrefix + ":file" + strconv.Itoa(i+1)
		} else {
			id = "file:" + randomID()
		}
		of := &outFile{Name: clip(f.name, 200), Type: f.typ, Comment: clip(escape(f.comment), 3000), Alt: clip(f.alt, 1000), Size: len(f.data)}
		if len(f.data) <= inlineFile {
			of.Data = f.data
		} else if err := b.store.PutBlob(ctx, fileKey(id), f.data, b.now().Add(keep)); err != nil {
			b.log.Error("slack file not queued", "id", id, "size", len(f.data), "err", err)
			first = cmp.Or(first, err)
			continue
		} else {
			of.Stored = true
		}
		// A microsecond apart: the file follows its message in the chat's order.
		m := outMsg{Kind: kindFile, Channel: channel, User: user, File: of}
		if err := b.out.enqueueAfter(ctx, id, m, time.Duration(i+1)*time.Microsecond); err != nil {
			b.log.Error("slack file not queued", "id", id, "err", err)
			first = cmp.Or(first, err)
		}
	}
	return first
}

func randomID() string {
	var r [12]byte
	rand.Read(r[:])
	return hex.EncodeToString(r[:])
}

func fileKey(id string) string { return "slack:file:" + id }

// fileData returns a queued file's bytes.
func (b *Bot) fileData(ctx context.Context, id string, f *outFile) ([]byte, error) {
	if !f.Stored {
		return f.Data, nil
	}
	data, err := b.store.Blob(ctx, fileKey(id), b.now())
	if err != nil {
		return nil, fmt.Errorf("read file: %w: %w", errFileGone, err)
	}
	if len(data) != f.Size {
		return nil, fmt.Errorf("file of %d bytes, %d stored: %w", f.Size, len(data), errFileGone)
	}
	return data, nil
}

// dropFile forgets the stored bytes of a file that was sent or refused.
func (b *Bot) dropFile(id string, f *outFile) {
	if f == nil || !f.Stored {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.store.DeleteBlob(ctx, fileKey(id)); err != nil {
		b.log.Warn("slack file not deleted", "id", id, "err", err)
	}
}

// uploadFile makes the three calls of a Slack file upload for a queued
// file and returns the file's id. A retry starts again from the first call:
// an upload URL that was not completed is left to expire on Slack's side.
func (o *outbox) uploadFile(ctx context.Context, id string, msg outMsg) (string, error) {
	b := o.b
	if msg.File == nil {
		return "", fmt.Errorf("file message without a file: %w", errFileGone)
	}
	channel, err := b.dmChannel(ctx, msg.Channel)
	if err != nil {
		return "", err
	}
	data, err := b.fileData(ctx, id, msg.File)
	if err != nil {
		return "", err
	}
	f, err := b.api.UploadFileContext(ctx, slackgo.UploadFileParameters{
		Reader: bytes.NewReader(data), FileSize: len(data), Filename: msg.File.Name, Title: msg.File.Name,
		InitialComment: msg.File.Comment, AltTxt: msg.File.Alt, Channel: channel,
	})
	if err != nil {
		return "", err
	}
	return f.ID, nil
}

// upload describes a file shared in Slack as a request's Upload; the file
// is downloaded only if the command reads it.
func (b *Bot) upload(ctx context.Context, f slackgo.File) *handlers.Upload {
	if f.URLPrivateDownload == "" && f.URLPrivate == "" && f.ID != "" {
		// Only the id (file_access "check_file_info"): files.info has the rest.
		if info, _, _, err := b.api.GetFileInfoContext(ctx, f.ID, 0, 0); err == nil {
			f = *info
		} else {
			b.log.Warn("slack files.info failed", "file", f.ID, "err", err)
		}
	}
	return &handlers.Upload{Name: orDefault(f.Name, f.Title), Size: int64(f.Size),
		Open: func(ctx context.Context) (io.ReadCloser, error) { return b.download(ctx, f) }}
}

// download streams a shared file from its private URL with the bot token
// (slack-go sends the token only to Slack's own hosts or the API host).
// Closing the reader early stops the download.
func (b *Bot) download(ctx context.Context, f slackgo.File) (io.ReadCloser, error) {
	u := orDefault(f.URLPrivateDownload, f.URLPrivate)
	if u == "" {
		info, _, _, err := b.api.GetFileInfoContext(ctx, f.ID, 0, 0)
		if err != nil {
			return nil, fmt.Errorf("slack files.info %s: %w", f.ID, err)
		}
		u = orDefault(info.URLPrivateDownload, info.URLPrivate)
		if u == "" {
			return nil, fmt.Errorf("slack file %s has no download URL", f.ID)
		}
	}
	pr, pw := io.Pipe()
	go func() {
		err := b.api.GetFileContext(ctx, u, pw)
		if err != nil {
			err = fmt.Errorf("slack download %s: %w", f.ID, err)
		}
		pw.CloseWithError(err)
	}()
	return pr, nil
}
