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

// helpReply lists every command with its summary and example; "help log"
// has the whole text, so the list fits one chat message.
func (h *Handler) helpReply(r *request) Reply {
	var lines []string
	for _, c := range Commands() {
		if c == "help" {
			continue
		}
		if cmd := h.commands[c]; r.Staff != nil && !r.Staff.Role.AtLeast(cmd.minRole) {
			continue
		}
		lines = append(lines, "• "+c+" — "+summary(h.Describe(r.lang, c))+"\n    "+h.cat.T(r.lang, "example_"+c))
	}
	return Reply{Blocks: []Block{{Text: h.cat.T(r.lang, "help_intro")}, {Text: strings.Join(lines, "\n")}}}
}

// Describe returns a command's one-line description in lang, for platform
// menus: the first line of its help, as a help text may go on with examples.
func (h *Handler) Describe(lang, command string) string {
	first, _, _ := strings.Cut(h.cat.T(lang, "help_"+command), "\n")
	return first
}

// summaryLen is the length past which a help line is cut to its first sentence.
const summaryLen = 90

// summary is the first sentence of a long help line.
func summary(s string) string {
	if len([]rune(s)) <= summaryLen {
		return s
	}
	cut := len(s)
	for _, end := range []string{". ", "。", "। ", "; ", "；"} {
		if i := strings.Index(s, end); i > 0 && i+len(end) < cut {
			cut = i + len(strings.TrimSpace(end))
		}
	}
	return strings.TrimSpace(s[:cut])
}
