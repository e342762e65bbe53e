package handlers

// AddInviteLinks adds a platform's links for redeeming an invite code (such
// as Telegram's t.me deep link) to those of Config.InviteLinks, for a
// transport that learns its links only once it has connected. Call it
// before the Handler serves requests; it is not safe to call concurrently
// with them.
func (h *Handler) AddInviteLinks(f func(code string) []string) {
	prev := h.cfg.InviteLinks
	h.cfg.InviteLinks = func(code string) []string {
		var out []string
		if prev != nil {
			out = prev(code)
		}
		return append(out, f(code)...)
	}
}
