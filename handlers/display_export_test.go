package handlers

import "github.com/crmbot/crmbot/crm"

// Money lets the black-box tests compare shown amounts with h.money, whose
// form is the region's, rather than spell that form out.
func (h *Handler) Money(m crm.Money) string { return h.money(m) }
