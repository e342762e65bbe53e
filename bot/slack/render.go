package slack

import (
	"strconv"
	"strings"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"github.com/crmbot/crmbot/handlers"
)

// MaxBlocks is the most blocks Slack takes in one message.
const MaxBlocks = 50

// Action ids of the buttons crmbot renders. Any other action id is refused.
const (
	actionCommand  = "cmd:"     // + index; value is a request line run as typed
	actionForm     = "form:"    // + form name; value an optional request line that presets it
	actionMenu     = "menu:"    // + form name; in the menu modal, switches to that form
	actionCustomer = "customer" // the customer picker's options
	actionHome     = "home:"    // + form or command on App Home
)

// escape makes user text safe in mrkdwn: Slack reads &, < and > as markup.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func plain(s string, n int) *slackgo.TextBlockObject {
	return slackgo.NewTextBlockObject(slackgo.PlainTextType, clip(s, n), false, false)
}

func mrkdwn(s string) *slackgo.TextBlockObject {
	return slackgo.NewTextBlockObject(slackgo.MarkdownType, s, false, false)
}

// render turns a Reply into Block Kit, at most MaxBlocks blocks: a header
// per heading, a section per paragraph (split below Slack's 3000
// characters), fields ten to a section, and buttons 25 to an actions block.
// The returned text is the notification and screen-reader fallback.
func render(rep handlers.Reply, more string) ([]slackgo.Block, string) {
	var blocks []slackgo.Block
	n := 0
	for _, bl := range rep.Blocks {
		if bl.Heading != "" {
			blocks = append(blocks, slackgo.NewHeaderBlock(plain(bl.Heading, 150)))
		}
		if bl.Text != "" {
			text := escape(bl.Text)
			if rep.Error {
				text = ":warning: " + text
			}
			for _, part := range split(text, 2900) {
				blocks = append(blocks, slackgo.NewSectionBlock(mrkdwn(part), nil, nil))
			}
		}
		for i := 0; i < len(bl.Fields); i += 10 {
			var fs []*slackgo.TextBlockObject
			for _, f := range bl.Fields[i:min(i+10, len(bl.Fields))] {
				fs = append(fs, mrkdwn(clip("*"+escape(f.Label)+"*\n"+escape(f.Value), 1900)))
			}
			blocks = append(blocks, slackgo.NewSectionBlock(nil, fs, nil))
		}
		for i := 0; i < len(bl.Buttons); i += 25 {
			var els []slackgo.BlockElement
			for _, btn := range bl.Buttons[i:min(i+25, len(bl.Buttons))] {
				n++
				els = append(els, button(actionCommand+strconv.Itoa(n), btn.Label, btn.Command))
			}
			blocks = append(blocks, slackgo.NewActionBlock("", els...))
		}
		if bl.Image != nil && bl.Image.Alt != "" {
			blocks = append(blocks, slackgo.NewContextBlock("", mrkdwn(escape(clip(bl.Image.Alt, 2900)))))
		}
		if bl.Document != nil && bl.Document.Caption != "" {
			blocks = append(blocks, slackgo.NewContextBlock("", mrkdwn(escape(clip(bl.Document.Caption, 2900)))))
		}
	}
	if len(blocks) > MaxBlocks {
		blocks = append(blocks[:MaxBlocks-1], slackgo.NewContextBlock("", plain(more, 150)))
	}
	return blocks, escape(clip(rep.Plain(), 3000))
}

// button is a plain button whose value a later interaction reads back.
func button(actionID, label, value string) *slackgo.ButtonBlockElement {
	return slackgo.NewButtonBlockElement(actionID, clip(value, 2000), plain(label, 75))
}

// split cuts s into parts of at most n runes, at line ends where it can.
func split(s string, n int) []string {
	var parts []string
	for utf8.RuneCountInString(s) > n {
		r := []rune(s)
		cut := n
		if i := strings.LastIndex(string(r[:n]), "\n"); i > 0 {
			cut = utf8.RuneCountInString(string(r[:n])[:i])
		}
		parts = append(parts, string(r[:cut]))
		s = strings.TrimLeft(string(r[cut:]), "\n")
	}
	if s != "" {
		parts = append(parts, s)
	}
	return parts
}
