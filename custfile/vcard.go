package custfile

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/crmbot/crmbot/crm"
)

// The columns a vCard file is read into, named by the properties that fill
// them, so that Import, a dry run and duplicate matching treat contacts as
// they treat CSV rows. A --map over these names works as on CSV titles
// ("NOTE=-").
var vcardColumns = []Column{
	{Header: "FN", Field: FieldName}, // FN, or N when a card has no FN
	{Header: "ORG", Field: FieldCompany},
	{Header: "TEL", Field: FieldPhone}, // every number, "a / b"
	{Header: "EMAIL", Field: FieldEmail},
	{Header: "ADR", Field: FieldAddress},
	{Header: "ADR locality", Field: FieldCity},
	{Header: "URL", Field: FieldWebsite},
	{Header: "BDAY", Field: FieldBirthday},
	{Header: "ANNIVERSARY", Field: FieldAnniversary},
	{Header: "NOTE", Field: FieldNotes}, // NOTE, CATEGORIES and numbers that are not phones
}

const (
	vcFN = iota
	vcORG
	vcTEL
	vcEMAIL
	vcADR
	vcCity
	vcURL
	vcBDAY
	vcAnniversary
	vcNOTE
)

// charsets are the CHARSET= values of vCard 2.1 exports that are not UTF-8.
var charsets = map[string]encoding.Encoding{
	"gb2312":       simplifiedchinese.GBK,
	"gbk":          simplifiedchinese.GBK,
	"gb18030":      simplifiedchinese.GB18030,
	"big5":         traditionalchinese.Big5,
	"iso-8859-1":   charmap.ISO8859_1,
	"windows-1252": charmap.Windows1252,
}

// isVCard reports text that starts, after blank lines, with BEGIN:VCARD.
func isVCard(text string) bool {
	text = strings.TrimLeft(text, "\uFEFF \t\r\n")
	return len(text) >= 11 && strings.EqualFold(text[:11], "BEGIN:VCARD")
}

// vcProp is one property of a card, unfolded and decoded.
type vcProp struct {
	group  string // "item1" of item1.TEL
	name   string // upper case
	params map[string][]string
	value  string // decoded but not unescaped: structured values still split at ';'
}

// readVCard reads vCard 2.1, 3.0 and 4.0 contacts, one row each, its line
// the line of its BEGIN:VCARD. It unfolds lines, decodes 2.1's
// quoted-printable values (soft line breaks included) in their CHARSET,
// skips photos and keys, and rejects, with their line, a card that names
// no one and has no phone or e-mail and a card without END:VCARD.
func readVCard(d decoded, opts ReadOptions) (*File, error) {
	f := &File{Format: FormatVCard, Encoding: d.encoding, Columns: append([]Column(nil), vcardColumns...)}
	if err := f.applyMapping(opts.Mapping); err != nil {
		return nil, err
	}
	var card []vcProp
	begin := 0 // line of the open card's BEGIN:VCARD, 0 outside a card
	lines := strings.Split(d.text, "\n")
	for i := 0; i < len(lines); i++ {
		n := i + 1
		l := strings.TrimRight(lines[i], "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		// Unfold: a line starting with a space or tab continues the last.
		for i+1 < len(lines) && len(lines[i+1]) > 0 && (lines[i+1][0] == ' ' || lines[i+1][0] == '\t') {
			i++
			l += strings.TrimRight(lines[i][1:], "\r")
		}
		p, ok := parseProp(l)
		if !ok {
			continue // not a property line: skipped as readers do
		}
		if qp(p.params) {
			// 2.1 quoted-printable: a value ending in '=' goes on.
			for strings.HasSuffix(p.value, "=") && i+1 < len(lines) {
				i++
				p.value = p.value[:len(p.value)-1] + strings.TrimRight(lines[i], "\r")
			}
		}
		switch {
		case p.name == "BEGIN" && strings.EqualFold(strings.TrimSpace(p.value), "VCARD"):
			if begin != 0 {
				f.Rejected = append(f.Rejected, Rejection{Line: begin, Key: "imp_rej_vcard_unterminated"})
			}
			if len(f.Rows)+len(f.Rejected) >= MaxRows {
				return nil, crm.Errorf(crm.EINVALID, "imp_err_too_many_rows", "max", MaxRows)
			}
			begin, card = n, card[:0]
		case p.name == "END" && strings.EqualFold(strings.TrimSpace(p.value), "VCARD"):
			if begin == 0 {
				continue
			}
			if rec, ok := vcardRow(card); ok {
				f.Rows = append(f.Rows, rec)
				f.Line = append(f.Line, begin)
			} else {
				f.Rejected = append(f.Rejected, Rejection{Line: begin, Key: "imp_rej_vcard_empty"})
			}
			begin = 0
		case begin != 0:
			switch p.name {
			case "PHOTO", "LOGO", "SOUND", "KEY":
				// Pictures and keys: nothing a customer record holds.
			default:
				p.value = decodeValue(p)
				card = append(card, p)
			}
		}
	}
	if begin != 0 {
		f.Rejected = append(f.Rejected, Rejection{Line: begin, Key: "imp_rej_vcard_unterminated"})
	}
	return f, nil
}

// applyMapping applies a --map to columns that already carry their fields.
func (f *File) applyMapping(mapping map[string]string) error {
	for k, v := range mapping {
		fl, ok := ParseField(v)
		if v == "-" {
			fl, ok = "", true
		}
		if !ok {
			return crm.Errorf(crm.EINVALID, "imp_err_mapping_field", "field", clip(v, 30))
		}
		found := false
		for i, c := range f.Columns {
			if foldHeader(c.Header) == foldHeader(k) {
				f.Columns[i].Field, found = fl, true
			}
		}
		if !found {
			return crm.Errorf(crm.EINVALID, "imp_err_mapping_column", "column", clip(k, 30))
		}
	}
	return nil
}

// parseProp splits "item1.TEL;TYPE=CELL;PREF:+60 12-345 6789" into group,
// name, parameters and value. 2.1's bare parameters (TEL;CELL) are types;
// a parameter value may be quoted and hold ':' or ';' (4.0).
func parseProp(l string) (vcProp, bool) {
	colon, quoted := -1, false
	for i := 0; i < len(l) && colon < 0; i++ {
		switch l[i] {
		case '"':
			quoted = !quoted
		case ':':
			if !quoted {
				colon = i
			}
		}
	}
	if colon <= 0 {
		return vcProp{}, false
	}
	head, value := l[:colon], l[colon+1:]
	parts := splitParams(head)
	name := parts[0]
	var group string
	if dot := strings.LastIndexByte(name, '.'); dot >= 0 {
		group, name = name[:dot], name[dot+1:]
	}
	p := vcProp{group: group, name: strings.ToUpper(strings.TrimSpace(name)), value: value, params: map[string][]string{}}
	for _, prm := range parts[1:] {
		k, v, ok := strings.Cut(prm, "=")
		if !ok {
			k, v = "TYPE", prm
			switch strings.ToUpper(prm) {
			case "QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT":
				k = "ENCODING"
			}
		}
		k = strings.ToUpper(strings.TrimSpace(k))
		for _, x := range strings.Split(strings.Trim(v, `"`), ",") {
			p.params[k] = append(p.params[k], strings.TrimSpace(x))
		}
	}
	return p, true
}

// splitParams splits a property's name and parameters at ';' outside quotes.
func splitParams(s string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ';':
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func qp(params map[string][]string) bool {
	for _, e := range params["ENCODING"] {
		if strings.EqualFold(e, "QUOTED-PRINTABLE") {
			return true
		}
	}
	return false
}

// decodeValue undoes a value's transfer encoding (quoted-printable, or
// base64 on a text property) and reads it in its CHARSET; escapes stay.
func decodeValue(p vcProp) string {
	var raw []byte
	switch enc := strings.ToUpper(first(p.params["ENCODING"])); {
	case enc == "QUOTED-PRINTABLE":
		raw = unQP(p.value)
	case enc == "BASE64" || enc == "B":
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(p.value), ""))
		if err != nil {
			return p.value
		}
		raw = b
	default:
		return p.value
	}
	cs := strings.ToLower(first(p.params["CHARSET"]))
	if enc, ok := charsets[cs]; ok {
		if out, err := enc.NewDecoder().Bytes(raw); err == nil {
			return string(out)
		}
	}
	if utf8.Valid(raw) {
		return string(raw)
	}
	out, _ := charmap.Windows1252.NewDecoder().Bytes(raw)
	return string(out)
}

// unQP decodes quoted-printable leniently: "=E9=99=88" is bytes, a '=' not
// followed by two hex digits stays as it is.
func unQP(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '=' && i+2 < len(s) {
			if h, ok := unhex(s[i+1], s[i+2]); ok {
				out = append(out, h)
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return out
}

func unhex(a, b byte) (byte, bool) {
	x, ok1 := hexVal(a)
	y, ok2 := hexVal(b)
	return x<<4 | y, ok1 && ok2
}

func hexVal(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// components splits a structured value (N, ADR, ORG) at unescaped ';' and
// unescapes each part.
func components(v string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '\\' && i+1 < len(v):
			b.WriteByte('\\')
			b.WriteByte(v[i+1])
			i++
		case v[i] == ';':
			out = append(out, unescape(b.String()))
			b.Reset()
		default:
			b.WriteByte(v[i])
		}
	}
	return append(out, unescape(b.String()))
}

// unescape reads a text value's \n, \, \; and \\.
func unescape(v string) string {
	if !strings.Contains(v, `\`) {
		return strings.TrimSpace(v)
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
			switch v[i] {
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				b.WriteByte(v[i])
			}
			continue
		}
		b.WriteByte(v[i])
	}
	return strings.TrimSpace(b.String())
}

// vcardRow turns a card's properties into a row of vcardColumns; false when
// the card has no name, phone or e-mail.
func vcardRow(card []vcProp) ([]string, bool) {
	rec := make([]string, len(vcardColumns))
	var tels, emails, notes, cats []string
	var nName string
	labels := map[string]string{} // item group -> X-ABLabel
	for _, p := range card {
		if p.name == "X-ABLABEL" {
			labels[p.group] = strings.ToLower(unescape(p.value))
		}
	}
	for _, p := range card {
		switch p.name {
		case "FN":
			if rec[vcFN] == "" {
				rec[vcFN] = unescape(p.value)
			}
		case "N":
			if nName == "" {
				c := append(components(p.value), "", "")
				// family;given;additional;prefix;suffix
				nName = joinName(strings.TrimSpace(strings.Join(nonEmpty(c[1], c[2]), " ")), c[0])
			}
		case "ORG":
			if rec[vcORG] == "" {
				rec[vcORG] = strings.Join(nonEmpty(components(p.value)...), ", ")
			}
		case "TEL":
			t := strings.TrimSpace(strings.TrimPrefix(unescape(p.value), "tel:"))
			if num, ok := phoneLike(t); ok {
				tels = append(tels, num)
			} else if t != "" {
				notes = append(notes, "TEL: "+t)
			}
		case "EMAIL":
			if e := unescape(p.value); e != "" {
				emails = append(emails, strings.TrimPrefix(e, "mailto:"))
			}
		case "ADR":
			if rec[vcADR] == "" {
				// pobox;extended;street;locality;region;code;country
				c := append(components(p.value), make([]string, 7)...)
				rec[vcADR] = strings.Join(nonEmpty(c[:7]...), ", ")
				rec[vcCity] = c[3]
			}
		case "URL":
			if rec[vcURL] == "" {
				rec[vcURL] = unescape(p.value)
			}
		case "BDAY":
			if rec[vcBDAY] == "" {
				rec[vcBDAY] = vcardDate(unescape(p.value), p.params)
			}
		case "ANNIVERSARY", "X-ANNIVERSARY", "X-ABDATE":
			if p.name == "X-ABDATE" && !strings.Contains(labels[p.group], "anniversary") {
				continue
			}
			if rec[vcAnniversary] == "" {
				rec[vcAnniversary] = vcardDate(unescape(p.value), p.params)
			}
		case "NOTE":
			if n := unescape(p.value); n != "" {
				notes = append([]string{n}, notes...)
			}
		case "CATEGORIES":
			for _, c := range strings.Split(p.value, ",") {
				if c = unescape(c); c != "" {
					cats = append(cats, c)
				}
			}
		}
	}
	if rec[vcFN] == "" {
		rec[vcFN] = nName
	}
	if rec[vcFN] == "" && len(tels)+len(emails) == 0 {
		return nil, false
	}
	if rec[vcFN] == "" {
		rec[vcFN] = rec[vcORG] // a company's card: the company is the name
	}
	if len(cats) > 0 {
		notes = append(notes, "CATEGORIES: "+strings.Join(cats, ", "))
	}
	rec[vcTEL] = strings.Join(tels, " / ")
	rec[vcEMAIL] = strings.Join(emails, "; ")
	rec[vcNOTE] = strings.Join(notes, "\n")
	return rec, true
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// phoneLike keeps the dialable part of a TEL value ("012-345 6789,,12#"
// is 012-345 6789) when it has enough digits to be a phone number; short
// codes and service numbers (*100#) are not.
func phoneLike(t string) (string, bool) {
	if i := strings.IndexAny(t, ",;pPwWxXeE"); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	digits := 0
	for _, r := range t {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-() .", r):
		default:
			return "", false
		}
	}
	return t, digits >= 6
}

// vcardDate turns a vCard date into one parseDate reads: 19900314 and
// 1990-03-14T00:00:00Z are the date, --0314 and Apple's year 1604 mark a
// date without its year.
func vcardDate(v string, params map[string][]string) string {
	if i := strings.IndexAny(v, "Tt"); i > 0 {
		v = v[:i]
	}
	if len(v) == 6 && strings.HasPrefix(v, "--") {
		v = "--" + v[2:4] + "-" + v[4:]
	}
	omit := first(params["X-APPLE-OMIT-YEAR"])
	if len(v) >= 8 && (omit != "" && strings.HasPrefix(v, omit) || strings.HasPrefix(v, "1604")) {
		md := strings.ReplaceAll(v[4:], "-", "")
		if len(md) == 4 {
			v = "--" + md[:2] + "-" + md[2:]
		}
	}
	return v
}
