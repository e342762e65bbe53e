package custfile

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/crmbot/crmbot/crm"
)

// MaxUnzipped bounds what a workbook's parts may unpack to, together. A
// zip's entries declare their sizes and archive/zip refuses to read past
// them, so summing the declarations before opening stops a zip bomb.
const MaxUnzipped = 1 << 30

// A workbook's XML compresses about ten times; fifty is generous for a real
// one and keeps a 10 MB upload from unpacking to a gigabyte. Small files
// may always unpack to minUnzipped.
const (
	maxRatio    = 50
	minUnzipped = 64 << 20
)

// unzipLimit is what a workbook of n bytes may unpack to.
func unzipLimit(n int) uint64 {
	return min(MaxUnzipped, max(minUnzipped, maxRatio*uint64(n)))
}

// headerScan is how many non-blank rows at the top of a sheet may be titles,
// notes or blank-looking rows above the header.
const headerScan = 10

var (
	zipMagic = []byte("PK\x03\x04")
	// oleMagic starts an Excel 97-2003 .xls and a password-protected .xlsx.
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// readXLSX reads the first visible sheet that has a header row naming a
// name, phone or e-mail column. Cells come as the spreadsheet shows them,
// except that dates come as ISO dates and plain numbers in full (a phone
// typed as a number is digits, not 6.01235E+10 or 60123456789.0); a formula
// gives its cached value. A zip that is not a workbook is refused as not
// CSV, Excel or vCard.
func readXLSX(b []byte, opts ReadOptions) (*File, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, crm.Errorf(crm.EINVALID, "imp_err_zip_corrupt")
	}
	var unzipped uint64
	workbook := false
	for _, zf := range zr.File {
		unzipped += zf.UncompressedSize64
		workbook = workbook || strings.EqualFold(zf.Name, "xl/workbook.xml")
	}
	if !workbook {
		return nil, crm.Errorf(crm.EINVALID, "imp_err_binary")
	}
	limit := unzipLimit(len(b))
	if unzipped > limit {
		return nil, crm.Errorf(crm.EINVALID, "imp_err_xlsx_too_large", "mb", limit>>20)
	}
	x, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{
		UnzipSizeLimit:    int64(limit),
		UnzipXMLSizeLimit: 16 << 20, // larger sheets are streamed from a temporary file
		ShortDatePattern:  isoDate,
	})
	if err != nil {
		return nil, crm.Errorf(crm.EINVALID, "imp_err_xlsx_corrupt")
	}
	defer x.Close()
	if err := plainFormats(x); err != nil {
		return nil, crm.Errorf(crm.EINVALID, "imp_err_xlsx_corrupt")
	}
	props, err := x.GetWorkbookProps()
	if err != nil {
		return nil, crm.Errorf(crm.EINVALID, "imp_err_xlsx_corrupt")
	}
	date1904 := props.Date1904 != nil && *props.Date1904
	var first error
	for _, name := range x.GetSheetList() {
		if visible, err := x.GetSheetVisible(name); err != nil || !visible {
			continue
		}
		f, err := readSheet(x, name, date1904, opts)
		if err == nil {
			return f, nil
		}
		var e *crm.Error
		if !errors.As(err, &e) || e.Key != "imp_err_xlsx_no_header" && e.Key != "imp_err_mapping_column" {
			return nil, err
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		return nil, crm.Errorf(crm.EINVALID, "imp_err_empty")
	}
	return nil, first
}

// readSheet reads one sheet: its rows by spreadsheet row number, the header
// the first of the top rows that maps (a row of two titles or more before a
// lone title such as "Customers 2026"), the data the rows below it.
func readSheet(x *excelize.File, sheet string, date1904 bool, opts ReadOptions) (*File, error) {
	rows, err := x.Rows(sheet)
	if err != nil {
		return nil, crm.Errorf(crm.EINVALID, "imp_err_xlsx_corrupt")
	}
	defer rows.Close()
	var recs [][]string
	var lines []int
	for n := 1; rows.Next(); n++ {
		rec, err := rows.Columns()
		if err != nil {
			return nil, crm.Errorf(crm.EINVALID, "imp_err_xlsx_corrupt")
		}
		if blank(rec) {
			continue
		}
		for i, c := range rec {
			if strings.HasPrefix(c, dateMark) || strings.HasPrefix(c, monthDayMark) {
				rec[i] = serialDate(c, date1904)
			}
		}
		if len(recs) > MaxRows+headerScan {
			return nil, crm.Errorf(crm.EINVALID, "imp_err_too_many_rows", "max", MaxRows)
		}
		recs = append(recs, rec)
		lines = append(lines, n)
	}
	if err := rows.Error(); err != nil {
		return nil, crm.Errorf(crm.EINVALID, "imp_err_xlsx_corrupt")
	}
	if len(recs) == 0 {
		return nil, crm.Errorf(crm.EINVALID, "imp_err_xlsx_no_header", "sheet", clip(sheet, 30), "line", "")
	}
	var f *File
	head := -1
	var mapErr error
	for i := range min(len(recs), headerScan) {
		g := &File{Format: FormatXLSX, Sheet: sheet}
		err := g.mapHeader(recs[i], opts.Mapping)
		var e *crm.Error
		switch {
		case err == nil && (f == nil || filled(recs[i]) > 1):
			f, head = g, i
		case err == nil:
		case errors.As(err, &e) && e.Key == "imp_err_mapping_column":
			mapErr = err
		case errors.As(err, &e) && (e.Key == "imp_err_no_header" || e.Key == "imp_err_unknown_headers"):
		default:
			return nil, err
		}
		if f != nil && filled(recs[head]) > 1 {
			break
		}
	}
	if f == nil {
		if mapErr != nil {
			return nil, mapErr
		}
		return nil, crm.Errorf(crm.EINVALID, "imp_err_xlsx_no_header", "sheet", clip(sheet, 30), "line", clip(strings.Join(recs[0], ", "), 80))
	}
	for i := head + 1; i < len(recs); i++ {
		if len(f.Rows) >= MaxRows {
			return nil, crm.Errorf(crm.EINVALID, "imp_err_too_many_rows", "max", MaxRows)
		}
		if len(recs[i]) > MaxColumns {
			f.Rejected = append(f.Rejected, Rejection{Line: lines[i], Key: "imp_rej_columns", Args: []any{"count", len(recs[i]), "max", MaxColumns}})
			continue
		}
		f.Rows = append(f.Rows, recs[i])
		f.Line = append(f.Line, lines[i])
	}
	return f, nil
}

// filled counts a row's non-empty cells.
func filled(rec []string) int {
	n := 0
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			n++
		}
	}
	return n
}

// Number formats the reader substitutes for the workbook's own. A date
// cell is shown as its serial number behind a mark and turned into a date
// by serialDate: three times faster than excelize's own date formatting,
// which looks up locale tables for every cell.
const (
	isoDate      = "yyyy-mm-dd"
	dateMark     = "\uE000" // private use: no exporter writes it
	monthDayMark = "\uE001" // a birthday kept without its year
	markedSerial = `"%s"0.##########`
	// rawFmtID is a number format no workbook defines: excelize shows a
	// cell of an unknown format as its stored value, so a number in full.
	rawFmtID = 1 << 20
)

// builtinDates are Excel's built-in date formats (ECMA-376 §18.8.30, with
// the East Asian ones), by id, and whether they show a year.
var builtinDates = map[int]bool{
	14: true, 15: true, 16: false, 17: true, 22: true,
	27: true, 28: false, 29: false, 30: true, 31: true, 36: true,
	50: true, 51: false, 52: true, 53: false, 54: false, 57: true, 58: false,
}

// plainFormats rewrites the workbook's cell formats, in memory, so that
// excelize shows each cell as the importer wants it: a date format, built-in
// or custom, in any locale, becomes yyyy-mm-dd (or --mm-dd without a year,
// through dateMark and serialDate), which parseDate reads unambiguously; General and scientific formats show
// the stored number, so a phone typed as a number keeps every digit. Other
// formats (a phone shown as 0123456789 through "0000000000") are kept.
func plainFormats(x *excelize.File) error {
	st := x.Styles
	if st == nil || st.CellXfs == nil {
		return nil
	}
	custom := map[int]string{}
	if st.NumFmts != nil {
		for _, nf := range st.NumFmts.NumFmt {
			code := nf.FormatCode
			if nf.FormatCode16 != "" {
				code = nf.FormatCode16
			}
			custom[nf.NumFmtID] = code
		}
	}
	if _, taken := custom[rawFmtID]; taken {
		return errors.New("number format id taken")
	}
	xfs := len(st.CellXfs.Xf)
	isoID, err := customFormatID(x, fmt.Sprintf(markedSerial, dateMark))
	if err != nil {
		return err
	}
	mdID, err := customFormatID(x, fmt.Sprintf(markedSerial, monthDayMark))
	if err != nil {
		return err
	}
	for i := range st.CellXfs.Xf[:xfs] {
		xf := &st.CellXfs.Xf[i]
		id := 0
		if xf.NumFmtID != nil {
			id = *xf.NumFmtID
		}
		var to int
		code, isCustom := custom[id]
		switch year, isDate := builtinDates[id]; {
		case isDate && year:
			to = isoID
		case isDate:
			to = mdID
		case id == 0 || id == 11 || id == 48:
			to = rawFmtID
		case isCustom:
			switch formatKind(code) {
			case kindDate:
				to = isoID
			case kindMonthDay:
				to = mdID
			case kindGeneral:
				to = rawFmtID
			default:
				continue
			}
		default:
			continue
		}
		xf.NumFmtID = &to
	}
	return nil
}

// customFormatID adds a cell style with the format code and returns the
// number format id excelize gave it.
func customFormatID(x *excelize.File, code string) (int, error) {
	style, err := x.NewStyle(&excelize.Style{CustomNumFmt: &code})
	if err != nil {
		return 0, err
	}
	xf := x.Styles.CellXfs.Xf[style]
	if xf.NumFmtID == nil {
		return 0, errors.New("no number format id")
	}
	return *xf.NumFmtID, nil
}

// serialDate turns a marked serial number into 1990-03-14, or --03-14
// after monthDayMark; a value that is no serial loses its mark only.
func serialDate(c string, date1904 bool) string {
	md := strings.HasPrefix(c, monthDayMark)
	c = strings.TrimPrefix(strings.TrimPrefix(c, dateMark), monthDayMark)
	v, err := strconv.ParseFloat(strings.TrimSuffix(c, "."), 64)
	if err != nil {
		return c
	}
	t, err := excelize.ExcelDateToTime(v, date1904)
	if err != nil {
		return c
	}
	if md {
		return t.Format("--01-02")
	}
	return t.Format("2006-01-02")
}

type fmtKind int

const (
	kindOther fmtKind = iota
	kindDate
	kindMonthDay
	kindGeneral // General or scientific: the number as stored
)

// formatKind reads a custom format code's first section, ignoring quoted
// text, escaped characters and [bracketed] colours and locales.
func formatKind(code string) fmtKind {
	var b strings.Builder
	quoted, bracket := false, false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case quoted:
			quoted = c != '"'
		case bracket:
			bracket = c != ']'
		case c == '"':
			quoted = true
		case c == '[':
			bracket = true
		case c == '\\' || c == '_' || c == '*':
			i++ // the next character is literal, or padding
		case c == ';':
			i = len(code)
		default:
			b.WriteByte(c | 0x20) // ASCII lower case; other bytes do not matter here
		}
	}
	s := b.String()
	switch {
	case strings.Contains(s, "y") || strings.Contains(s, "e") && strings.Contains(s, "d") && strings.Contains(s, "m") && !strings.Contains(s, "e+"):
		return kindDate
	case strings.Contains(s, "d") && strings.Contains(s, "m"):
		return kindMonthDay
	case s == "general" || strings.Contains(s, "e+") || strings.Contains(s, "e-"):
		return kindGeneral
	}
	return kindOther
}
