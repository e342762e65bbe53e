package handlers

import (
	"context"
	"strings"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/phone"
)

// Contact answers a phone contact a staff member shared: the card of the
// customer with that number (or the candidates when several have it), or
// an offer to add them as a customer.
func (h *Handler) Contact(ctx context.Context, s *crm.Staff, name, number string) Reply {
	lang := h.LangOf(s)
	e164, ok := phone.Normalize(number, h.cfg.Region)
	if !ok {
		return Reply{Blocks: []Block{{Text: h.cat.T(lang, "err_bad_phone", "phone", clip(number, 30))}}, Error: true}
	}
	cs, err := h.store.CustomersByPhone(ctx, e164)
	if err != nil {
		h.log.Error("contact lookup failed", "err", err)
		return Reply{Blocks: []Block{{Text: h.cat.T(lang, "err_internal")}}, Error: true}
	}
	if len(cs) > 0 {
		return h.Handle(ctx, Request{Staff: s, Text: "find " + e164})
	}
	name = strings.Join(strings.Fields(name), " ")
	add := strings.TrimSpace("add " + clip(name, 60) + " " + e164)
	return Reply{Blocks: []Block{{
		Text:    h.cat.T(lang, "tg_contact_new", "name", clip(name, 60), "phone", phone.Format(e164)),
		Buttons: []Button{{Label: h.cat.T(lang, "btn_add"), Command: add}},
	}}}
}
