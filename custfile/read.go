package custfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/crmbot/crmbot/crm"
)

// Limits on what one file may hold. A row beyond MaxColumns or a cell beyond
// MaxCell is rejected with its number, not truncated: a silently clipped
// record is worse than a named refusal.
const (
	MaxBytes   = 256 << 20 // a file larger than this is refused whole
	MaxRows    = 1_000_000
	MaxColumns = 200
	MaxCell    = 2000
)

// Field is a customer field a column can fill.
type Field string

// The fields a column maps to.
const (
	FieldName        Field = "name"
	FieldFirstName   Field = "first_name"
	FieldLastName    Field = "last_name"
	FieldCompany     Field = "company"
	FieldPhone       Field = "phone"
	FieldEmail       Field = "email"
	FieldAddress     Field = "address"
	FieldCity        Field = "city"
	FieldWebsite     Field = "website"
	FieldSource      Field = "source"
	FieldContact     Field = "preferred_contact"
	FieldLanguage    Field = "language"
	FieldBirthday    Field = "birthday"
	FieldAnniversary Field = "anniversary"
	FieldHobbies     Field = "hobbies"
	FieldNotes       Field = "notes"
	FieldFacebook    Field = "facebook"
	FieldLinkedIn    Field = "linkedin"
	FieldInstagram   Field = "instagram"
	FieldIgnore      Field = "-"
)

// headerWords are the column titles each field is known by, in English,
// Malay, Indonesian, Chinese (both scripts) and Hindi, folded as foldHeader
// folds them (lower case, no spaces, dashes, dots or underscores).
var headerWords = map[Field][]string{
	FieldName: {"name", "fullname", "customer", "customername", "contact", "contactname", "client", "clientname",
		"nama", "namapenuh", "namapelanggan", "namalengkap", "namakonsumen",
		"姓名", "名字", "客户", "客户名称", "客户姓名", "联系人", "客戶", "客戶名稱", "客戶姓名", "聯絡人", "名称", "名稱",
		"नाम", "ग्राहक", "ग्राहककानाम", "पूरानाम"},
	FieldFirstName: {"firstname", "givenname", "first", "namapertama", "namadepan", "名", "पहलानाम"},
	FieldLastName:  {"lastname", "surname", "familyname", "last", "namaakhir", "namabelakang", "namakeluarga", "姓", "उपनाम", "अंतिमनाम"},
	FieldCompany: {"company", "companyname", "organisation", "organization", "business", "account", "employer",
		"syarikat", "namasyarikat", "perusahaan", "namaperusahaan", "公司", "公司名称", "公司名稱", "单位", "單位", "कंपनी", "संस्था"},
	FieldPhone: {"phone", "phonenumber", "phoneno", "mobile", "mobilephone", "mobilenumber", "mobileno", "cell", "cellphone", "tel", "telephone", "whatsapp", "contactnumber", "contactno",
		"telefon", "notelefon", "nombortelefon", "telefonbimbit", "hp", "nohp", "handphone", "telepon", "notelepon", "nomortelepon", "nomorhp",
		"电话", "電話", "手机", "手機", "手机号", "手機號", "手机号码", "手機號碼", "电话号码", "電話號碼", "联系电话", "聯絡電話",
		"फोन", "फ़ोन", "मोबाइल", "फोननंबर", "फ़ोननंबर", "मोबाइलनंबर", "दूरभाष"},
	FieldEmail: {"email", "emailaddress", "mail", "emel", "alamatemel", "surel", "alamatemail",
		"邮箱", "郵箱", "电邮", "電郵", "电子邮件", "電子郵件", "邮件", "郵件", "ईमेल", "ईमेलपता"},
	FieldAddress:  {"address", "street", "streetaddress", "postaladdress", "alamat", "alamatrumah", "地址", "住址", "पता"},
	FieldCity:     {"city", "town", "bandar", "kota", "城市", "市", "城市/地区", "शहर", "नगर"},
	FieldWebsite:  {"website", "web", "url", "homepage", "lamanweb", "situs", "situsweb", "网站", "網站", "网址", "網址", "वेबसाइट"},
	FieldSource:   {"source", "leadsource", "referral", "howfound", "channel", "sumber", "来源", "來源", "渠道", "स्रोत"},
	FieldContact:  {"preferredcontact", "contactmethod", "preferredchannel", "caraberhubung", "carahubungan", "联系方式", "聯絡方式", "संपर्कमाध्यम"},
	FieldLanguage: {"language", "lang", "bahasa", "语言", "語言", "भाषा"},
	FieldBirthday: {"birthday", "birthdate", "dateofbirth", "dob", "tarikhlahir", "harijadi", "tanggallahir", "ulangtahun",
		"生日", "出生日期", "जन्मदिन", "जन्मतिथि"},
	FieldAnniversary: {"anniversary", "weddinganniversary", "ulangtahunperkahwinan", "ulangtahunpernikahan", "纪念日", "紀念日", "结婚纪念日", "結婚紀念日", "सालगिरह", "वर्षगांठ"},
	FieldHobbies:     {"hobbies", "hobby", "interests", "hobi", "minat", "爱好", "愛好", "兴趣", "興趣", "शौक", "रुचि"},
	FieldNotes:       {"notes", "note", "remarks", "remark", "comment", "comments", "catatan", "nota", "keterangan", "备注", "備註", "说明", "說明", "टिप्पणी", "नोट"},
	FieldFacebook:    {"facebook", "fb"},
	FieldLinkedIn:    {"linkedin"},
	FieldInstagram:   {"instagram", "ig"},
	// Export writes these; importing them back is not meaningful.
	FieldIgnore: {"id", "tier", "orders", "currency", "spent", "spentother", "lastorder", "lastcontact", "created", "lostreason", "lostcompetitor"},
}

var headerIndex = func() map[string]Field {
	m := map[string]Field{}
	for f, ws := range headerWords {
		for _, w := range ws {
			m[foldHeader(w)] = f
		}
	}
	return m
}()

// foldHeader lower-cases a column title and drops what varies between
// exporters: spaces, punctuation, accents on Latin letters, and full-width forms.
func foldHeader(s string) string {
	s = norm.NFKC.String(strings.ToLower(strings.TrimSpace(s)))
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r) && r < 0x0900: // Latin accents; Devanagari signs stay
		case unicode.IsLetter(r), unicode.IsDigit(r), unicode.Is(unicode.Mn, r), unicode.Is(unicode.Mc, r):
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

// ParseField reads a field name as a mapping names it ("phone", "nama").
func ParseField(s string) (Field, bool) {
	f, ok := headerIndex[foldHeader(s)]
	if !ok {
		for known := range headerWords {
			if string(known) == strings.ToLower(strings.TrimSpace(s)) {
				return known, true
			}
		}
	}
	return f, ok
}

// ParseMapping reads a mapping as people type it, in chat or after
// --map: column titles to fields, "Tel Bimbit=phone, Remark=-", titles
// optionally quoted. Read checks the titles and fields against the file.
func ParseMapping(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	m := map[string]string{}
	for _, p := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(p, "=")
		k = strings.Trim(strings.TrimSpace(k), `"`)
		if !ok || k == "" {
			return nil, crm.Errorf(crm.EINVALID, "imp_err_mapping_form", "part", clip(strings.TrimSpace(p), 40))
		}
		m[k] = strings.TrimSpace(v)
	}
	return m, nil
}

// Column is one column of a file and the field it fills.
type Column struct {
	Header string
	Field  Field // "" when the column is not imported
}

// The formats Read recognises, as File.Format names them.
const (
	FormatCSV   = "csv"
	FormatXLSX  = "xlsx"
	FormatVCard = "vcard"
)

// File is a customer list read and mapped, ready to import.
type File struct {
	// Format is what the file was read as: FormatCSV, FormatXLSX or FormatVCard.
	Format string
	// Encoding and Delimiter say how a CSV file was read; a vCard file has
	// an Encoding, a workbook neither.
	Encoding  string
	Delimiter rune
	// Sheet is the workbook sheet that was read.
	Sheet   string
	Columns []Column
	// Rows are the data rows; Line[i] is the line row i started on: the
	// spreadsheet row of a workbook, the BEGIN:VCARD line of a vCard.
	Rows [][]string
	Line []int
	// Rejected are rows refused while reading (too many columns).
	Rejected []Rejection
}

// Rejection is a row that was not imported and why; Key is a catalogue
// sentence, Args fill it.
type Rejection struct {
	Line int
	Key  string
	Args []any
}

// ReadOptions say how to read a file.
type ReadOptions struct {
	Encoding string // "" guesses
	// Mapping maps column titles to fields, overriding the guess:
	// {"Tel Bimbit": "phone", "Remark": "-"}.
	Mapping map[string]string
}

// Read decodes, splits and maps a customer list: CSV, an Excel workbook
// (.xlsx) or vCard contacts (.vcf), told apart by their content, not their
// name, so every way a file arrives gets every format. Returns EINVALID with
// a sentence when the file cannot be imported at all: too large, none of the
// three formats, a damaged workbook, no header that names a name, phone or
// e-mail column.
func Read(r io.Reader, opts ReadOptions) (*File, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxBytes {
		return nil, crm.Errorf(crm.EINVALID, "imp_err_too_large", "mb", MaxBytes>>20)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil, crm.Errorf(crm.EINVALID, "imp_err_empty")
	}
	switch {
	case bytes.HasPrefix(b, zipMagic):
		return readXLSX(b, opts)
	case bytes.HasPrefix(b, oleMagic):
		return nil, crm.Errorf(crm.EINVALID, "imp_err_xls")
	case looksBinary(b):
		return nil, crm.Errorf(crm.EINVALID, "imp_err_binary")
	}
	d, err := decode(b, opts.Encoding)
	if err != nil {
		return nil, err
	}
	if isVCard(d.text) {
		return readVCard(d, opts)
	}
	f := &File{Format: FormatCSV, Encoding: d.encoding, Delimiter: sniff(d.text)}
	cr := csv.NewReader(strings.NewReader(d.text))
	cr.Comma = f.Delimiter
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return nil, crm.Errorf(crm.EINVALID, "imp_err_unreadable", "line", 1)
	}
	if err := f.mapHeader(header, opts.Mapping); err != nil {
		return nil, err
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			f.Rejected = append(f.Rejected, Rejection{Line: pe.StartLine, Key: "imp_rej_unreadable"})
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(f.Rows) >= MaxRows {
			return nil, crm.Errorf(crm.EINVALID, "imp_err_too_many_rows", "max", MaxRows)
		}
		if blank(rec) {
			continue
		}
		if len(rec) > MaxColumns {
			f.Rejected = append(f.Rejected, Rejection{Line: line, Key: "imp_rej_columns", Args: []any{"count", len(rec), "max", MaxColumns}})
			continue
		}
		f.Rows = append(f.Rows, rec)
		f.Line = append(f.Line, line)
	}
	return f, nil
}

// looksBinary reports a NUL byte in the first KiB that no BOM explains: a
// zip, an image or a document sent by mistake.
func looksBinary(b []byte) bool {
	if len(b) >= 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF) {
		return false
	}
	head := b[:min(len(b), 1024)]
	return strings.IndexByte(string(head), 0) >= 0
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// sniff picks the delimiter: of comma, semicolon, tab and pipe, the one
// that splits the first lines into the same number of fields, the most of
// them. European exporters write semicolons, copies from a spreadsheet tabs.
func sniff(text string) rune {
	var lines []string
	for l := range strings.Lines(text) {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
		if len(lines) == 20 {
			break
		}
	}
	best, bestScore := ',', 0
	for _, d := range []rune{',', ';', '\t', '|'} {
		counts := map[int]int{}
		for _, l := range lines {
			counts[countOutsideQuotes(l, d)]++
		}
		mode, modeN := 0, 0
		for c, n := range counts {
			if n > modeN || n == modeN && c > mode {
				mode, modeN = c, n
			}
		}
		if mode == 0 {
			continue
		}
		// Consistency first, then how many columns it makes.
		score := modeN*1000 + mode
		if score > bestScore {
			best, bestScore = d, score
		}
	}
	return best
}

func countOutsideQuotes(l string, d rune) int {
	n, quoted := 0, false
	for _, r := range l {
		switch {
		case r == '"':
			quoted = !quoted
		case r == d && !quoted:
			n++
		}
	}
	return n
}

// mapHeader maps each column title to a field, the mapping given first.
// A file must have a column for a name, phone or e-mail; when the first line
// holds a phone number or an e-mail address it is data, not a header.
func (f *File) mapHeader(header []string, mapping map[string]string) error {
	if len(header) > MaxColumns {
		return crm.Errorf(crm.EINVALID, "imp_err_header_columns", "count", len(header), "max", MaxColumns)
	}
	given := map[string]Field{}
	for k, v := range mapping {
		fl, ok := ParseField(v)
		if !ok && v != "-" {
			return crm.Errorf(crm.EINVALID, "imp_err_mapping_field", "field", clip(v, 30))
		}
		if v == "-" {
			fl = FieldIgnore
		}
		given[foldHeader(k)] = fl
	}
	seen := map[Field]bool{}
	useful := false
	for _, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
		fh := foldHeader(h)
		fl, ok := given[fh]
		if !ok {
			fl = headerIndex[fh]
		}
		if fl == FieldIgnore || seen[fl] && fl != FieldPhone && fl != FieldEmail {
			fl = ""
		}
		if fl != "" {
			seen[fl] = true
		}
		switch fl {
		case FieldName, FieldFirstName, FieldLastName, FieldPhone, FieldEmail:
			useful = true
		}
		f.Columns = append(f.Columns, Column{Header: h, Field: fl})
	}
	for k := range given {
		found := false
		for _, h := range header {
			found = found || foldHeader(h) == k
		}
		if !found {
			return crm.Errorf(crm.EINVALID, "imp_err_mapping_column", "column", clip(k, 30))
		}
	}
	if useful {
		return nil
	}
	first := clip(strings.Join(header, string(f.Delimiter)), 80)
	for _, h := range header {
		if looksLikeData(h) {
			return crm.Errorf(crm.EINVALID, "imp_err_no_header", "line", first)
		}
	}
	return crm.Errorf(crm.EINVALID, "imp_err_unknown_headers", "line", first, "delimiter", delimiterName(f.Delimiter))
}

func looksLikeData(s string) bool {
	s = strings.TrimSpace(s)
	digits := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	return strings.Contains(s, "@") || digits >= 6
}

// delimiterName names a delimiter for messages.
func delimiterName(d rune) string {
	switch d {
	case '\t':
		return "tab"
	case ',', ';', '|':
		return string(d)
	}
	return strconv.QuoteRune(d)
}
