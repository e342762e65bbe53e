package handlers

// Reply is what a request gets back, in a form every transport can render:
// Block Kit in Slack, HTML with an inline keyboard in Telegram, plain text in
// the console. Text in a Reply is plain; transports escape it.
type Reply struct {
	Blocks []Block
	// Prompt, when set, means the reply asks a question and the next plain
	// message from this person answers it: the transport sends Prompt + " " +
	// that message as the next request (a guided conversation).
	Prompt string
	// Error marks a reply that refused the request; transports may style it.
	Error bool
	// Key names a pushed message (a nudge, a digest) uniquely and stays the
	// same when it is delivered again. A transport that sends a reply in
	// several parts keys the parts by it, so a repeat never sends a part
	// the platform already took.
	Key string
}

// Block is one part of a reply, shown in order.
type Block struct {
	Heading string
	Text    string
	Fields  []Field
	// Buttons offer choices; each runs its Command as if the person typed it.
	Buttons []Button
	Image   *Image
	// Document is a file sent with the reply, such as a segment's CSV.
	Document *Document
}

// Field is a labelled value, as on a customer card.
type Field struct {
	Label string
	Value string
}

// Button is a choice. Command is a request line in the same language as
// typed commands ("show #6b03b3...", "done r:6b03..."), at most 64 bytes so
// it fits Telegram's callback data.
type Button struct {
	Label   string
	Command string
}

// Image is a picture sent with a reply, such as the digest's chart.
type Image struct {
	Name string // file name, e.g. "digest.png"
	PNG  []byte
	Alt  string // text fallback
}

// Document is a file a reply carries. Transports send it as a file
// attachment (Telegram sendDocument, Slack files.uploadV2); the console
// writes it to its folder. Caption says what it holds, for transports that
// cannot send files.
type Document struct {
	Name    string // file name, e.g. "segment-vip-kl.csv"
	Type    string // media type, e.g. "text/csv"
	Data    []byte
	Caption string
}

// Text returns a reply of one plain paragraph.
func Text(s string) Reply { return Reply{Blocks: []Block{{Text: s}}} }

// Plain renders a reply as plain text: the console's form, and the fallback
// of any transport. Buttons become a numbered list.
func (r Reply) Plain() string {
	var b []byte
	n := 0
	for i, bl := range r.Blocks {
		if i > 0 {
			b = append(b, '\n')
		}
		if bl.Heading != "" {
			b = append(b, bl.Heading...)
			b = append(b, '\n')
		}
		if bl.Text != "" {
			b = append(b, bl.Text...)
			b = append(b, '\n')
		}
		for _, f := range bl.Fields {
			b = append(b, "  "+f.Label+": "+f.Value+"\n"...)
		}
		for _, btn := range bl.Buttons {
			n++
			b = append(b, "  ["+itoa(n)+"] "+btn.Label+"\n"...)
		}
		if bl.Image != nil && bl.Image.Alt != "" {
			b = append(b, bl.Image.Alt...)
			b = append(b, '\n')
		}
		if bl.Document != nil && bl.Document.Caption != "" {
			b = append(b, bl.Document.Caption...)
			b = append(b, '\n')
		}
	}
	return string(b)
}

// Buttons returns every button of the reply in order, numbered from 1 in Plain.
func (r Reply) Buttons() []Button {
	var out []Button
	for _, bl := range r.Blocks {
		out = append(out, bl.Buttons...)
	}
	return out
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
