package telegram

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
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

// A document larger than Config.DocPart is not kept inside its outbox row
// (the store caps a document at 16 MB, and the row is read by every
// recovery pass) but in state parts of that size, until it is sent or
// given up; docKeep outlasts every retry.
const docKeep = 7 * 24 * time.Hour

// errDocGone is a queued document whose parts are no longer in the store.
var errDocGone = errors.New("telegram: the document's stored parts are gone")

// storeDocParts returns m as its outbox row keeps it: with a large document
// moved to state parts under the row's id.
func (t *Transport) storeDocParts(ctx context.Context, id string, m outMsg) (outMsg, error) {
	size := t.cfg.DocPart
	if len(m.Doc) <= size {
		return m, nil
	}
	expires := t.now().Add(docKeep)
	for i := 0; i*size < len(m.Doc); i++ {
		part := m.Doc[i*size : min((i+1)*size, len(m.Doc))]
		if err := t.store.PutState(ctx, docPartKey(id, i), part, expires); err != nil {
			return m, fmt.Errorf("store document part %d: %w", i, err)
		}
		m.DocParts = i + 1
	}
	m.Doc, m.DocKey = nil, id
	return m, nil
}

// docData returns a message's document, reading its parts if it has them.
func (t *Transport) docData(ctx context.Context, m outMsg) ([]byte, error) {
	if m.Doc != nil {
		return m.Doc, nil
	}
	var data []byte
	for i := range m.DocParts {
		part, err := t.store.State(ctx, docPartKey(m.DocKey, i), t.now())
		if err != nil {
			return nil, fmt.Errorf("read document part %d: %w: %w", i, errDocGone, err)
		}
		data = append(data, part...)
	}
	return data, nil
}

// dropDocParts forgets the parts of a document that was sent or given up.
func (t *Transport) dropDocParts(m outMsg) {
	if m.DocParts == 0 || m.DocKey == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range m.DocParts {
		if err := t.store.DeleteState(ctx, docPartKey(m.DocKey, i)); err != nil {
			t.log.Warn("telegram: document part not deleted", "message", m.DocKey, "part", i, "err", err)
		}
	}
}

func docPartKey(id string, i int) string { return "tg:doc:" + id + ":" + strconv.Itoa(i) }
