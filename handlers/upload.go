package handlers

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/custfile"
)

// Limits of an import sent in chat. Telegram lets a bot download 20 MB; a
// larger list goes through `crmbot import FILE` on the server, which has no
// such limit and needs no staging.
const (
	MaxUploadBytes = 10 << 20
	// stagedFor is how long a checked file waits for its Import button.
	stagedFor = 24 * time.Hour
	// progressEvery spaces progress lines in chat.
	progressEvery = 10 * time.Second
)

// importStore is what a chat import needs of the store beyond crm.Store.
type importStore interface {
	custfile.Store
	crm.StagedImportStore
}

// importFile: a file sent with the caption "import" (or alone) is read and
// checked by a dry run, then kept with Import / Cancel buttons; "import
// u:<id>" imports it, "import cancel u:<id>" drops it. A mapping may follow
// the word: import Tel Bimbit=phone, Remark=-
func (h *Handler) importFile(ctx context.Context, r *request) (Reply, error) {
	st, ok := h.store.(importStore)
	if !ok {
		return Reply{}, crm.Errorf(crm.EINTERNAL, "err_internal")
	}
	args := strings.TrimSpace(r.args)
	if r.Upload == nil {
		if id, ok := strings.CutPrefix(args, "cancel u:"); ok {
			return h.cancelImport(ctx, r, st, id)
		}
		if id, ok := strings.CutPrefix(args, "u:"); ok {
			return h.runStaged(ctx, r, st, id)
		}
		return Reply{}, invalid("imp_send_file", "mb", MaxUploadBytes>>20)
	}
	mapping, err := custfile.ParseMapping(strings.TrimSpace(strings.TrimPrefix(args, "--dry-run")))
	if err != nil {
		return Reply{}, err
	}
	name := path.Base(strings.ReplaceAll(r.Upload.Name, "\\", "/"))
	if r.Upload.Size > MaxUploadBytes {
		return Reply{}, invalid("imp_upload_too_large", "mb", MaxUploadBytes>>20)
	}
	data, err := h.readUpload(ctx, r.Upload)
	if err != nil {
		return Reply{}, err
	}
	file, err := custfile.Read(bytes.NewReader(data), custfile.ReadOptions{Mapping: mapping})
	if err != nil {
		return Reply{}, err
	}
	sum, err := custfile.Import(ctx, st, file, custfile.Options{DryRun: true, Region: h.cfg.Region, Staff: r.Staff.ID,
		Progress: h.importProgress(ctx, r)})
	if err != nil {
		return Reply{}, err
	}
	t := func(key string, args ...any) string { return h.cat.T(r.lang, key, args...) }
	head := Block{Heading: t("imp_checked", "file", clip(name, 60)), Text: strings.TrimRight(ImportReport(h.cat, r.lang, sum), "\n")}
	if sum.Created+sum.Updated == 0 {
		head.Text += "\n" + t("imp_nothing_to_do")
		return Reply{Blocks: []Block{head}}, nil
	}
	id, err := stagedID()
	if err != nil {
		return Reply{}, err
	}
	now := h.cfg.Now()
	if err := st.StageImport(ctx, &crm.StagedImport{ID: id, Staff: r.Staff.ID, Name: name, Data: data, Mapping: mapping, At: now}, now.Add(-stagedFor)); err != nil {
		return Reply{}, err
	}
	ask := Block{Text: t("imp_confirm", "created", sum.Created, "updated", sum.Updated), Buttons: []Button{
		{Label: t("btn_import", "count", sum.Created+sum.Updated), Command: "import u:" + id},
		{Label: t("btn_cancel_import"), Command: "import cancel u:" + id},
	}}
	return Reply{Blocks: []Block{head, ask}}, nil
}

// readUpload reads at most MaxUploadBytes of an upload; a platform that did
// not say the size is caught here.
func (h *Handler) readUpload(ctx context.Context, u *Upload) ([]byte, error) {
	rc, err := u.Open(ctx)
	if err != nil {
		return nil, fmt.Errorf("open upload: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, MaxUploadBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	if len(data) > MaxUploadBytes {
		return nil, invalid("imp_upload_too_large", "mb", MaxUploadBytes>>20)
	}
	return data, nil
}

// takeStaged takes a staged import that belongs to the sender. Someone
// else's id is answered as if it did not exist, and put back untouched.
func (h *Handler) takeStaged(ctx context.Context, r *request, st importStore, id string) (*crm.StagedImport, error) {
	s, err := st.TakeStagedImport(ctx, strings.TrimSpace(id))
	if err != nil {
		return nil, err
	}
	if s.Staff != r.Staff.ID {
		if err := st.StageImport(ctx, s, time.Time{}); err != nil {
			return nil, err
		}
		return nil, crm.Errorf(crm.ENOTFOUND, "imp_err_staged_gone")
	}
	if h.cfg.Now().Sub(s.At) > stagedFor {
		return nil, crm.Errorf(crm.ENOTFOUND, "imp_err_staged_gone")
	}
	return s, nil
}

func (h *Handler) cancelImport(ctx context.Context, r *request, st importStore, id string) (Reply, error) {
	s, err := h.takeStaged(ctx, r, st, id)
	if err != nil {
		return Reply{}, err
	}
	return Text(h.cat.T(r.lang, "imp_cancelled", "file", clip(s.Name, 60))), nil
}

// runStaged imports a checked file. The staged copy is taken first, so a
// second press of the button finds nothing; if the import then fails, the
// sender sends the file again (rows already imported are matched, not
// doubled, when they carry a phone or e-mail).
func (h *Handler) runStaged(ctx context.Context, r *request, st importStore, id string) (Reply, error) {
	s, err := h.takeStaged(ctx, r, st, id)
	if err != nil {
		return Reply{}, err
	}
	file, err := custfile.Read(bytes.NewReader(s.Data), custfile.ReadOptions{Mapping: s.Mapping})
	if err != nil {
		return Reply{}, err
	}
	t := func(key string, args ...any) string { return h.cat.T(r.lang, key, args...) }
	if r.Progress != nil {
		r.Progress(ctx, t("imp_started", "file", clip(s.Name, 60), "rows", len(file.Rows)))
	}
	sum, err := custfile.Import(ctx, st, file, custfile.Options{Region: h.cfg.Region, Staff: r.Staff.ID,
		Progress: h.importProgress(ctx, r)})
	if err != nil {
		return Reply{}, err
	}
	return Reply{Blocks: []Block{{
		Heading: t("imp_done", "file", clip(s.Name, 60)),
		Text:    strings.TrimRight(ImportReport(h.cat, r.lang, sum), "\n"),
		Buttons: []Button{{Label: t("btn_segment_new"), Command: "segment new-this-month"}},
	}}}, nil
}

// importProgress shows custfile's progress to the sender at most once every
// progressEvery, and not at the end, which the summary covers; nil when the
// transport shows no progress.
func (h *Handler) importProgress(ctx context.Context, r *request) func(done, total int) {
	if r.Progress == nil {
		return nil
	}
	last := h.cfg.Now()
	return func(done, total int) {
		if now := h.cfg.Now(); done < total && now.Sub(last) >= progressEvery {
			last = now
			r.Progress(ctx, h.cat.T(r.lang, "imp_progress", "done", done, "total", total))
		}
	}
}

func stagedID() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("staged import id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// exportAll: every customer as a CSV file, cells neutralised against
// formulas as in `crmbot export`.
func (h *Handler) exportAll(ctx context.Context, r *request) (Reply, error) {
	lister, ok := h.store.(custfile.Lister)
	if !ok {
		return Reply{}, crm.Errorf(crm.EINTERNAL, "err_internal")
	}
	var buf bytes.Buffer
	n, err := custfile.Export(ctx, lister, &buf, h.cfg.Location, h.cfg.Currency)
	if err != nil {
		return Reply{}, err
	}
	name := "customers-" + h.now().Format("2006-01-02") + ".csv"
	caption := h.cat.T(r.lang, "exp_chat_done", "count", n, "file", name)
	return Reply{Blocks: []Block{{Document: &Document{Name: name, Type: "text/csv", Data: buf.Bytes(), Caption: caption}}}}, nil
}
