// Package custfile reads customer lists that people export from other
// tools (CSV in any of the usual delimiters and encodings, Excel workbooks,
// vCard contacts from phones; headers in crmbot's six languages) and writes
// customers back out as CSV that a spreadsheet opens safely. It knows the crm types and phone numbers, and
// talks to storage only through the small Store interface it declares.
package custfile

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/crmbot/crmbot/crm"
)

// Encodings a file may be read as; "" lets Read guess.
var encodings = map[string]encoding.Encoding{
	"utf-8":        encoding.Nop,
	"gbk":          simplifiedchinese.GBK,
	"gb18030":      simplifiedchinese.GB18030,
	"big5":         traditionalchinese.Big5,
	"windows-1252": charmap.Windows1252,
	"latin1":       charmap.ISO8859_1,
}

// decoded is a file's text in UTF-8 and what it was read as, e.g.
// "utf-8", "utf-8+gbk" (UTF-8 lines mixed with GBK ones).
type decoded struct {
	text     string
	encoding string
}

// decode turns a file into UTF-8. A byte-order mark decides (UTF-8,
// UTF-16LE, UTF-16BE). Without one, lines that are valid UTF-8 stay as they
// are and the others are read in the legacy encoding that fits them best:
// exporters on Chinese Windows write GBK or Big5, Western ones Windows-1252,
// and a file pasted together from several of them mixes them line by line.
// name forces an encoding for the lines that are not UTF-8.
func decode(b []byte, name string) (decoded, error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		b = b[3:]
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		enc := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
		label := "utf-16le"
		if b[0] == 0xFE {
			enc, label = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "utf-16be"
		}
		out, err := enc.NewDecoder().Bytes(b)
		if err != nil {
			return decoded{}, crm.Errorf(crm.EINVALID, "imp_err_encoding", "encoding", label)
		}
		return decoded{text: string(out), encoding: label}, nil
	}
	var forced encoding.Encoding
	if name != "" {
		e, ok := encodings[strings.ToLower(name)]
		if !ok {
			return decoded{}, crm.Errorf(crm.EINVALID, "imp_err_unknown_encoding", "encoding", clip(name, 20))
		}
		forced = e
	}
	if utf8.Valid(b) {
		return decoded{text: string(b), encoding: "utf-8"}, nil
	}
	lines := bytes.SplitAfter(b, []byte{'\n'})
	cjk, cjkName := forced, strings.ToLower(name)
	if forced == nil {
		cjk, cjkName = guessCJK(lines)
	}
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/2)
	used := map[string]bool{}
	for _, l := range lines {
		if utf8.Valid(l) {
			sb.Write(l)
			if hasHigh(l) {
				used["utf-8"] = true
			}
			continue
		}
		var out []byte
		ok := false
		label := cjkName
		if forced != nil || !latinLine(l) {
			out, ok = decodeStrict(cjk, l)
		}
		if !ok && forced == nil {
			out, _ = decodeStrict(charmap.Windows1252, l)
			label = "windows-1252"
		}
		used[label] = true
		sb.Write(out)
	}
	var labels []string
	for _, l := range []string{"utf-8", "gbk", "gb18030", "big5", "windows-1252", "latin1"} {
		if used[l] {
			labels = append(labels, l)
		}
	}
	return decoded{text: sb.String(), encoding: strings.Join(labels, "+")}, nil
}

func hasHigh(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// decodeStrict decodes b and reports whether every byte sequence was valid
// in enc (the decoders of x/text replace invalid ones with U+FFFD).
func decodeStrict(enc encoding.Encoding, b []byte) ([]byte, bool) {
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return bytes.ToValidUTF8(b, []byte("\uFFFD")), false
	}
	return out, !bytes.ContainsRune(out, utf8.RuneError) || bytes.Contains(b, []byte("\xEF\xBF\xBD"))
}

// latinLine reports a line whose bytes above ASCII stand alone and are
// letters in Windows-1252 (é, ü, ñ between plain letters): "Renée" in
// Windows-1252 is also a valid GBK and Big5 pair, but Chinese text never
// has a single high byte between ASCII characters with a letter's value.
func latinLine(l []byte) bool {
	seen := false
	for i, c := range l {
		if c < 0x80 {
			continue
		}
		if i > 0 && l[i-1] >= 0x80 || i+1 < len(l) && l[i+1] >= 0x80 {
			return false
		}
		letter := c >= 0xC0 && c != 0xD7 && c != 0xF7 || c == 0x8A || c == 0x8C || c == 0x8E || c == 0x9A || c == 0x9C || c == 0x9E || c == 0x9F
		if !letter {
			return false
		}
		seen = true
	}
	return seen
}

// guessCJK picks GBK or Big5 for a file's non-UTF-8 lines. Both are
// two-byte encodings over the same lead bytes, so the bytes decide:
// GB2312's characters always have a trail byte from 0xA1, and its rows
// 0xA4 to 0xAF hold no Chinese characters, while Big5's commonest
// characters (一 A440, 大 A46A, 公 A4BD, 司 A571) sit exactly there.
func guessCJK(lines [][]byte) (encoding.Encoding, string) {
	var pairs, big5 int
	for _, l := range lines {
		if utf8.Valid(l) || latinLine(l) {
			continue
		}
		if _, ok := decodeStrict(simplifiedchinese.GBK, l); !ok {
			if _, ok := decodeStrict(traditionalchinese.Big5, l); !ok {
				continue // neither: a Windows-1252 line, no evidence either way
			}
		}
		for i := 0; i+1 < len(l); i++ {
			lead, trail := l[i], l[i+1]
			if lead < 0x81 {
				continue
			}
			pairs++
			if trail >= 0x40 && trail <= 0x7E || lead >= 0xA4 && lead <= 0xAF {
				big5++
			}
			i++
		}
	}
	if pairs > 0 && big5*4 > pairs {
		return traditionalchinese.Big5, "big5"
	}
	return simplifiedchinese.GBK, "gbk"
}

// clip shortens text that is echoed back in a message.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
