package handlers

import (
	"context"
	"strconv"
	"strings"

	"github.com/crmbot/crmbot/crm"
)

// photoAttacher is the optional store method that adds photos to a filed
// complaint (store.DB has it).
type photoAttacher interface {
	AddComplaintPhotos(ctx context.Context, no crm.ComplaintNo, refs []string) error
}

// AttachPhotos keeps photos (platform file references) with complaint
// number no, for a photo sent after the complaint was filed.
func (h *Handler) AttachPhotos(ctx context.Context, s *crm.Staff, no string, refs []string) Reply {
	lang := h.LangOf(s)
	n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(no), "#"), 10, 64)
	if err != nil || n <= 0 {
		return Reply{Blocks: []Block{{Text: h.cat.T(lang, "tg_photo_which")}}, Error: true}
	}
	pa, ok := h.store.(photoAttacher)
	if !ok || len(refs) == 0 {
		return Reply{Blocks: []Block{{Text: h.cat.T(lang, "err_internal")}}, Error: true}
	}
	c, err := h.store.Complaint(ctx, crm.ComplaintNo(n))
	if err == nil {
		err = pa.AddComplaintPhotos(ctx, c.No, refs)
	}
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return Reply{Blocks: []Block{{Text: h.cat.T(lang, "err_complaint_not_found", "no", n)}}, Error: true}
	}
	if err != nil {
		h.log.Error("attach photos failed", "complaint", n, "err", err)
		return Reply{Blocks: []Block{{Text: h.cat.T(lang, "err_internal")}}, Error: true}
	}
	return Reply{Blocks: []Block{{
		Text:    h.cat.T(lang, "tg_photo_attached", "no", n, "count", len(refs)),
		Buttons: []Button{{Label: h.cat.T(lang, "btn_show"), Command: "show #" + string(c.CustomerID)}},
	}}}
}

// Media is a file kept with a customer's records: a photo of a complaint or
// a voice note of an interaction, by the platform's reference.
type Media struct {
	Ref     string
	Caption string
}

// CustomerMedia returns the files kept with a customer's recent
// interactions and open complaints, newest interactions first.
func (h *Handler) CustomerMedia(ctx context.Context, s *crm.Staff, id crm.CustomerID) ([]Media, error) {
	lang := h.LangOf(s)
	c, err := h.store.Customer(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []Media
	for i := len(c.Recent) - 1; i >= 0; i-- {
		it := c.Recent[i]
		for _, ref := range it.Attachments {
			out = append(out, Media{Ref: ref, Caption: h.when(it.At) + " " + h.cat.T(lang, "kind_"+string(it.Kind)) + ": " + clip(it.Notes, 200)})
		}
	}
	for _, o := range c.Open {
		cp, err := h.store.Complaint(ctx, o.No)
		if err != nil {
			continue
		}
		for _, ref := range cp.Photos {
			out = append(out, Media{Ref: ref, Caption: "#" + strconv.FormatInt(int64(o.No), 10) + " " + clip(o.Text, 200)})
		}
	}
	return out, nil
}
