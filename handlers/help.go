package handlers

import (
	"context"
	"strings"
)

// help: help · help log
func (h *Handler) help(_ context.Context, r *request) (Reply, error) {
	topic := strings.ToLower(strings.TrimSpace(r.args))
	if topic == "" || r.name == "start" {
		return h.helpReply(r), nil
	}
	if _, ok := h.commands[topic]; !ok {
		return Reply{}, invalid("err_unknown_command", "word", clip(topic, 30))
	}
	return Reply{Blocks: []Block{{
		Heading: topic,
		Text:    h.cat.T(r.lang, "help_"+topic) + "\n" + h.cat.T(r.lang, "example", "example", h.cat.T(r.lang, "example_"+topic)),
	}}}, nil
}

// helpReply lists every command with its example.
func (h *Handler) helpReply(r *request) Reply {
	var lines []string
	for _, c := range Commands() {
		if c == "help" {
			continue
		}
		if cmd := h.commands[c]; r.Staff != nil && !r.Staff.Role.AtLeast(cmd.minRole) {
			continue
		}
		lines = append(lines, "• "+c+" — "+h.cat.T(r.lang, "help_"+c)+"\n    "+h.cat.T(r.lang, "example_"+c))
	}
	return Reply{Blocks: []Block{{Text: h.cat.T(r.lang, "help_intro")}, {Text: strings.Join(lines, "\n")}}}
}

// Describe returns a command's one-line description in lang, for platform
// menus: the first line of its help, as a help text may go on with examples.
func (h *Handler) Describe(lang, command string) string {
	first, _, _ := strings.Cut(h.cat.T(lang, "help_"+command), "\n")
	return first
}
