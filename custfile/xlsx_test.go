package custfile_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/crm/crmtest"
	"github.com/crmbot/crmbot/custfile"
)

// The workbook fixtures in testdata are written by these functions, the way
// a spreadsheet program would save them. Write them again with
//
//	CRMBOT_FIXTURES=write go test ./custfile -run TestWriteFixtures
var workbooks = map[string]func(tb testing.TB) []byte{
	"zh_customers.xlsx":  zhWorkbook,
	"ms_formula.xlsx":    msWorkbook,
	"en_title_row.xlsx":  titleRowWorkbook,
	"wrong_headers.xlsx": wrongHeadersWorkbook,
}

func TestWriteFixtures(t *testing.T) {
	if os.Getenv("CRMBOT_FIXTURES") != "write" {
		t.Skip("CRMBOT_FIXTURES=write writes the workbook fixtures")
	}
	for name, mk := range workbooks {
		if err := os.WriteFile("testdata/"+name, mk(t), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// sheet fills a sheet from rows of values; a cell is a value, or a cell
// with a number format.
type cell struct {
	v      any
	numFmt int    // built-in format id
	custom string // custom format code
	bold   bool   // a styled cell in General format
	// formula is the cell's formula; v is then its cached value, as a
	// spreadsheet program saves it.
	formula string
}

func fill(tb testing.TB, x *excelize.File, sheet string, firstRow int, rows [][]any) {
	tb.Helper()
	for r, row := range rows {
		for c, v := range row {
			name, _ := excelize.CoordinatesToCellName(c+1, firstRow+r)
			cl, ok := v.(cell)
			if !ok {
				cl = cell{v: v}
			}
			if cl.formula != "" {
				must(tb, x.SetCellFormula(sheet, name, cl.formula))
				continue
			}
			if cl.v == nil {
				continue
			}
			must(tb, x.SetCellValue(sheet, name, cl.v))
			if cl.numFmt != 0 || cl.custom != "" || cl.bold {
				st := &excelize.Style{NumFmt: cl.numFmt}
				if cl.custom != "" {
					st.CustomNumFmt = &cl.custom
				}
				if cl.bold {
					st.Font = &excelize.Font{Bold: true}
				}
				id, err := x.NewStyle(st)
				must(tb, err)
				must(tb, x.SetCellStyle(sheet, name, name, id))
			}
		}
	}
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func save(tb testing.TB, x *excelize.File) []byte {
	tb.Helper()
	var b bytes.Buffer
	must(tb, x.Write(&b))
	return b.Bytes()
}

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// zhWorkbook is an export in Chinese: a hidden first sheet of notes, phones
// typed as numbers (one styled, which Excel shows as 6.01112E+11), dates in
// the default, a custom Chinese and a built-in Chinese format.
func zhWorkbook(tb testing.TB) []byte {
	x := excelize.NewFile()
	must(tb, x.SetSheetName("Sheet1", "说明"))
	fill(tb, x, "说明", 1, [][]any{{"姓名", "电话"}, {"示例", "0100000000"}})
	idx, err := x.NewSheet("客户")
	must(tb, err)
	x.SetActiveSheet(idx)
	must(tb, x.SetSheetVisible("说明", false))
	fill(tb, x, "客户", 1, [][]any{
		{"姓名", "手机号码", "公司", "城市", "生日", "备注"},
		{"陈大文", 60123456789, "大文有限公司", "吉隆坡", cell{v: day(1985, 6, 1), numFmt: 14}, "老客户"},
		{"李小红", "+86 138 0013 8000", "红星贸易", "上海", cell{v: day(1990, 3, 14), custom: `yyyy"年"m"月"d"日"`}},
		{"王伟", cell{v: 601112345678, bold: true}, nil, "北京", cell{v: day(1988, 12, 1), numFmt: 31}, "喜欢打高尔夫"},
	})
	return save(tb, x)
}

// msWorkbook is in Malay, with formulas whose cached values are what is
// read, and a phone whose leading zero Excel dropped (0123456789 typed as
// a number is 123456789).
func msWorkbook(tb testing.TB) []byte {
	x := excelize.NewFile()
	must(tb, x.SetSheetName("Sheet1", "Pelanggan"))
	fill(tb, x, "Pelanggan", 1, [][]any{
		{"Nama Pertama", "Nama Akhir", "Nama Penuh", "No Telefon", "Emel", "Syarikat", "Bandar", "Tarikh Lahir"},
		{"Siti", "Nurhaliza", cell{formula: `A2&" "&B2`}, 123456789, cell{formula: `LOWER(A2)&"@example.my"`}, "Nur Trading", "Kuala Lumpur", cell{v: day(1990, 3, 14), custom: "dd/mm/yyyy"}},
		{"Ahmad", "bin Ali", cell{formula: `A3&" "&B3`}, "019-876 5432", "ahmad@example.my", nil, "Ipoh"},
		{"Tan", "Ah Kow", cell{formula: `A4&" "&B4`}, 12345},
	})
	return cachedValues(tb, save(tb, x), "xl/worksheets/sheet1.xml", map[string]string{
		"C2": "Siti Nurhaliza", "E2": "siti@example.my", "C3": "Ahmad bin Ali", "C4": "Tan Ah Kow",
	})
}

// titleRowWorkbook has a title and a blank row above its header, a blank
// row among the data, and dates shown as "8 Jul 1992" and without a year.
func titleRowWorkbook(tb testing.TB) []byte {
	x := excelize.NewFile()
	must(tb, x.SetSheetName("Sheet1", "Customers"))
	fill(tb, x, "Customers", 1, [][]any{{"Customer list — exported 1 March 2026"}})
	fill(tb, x, "Customers", 3, [][]any{
		{"Name", "Phone", "Email", "Birthday", "Anniversary"},
		{"Lim Mei Ling", "+60 12-222 3333", "mei@example.my", cell{v: day(1992, 7, 8), custom: "d mmm yyyy"}},
	})
	fill(tb, x, "Customers", 6, [][]any{
		{"Kumar", "not a phone"},
		{"Priya", "0123334444", nil, cell{v: day(2026, 8, 15), custom: "d mmmm"}, cell{v: day(2015, 11, 20), numFmt: 14}},
	})
	return save(tb, x)
}

// wrongHeadersWorkbook has no row of titles that names a customer field.
func wrongHeadersWorkbook(tb testing.TB) []byte {
	x := excelize.NewFile()
	fill(tb, x, "Sheet1", 1, [][]any{{"Colour", "Size"}, {"red", 9}})
	return save(tb, x)
}

// cachedValues writes formula results into a saved workbook, as Excel does
// on saving (excelize writes a formula without its value).
func cachedValues(tb testing.TB, xlsx []byte, part string, vals map[string]string) []byte {
	tb.Helper()
	return rewriteZip(tb, xlsx, func(name string, b []byte) []byte {
		if name != part {
			return b
		}
		for ref, v := range vals {
			re := regexp.MustCompile(`(<c r="` + ref + `"[^>]*><f>[^<]*</f>)(</c>)`)
			if !re.Match(b) {
				tb.Fatalf("no formula in %s", ref)
			}
			b = re.ReplaceAll(b, []byte("${1}<v>"+v+"</v>${2}"))
		}
		return b
	})
}

func rewriteZip(tb testing.TB, in []byte, edit func(name string, b []byte) []byte) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(in), int64(len(in)))
	must(tb, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		must(tb, err)
		var b bytes.Buffer
		_, err = b.ReadFrom(rc)
		must(tb, err)
		w, err := zw.Create(zf.Name)
		must(tb, err)
		_, err = w.Write(edit(zf.Name, b.Bytes()))
		must(tb, err)
	}
	must(tb, zw.Close())
	return out.Bytes()
}

func TestReadXLSX(t *testing.T) {
	tests := []struct {
		file   string
		sheet  string
		fields string
		rows   [][]string
		lines  []int
	}{
		{"zh_customers.xlsx", "客户", "name,phone,company,city,birthday,notes",
			[][]string{
				{"陈大文", "60123456789", "大文有限公司", "吉隆坡", "1985-06-01", "老客户"},
				{"李小红", "+86 138 0013 8000", "红星贸易", "上海", "1990-03-14"},
				{"王伟", "601112345678", "", "北京", "1988-12-01", "喜欢打高尔夫"},
			}, []int{2, 3, 4}},
		{"ms_formula.xlsx", "Pelanggan", "first_name,last_name,name,phone,email,company,city,birthday",
			[][]string{
				{"Siti", "Nurhaliza", "Siti Nurhaliza", "123456789", "siti@example.my", "Nur Trading", "Kuala Lumpur", "1990-03-14"}, // shown 14/03/1990
				{"Ahmad", "bin Ali", "Ahmad bin Ali", "019-876 5432", "ahmad@example.my", "", "Ipoh"},
				{"Tan", "Ah Kow", "Tan Ah Kow", "12345"},
			}, []int{2, 3, 4}},
		// The title row and the blank rows are skipped; lines are spreadsheet rows.
		{"en_title_row.xlsx", "Customers", "name,phone,email,birthday,anniversary",
			[][]string{
				{"Lim Mei Ling", "+60 12-222 3333", "mei@example.my", "1992-07-08"},
				{"Kumar", "not a phone"},
				{"Priya", "0123334444", "", "--08-15", "2015-11-20"},
			}, []int{4, 6, 7}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := custfile.Read(bytes.NewReader(mustReadFile(t, tt.file)), custfile.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if f.Format != custfile.FormatXLSX || f.Sheet != tt.sheet {
				t.Errorf("read as %q, sheet %q; want xlsx, %q", f.Format, f.Sheet, tt.sheet)
			}
			if got := fields(f); got != tt.fields {
				t.Errorf("fields %s, want %s", got, tt.fields)
			}
			if fmt.Sprintf("%q", f.Rows) != fmt.Sprintf("%q", tt.rows) {
				t.Errorf("rows\n%q\nwant\n%q", f.Rows, tt.rows)
			}
			if fmt.Sprint(f.Line) != fmt.Sprint(tt.lines) {
				t.Errorf("lines %v, want %v", f.Line, tt.lines)
			}
		})
	}
}

func TestImportXLSX(t *testing.T) {
	ctx := context.Background()
	t.Run("ChineseNumbersAndDates", func(t *testing.T) {
		db := MustOpenDB(t)
		sum, err := custfile.Import(ctx, db, readFixture(t, "zh_customers.xlsx"), custfile.Options{})
		if err != nil || sum.Created != 3 || len(sum.Rejected) != 0 || sum.Format != "xlsx" || sum.Sheet != "客户" {
			t.Fatalf("%+v %v", sum, err)
		}
		for phone, want := range map[string]string{"+60123456789": "陈大文 1985-06-01", "+8613800138000": "李小红 1990-03-14", "+601112345678": "王伟 1988-12-01"} {
			cs, err := db.CustomersByPhone(ctx, phone)
			if err != nil || len(cs) != 1 || cs[0].Name+" "+string(cs[0].Birthday) != want {
				t.Errorf("%s: %v %v, want %s", phone, cs, err, want)
			}
		}
	})
	t.Run("MalayFormulasDryRunThenMatched", func(t *testing.T) {
		db := MustOpenDB(t)
		old := &crm.Customer{Name: "Siti N.", Phones: []string{"+60123456789"}}
		must(t, db.CreateCustomer(ctx, old, false))
		dry, err := custfile.Import(ctx, db, readFixture(t, "ms_formula.xlsx"), custfile.Options{DryRun: true})
		if err != nil || dry.Created != 1 || dry.Updated != 1 || count(t, db) != 1 {
			t.Fatalf("dry run %+v %v", dry, err)
		}
		if ch := dry.Changes[0]; ch.Customer != old.ID || ch.Line != 2 || strings.Join(ch.Fields, ",") != "company,city,birthday,email" {
			t.Errorf("change %+v", ch)
		}
		if r := dry.Rejected; len(r) != 1 || r[0].Line != 4 || r[0].Key != "imp_rej_phone" {
			t.Errorf("rejected %+v, want row 4 imp_rej_phone", r)
		}
		sum, err := custfile.Import(ctx, db, readFixture(t, "ms_formula.xlsx"), custfile.Options{})
		if err != nil || sum.Created != 1 || sum.Updated != 1 || count(t, db) != 2 {
			t.Fatalf("import %+v %v", sum, err)
		}
		got, _ := db.Customer(ctx, old.ID)
		if got.Name != "Siti N." || got.Emails[0] != "siti@example.my" || got.Birthday != "1990-03-14" {
			t.Errorf("matched customer %+v", got)
		}
		if cs, _ := db.CustomersByPhone(ctx, "+60198765432"); len(cs) != 1 || cs[0].Name != "Ahmad bin Ali" {
			t.Errorf("new customer %v", cs)
		}
	})
	t.Run("TitleRowLinesAreRows", func(t *testing.T) {
		db := MustOpenDB(t)
		sum, err := custfile.Import(ctx, db, readFixture(t, "en_title_row.xlsx"), custfile.Options{})
		if err != nil || sum.Created != 2 {
			t.Fatalf("%+v %v", sum, err)
		}
		if r := sum.Rejected; len(r) != 1 || r[0].Line != 6 || r[0].Key != "imp_rej_phone" {
			t.Errorf("rejected %+v, want row 6", r)
		}
		cs, _ := db.CustomersByPhone(ctx, "+60123334444")
		if len(cs) != 1 || cs[0].Birthday != "--08-15" || cs[0].Anniversary != "2015-11-20" {
			t.Errorf("Priya %+v", cs)
		}
	})
}

// TestNumbersAsWritten: other programs store a number as 6.0123456789E10
// or 60123456789.0; a phone still comes out as its digits.
func TestNumbersAsWritten(t *testing.T) {
	for _, stored := range []string{"6.0123456789E10", "60123456789.0", "6.0123456789E+10"} {
		t.Run(stored, func(t *testing.T) {
			b := rewriteZip(t, mustReadFile(t, "zh_customers.xlsx"), func(name string, b []byte) []byte {
				return bytes.ReplaceAll(b, []byte("<v>60123456789</v>"), []byte("<v>"+stored+"</v>"))
			})
			f, err := custfile.Read(bytes.NewReader(b), custfile.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Rows[0][1]; got != "60123456789" {
				t.Errorf("phone %q", got)
			}
		})
	}
}

func TestReadXLSXRefusals(t *testing.T) {
	good := mustReadFile(t, "zh_customers.xlsx")
	notWorkbook := func() []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		w, _ := zw.Create("word/document.xml")
		w.Write([]byte("<w:document/>"))
		zw.Close()
		return b.Bytes()
	}()
	tests := []struct {
		name    string
		in      []byte
		opts    custfile.ReadOptions
		wantErr string
		check   func(t *testing.T, f *custfile.File)
	}{
		{name: "CorruptZip", in: good[:len(good)/2], wantErr: "imp_err_zip_corrupt"},
		{name: "ZipNotAWorkbook", in: notWorkbook, wantErr: "imp_err_binary"},
		{name: "NoHeaderThatMaps", in: mustReadFile(t, "wrong_headers.xlsx"), wantErr: "imp_err_xlsx_no_header"},
		{name: "ZipBomb", in: zipBomb(t, 2<<30), wantErr: "imp_err_xlsx_too_large"},
		// Under the 1 GiB cap, yet far more than a file this small holds.
		{name: "ZipBombUnderTheCap", in: zipBomb(t, 100<<20), wantErr: "imp_err_xlsx_too_large"},
		{name: "OldXLS", in: []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"), wantErr: "imp_err_xls"},
		{name: "MappingGiven", in: mustReadFile(t, "wrong_headers.xlsx"),
			opts: custfile.ReadOptions{Mapping: map[string]string{"Colour": "name", "Size": "-"}},
			check: func(t *testing.T, f *custfile.File) {
				if got := fields(f); got != "name," || len(f.Rows) != 1 || f.Rows[0][0] != "red" {
					t.Errorf("fields %q, rows %q", got, f.Rows)
				}
			}},
		{name: "MappingOfMissingColumn", in: good, opts: custfile.ReadOptions{Mapping: map[string]string{"Tel": "phone"}}, wantErr: "imp_err_mapping_column"},
		{name: "MappingToUnknownField", in: good, opts: custfile.ReadOptions{Mapping: map[string]string{"城市": "$where"}}, wantErr: "imp_err_mapping_field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := custfile.Read(bytes.NewReader(tt.in), tt.opts)
			if got := errKey(err); got != tt.wantErr {
				t.Fatalf("err %q, want %q", got, tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

// zipBomb is a workbook whose one sheet says it unpacks to size bytes. Its
// stored bytes are a few, so the test stays small: the declaration alone
// must refuse it.
func zipBomb(t *testing.T, size uint64) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("xl/workbook.xml")
	w.Write([]byte("<workbook/>"))
	raw, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CRC32: crc32.ChecksumIEEE(nil), CompressedSize64: 2, UncompressedSize64: size})
	must(t, err)
	raw.Write([]byte{3, 0})
	must(t, zw.Close())
	return b.Bytes()
}

// syntheticXLSX is a workbook of n customers in the shape of syntheticCSV.
func syntheticXLSX(tb testing.TB, n int) []byte {
	x := excelize.NewFile()
	defer x.Close() // the stream writer's temporary file
	sw, err := x.NewStreamWriter("Sheet1")
	must(tb, err)
	must(tb, sw.SetRow("A1", []any{"Name", "Company", "Phone", "Email", "City", "Birthday"}))
	dateStyle, err := x.NewStyle(&excelize.Style{NumFmt: 14})
	must(tb, err)
	cities := []string{"Kuala Lumpur", "Penang", "Johor Bahru", "Ipoh", "Kuching"}
	for i, c := range crmtest.Customers(0, n, 1) {
		ref, _ := excelize.CoordinatesToCellName(1, i+2)
		must(tb, sw.SetRow(ref, []any{c.Name, crmtest.Word(i%500) + " Trading", c.Phones[0], c.Emails[0], cities[i%5],
			excelize.Cell{StyleID: dateStyle, Value: day(1950+i%50, 1+i%12, 1+i%28)}}))
	}
	must(tb, sw.Flush())
	return save(tb, x)
}

// BenchmarkReadXLSX reads a 100,000-row workbook (CRMBOT_BENCH_ROWS to
// change) into rows, dates converted: rows a second, bytes allocated and
// the heap the rows hold afterwards.
func BenchmarkReadXLSX(b *testing.B) {
	n := 100_000
	if s := os.Getenv("CRMBOT_BENCH_ROWS"); s != "" {
		fmt.Sscan(s, &n)
	}
	data := syntheticXLSX(b, n)
	b.ReportAllocs()
	var f *custfile.File
	for b.Loop() {
		var err error
		f, err = custfile.Read(bytes.NewReader(data), custfile.ReadOptions{})
		if err != nil || len(f.Rows) != n || f.Rows[n-1][5] == "" || f.Rows[n-1][5][4] != '-' {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(len(data))/(1<<20), "MB-file")
	// What the read rows hold once reading is over (the file's bytes included).
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "MB-held")
	runtime.KeepAlive(f)
}

// readFixture reads a file of testdata as an import would.
func readFixture(t *testing.T, name string) *custfile.File {
	t.Helper()
	f, err := custfile.Read(bytes.NewReader(mustReadFile(t, name)), custfile.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return f
}
