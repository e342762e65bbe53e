package telegram

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/crmbot/crmbot/handlers"
)

// MaxText is Telegram's limit on a message's text, in UTF-16 code units.
// Rendered chunks are measured in their HTML source, which is never shorter
// than the text Telegram counts after parsing the tags.
const MaxText = 4096

// maxCaption is Telegram's limit on a photo caption.
const maxCaption = 1024

// maxButtons is the most buttons one message carries.
const maxButtons = 100

// outMsg is one message to send: the transport's encoding of a rendered
// reply part, kept in the outbox as JSON.
type outMsg struct {
	Chat    int64        `json:"chat"`
	Text    string       `json:"text,omitempty"` // HTML
	Buttons [][]kbButton `json:"buttons,omitempty"`
	PNG     []byte       `json:"png,omitempty"`   // a picture to upload
	Photo   string       `json:"photo,omitempty"` // a file_id to show again
	Voice   string       `json:"voice,omitempty"` // a file_id to play again
	Doc     []byte       `json:"doc,omitempty"`   // a file to upload as a document
	DocName string       `json:"docName,omitempty"`
	// DocBlob, when set, says Doc was too large for its outbox row and is
	// kept in the store as the blob of that key (document.go).
	DocBlob string `json:"docBlob,omitempty"`
	Caption string `json:"caption,omitempty"`
}

// kbButton is one inline-keyboard button with its callback data.
type kbButton struct {
	Text string `json:"text"`
	Data string `json:"data"`
}

// escape makes plain text safe in Telegram's HTML parse mode, which needs
// only &, < and > escaped outside attributes.
func escape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// htmlLines renders a reply's text as HTML lines: headings bold, fields as
// bold label and value, blocks separated by an empty line.
func htmlLines(rep handlers.Reply) []string {
	var lines []string
	for _, bl := range rep.Blocks {
		var part []string
		if bl.Heading != "" {
			part = append(part, "<b>"+escape(oneLine(bl.Heading))+"</b>")
		}
		if bl.Text != "" {
			for _, l := range strings.Split(bl.Text, "\n") {
				part = append(part, escape(l))
			}
		}
		for _, f := range bl.Fields {
			vs := strings.Split(f.Value, "\n")
			part = append(part, "<b>"+escape(oneLine(f.Label))+":</b> "+escape(vs[0]))
			for _, v := range vs[1:] {
				part = append(part, escape(v))
			}
		}
		if len(part) == 0 {
			continue
		}
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, part...)
	}
	if rep.Error && len(lines) > 0 {
		lines[0] = "⚠️ " + lines[0]
	}
	return lines
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// utf16Len is a string's length as Telegram counts it.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// split joins HTML lines into chunks of at most max UTF-16 units, breaking
// at line breaks; a single longer line is broken at a space where there is
// one, never inside a tag or an entity, closing and reopening a bold run.
func split(lines []string, max int) []string {
	var chunks []string
	var cur strings.Builder
	curLen := 0
	flush := func() {
		if s := strings.Trim(cur.String(), "\n"); strings.TrimSpace(s) != "" {
			chunks = append(chunks, s)
		}
		cur.Reset()
		curLen = 0
	}
	for _, l := range lines {
		n := utf16Len(l)
		if curLen > 0 && curLen+1+n > max {
			flush()
		}
		if n > max {
			flush()
			chunks = append(chunks, splitLine(l, max)...)
			continue
		}
		if curLen > 0 {
			cur.WriteByte('\n')
			curLen++
		}
		cur.WriteString(l)
		curLen += n
	}
	flush()
	return chunks
}

// splitLine breaks one HTML line (tags: <b>, </b>; entities: &...;) into
// pieces of at most max UTF-16 units.
func splitLine(l string, max int) []string {
	const open, closeTag = "<b>", "</b>"
	budget := max - len(open) - len(closeTag) // room for reopening and closing bold
	var out []string
	for l != "" {
		if utf16Len(l) <= max {
			out = append(out, l)
			break
		}
		cut, lastSpace, units := 0, -1, 0
		inTag, inEntity, bold, boldAtSpace, boldAtCut := false, false, false, false, false
		for i, r := range l {
			w := utf16.RuneLen(r)
			if units+w > budget {
				break
			}
			units += w
			switch {
			case inTag:
				if r == '>' {
					inTag = false
				}
			case inEntity:
				if r == ';' {
					inEntity = false
				}
			case r == '<':
				inTag = true
				bold = !strings.HasPrefix(l[i:], closeTag)
			case r == '&':
				inEntity = true
			case r == ' ':
				lastSpace, boldAtSpace = i, bold
			}
			if !inTag && !inEntity {
				cut, boldAtCut = i+utf8.RuneLen(r), bold
			}
		}
		if lastSpace > 0 && lastSpace > cut/2 {
			cut, boldAtCut = lastSpace+1, boldAtSpace
		}
		if cut == 0 { // cannot happen with budget > longest tag or entity; guard anyway
			cut = len(l)
		}
		piece, rest := l[:cut], l[cut:]
		if boldAtCut {
			piece += closeTag
			rest = open + rest
		}
		out = append(out, strings.TrimRight(piece, " "))
		l = rest
	}
	return out
}

// clipText shortens plain text to n runes for captions and labels.
func clipText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// keyboardRows lays buttons out for a thumb: two to a row when every label
// is short, else one to a row.
func keyboardRows(bs []kbButton) [][]kbButton {
	if len(bs) == 0 {
		return nil
	}
	if len(bs) > maxButtons {
		bs = bs[:maxButtons]
	}
	per := 2
	for _, b := range bs {
		if utf8.RuneCountInString(b.Text) > 18 {
			per = 1
			break
		}
	}
	var rows [][]kbButton
	for i := 0; i < len(bs); i += per {
		rows = append(rows, bs[i:min(i+per, len(bs))])
	}
	return rows
}
