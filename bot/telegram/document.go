package telegram

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

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
