package telegram

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

// maxDownload is the largest file the Bot API lets a bot download.
const maxDownload = 20 << 20

// document handles a file sent as a document: it becomes the upload of the
// request its caption names, or of an import when the caption is not a
// command. The file is read from Telegram only if the command needs it.
func (c *turn) document(ctx context.Context, staff *crm.Staff, chat int64, d *models.Document, caption string) {
	t := c.t
	up := &handlers.Upload{Name: d.FileName, Size: d.FileSize,
		Open: func(ctx context.Context) (io.ReadCloser, error) { return t.download(ctx, d.FileID) }}
	c.run(ctx, staff, chat, handlers.Request{Text: strings.TrimSpace(caption), Upload: up})
}

// progress returns a Request.Progress that sends each line as a message.
func (c *turn) progress(chat int64) func(context.Context, string) {
	return func(ctx context.Context, text string) { c.reply(ctx, chat, handlers.Text(text)) }
}

// download fetches a file: getFile for its path, then the file itself
// through the redacting client, since the download URL holds the token.
func (t *Transport) download(ctx context.Context, fileID string) (io.ReadCloser, error) {
	f, err := t.bot.GetFile(ctx, &bot.GetFileParams{FileID: fileID})
	if err != nil {
		return nil, fmt.Errorf("telegram getFile: %s", t.redact(err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.bot.FileDownloadLink(f), nil)
	if err != nil {
		return nil, fmt.Errorf("telegram download: %s", t.redact(err))
	}
	resp, err := redactingClient{c: t.cfg.HTTPClient, token: t.cfg.Token}.Do(req)
	if err != nil {
		return nil, fmt.Errorf("telegram download: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("telegram download: %s", resp.Status)
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(resp.Body, maxDownload+1), resp.Body}, nil
}

// A document larger than Config.DocInline is not kept inside its outbox row
// (the store caps a document at 16 MB, and the row is read by every
// recovery pass) but as a blob of the store, until it is sent or given up;
// docKeep outlasts every retry.
const docKeep = 7 * 24 * time.Hour

// errDocGone is a queued document whose blob is no longer in the store.
var errDocGone = errors.New("telegram: the document's stored bytes are gone")

// storeDoc returns m as its outbox row keeps it: a large document moved to
// a blob under the row's id.
func (t *Transport) storeDoc(ctx context.Context, id string, m outMsg) (outMsg, error) {
	if len(m.Doc) <= t.cfg.DocInline {
		return m, nil
	}
	key := "tg:doc:" + id
	if err := t.store.PutBlob(ctx, key, m.Doc, t.now().Add(docKeep)); err != nil {
		return m, fmt.Errorf("store document: %w", err)
	}
	m.Doc, m.DocBlob = nil, key
	return m, nil
}

// docData returns a message's document, from its blob if it has one.
func (t *Transport) docData(ctx context.Context, m outMsg) ([]byte, error) {
	if m.Doc != nil || m.DocBlob == "" {
		return m.Doc, nil
	}
	data, err := t.store.Blob(ctx, m.DocBlob, t.now())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errDocGone, err)
	}
	return data, nil
}

// dropDoc forgets the blob of a document that was sent or given up.
func (t *Transport) dropDoc(m outMsg) {
	if m.DocBlob == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := t.store.DeleteBlob(ctx, m.DocBlob); err != nil {
		t.log.Warn("telegram: document not deleted", "blob", m.DocBlob, "err", err)
	}
}
