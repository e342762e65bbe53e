package custfile_test

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/custfile"
)

func mustReadFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// errKey returns the catalogue key of a domain error, "" for nil.
func errKey(err error) string {
	var e *crm.Error
	if errors.As(err, &e) {
		return e.Key
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func fields(f *custfile.File) string {
	var out []string
	for _, c := range f.Columns {
		out = append(out, string(c.Field))
	}
	return strings.Join(out, ",")
}

func TestReadFixtures(t *testing.T) {
	tests := []struct {
		file      string
		encoding  string
		delimiter rune
		fields    string
		rows      int
		first     string // first cell of the first row
	}{
		{"ms_semicolon_bom.csv", "utf-8", ';', "name,phone,email,company,city,birthday", 3, "Siti Nurhaliza"},
		{"zh_gbk.csv", "gbk", ',', "name,phone,email,company,city,notes", 2, "陈大文"},
		{"zh_big5.csv", "big5", ',', "name,phone,email,company,city", 2, "陳大文"},
		{"en_cp1252_tab.tsv", "windows-1252", '\t', "name,phone,email,company,city", 2, "José Álvarez"},
		{"hi_utf16.csv", "utf-16le", ',', "name,phone,email,city", 1, "प्रिया शर्मा"},
		// UTF-8, Windows-1252 and GBK lines in one file, each read in its own.
		{"id_mixed.csv", "gbk+windows-1252", ',', "name,phone,email,company", 3, "Budi Santoso"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := custfile.Read(bytes.NewReader(mustReadFile(t, tt.file)), custfile.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if f.Encoding != tt.encoding || f.Delimiter != tt.delimiter {
				t.Errorf("read as %s split at %q, want %s and %q", f.Encoding, f.Delimiter, tt.encoding, tt.delimiter)
			}
			if got := fields(f); got != tt.fields {
				t.Errorf("fields %s, want %s", got, tt.fields)
			}
			if len(f.Rows) != tt.rows || f.Rows[0][0] != tt.first {
				t.Fatalf("%d rows, first %q; want %d, %q", len(f.Rows), f.Rows[0][0], tt.rows, tt.first)
			}
		})
	}
	t.Run("MixedLinesKeepTheirCharacters", func(t *testing.T) {
		f, err := custfile.Read(bytes.NewReader(mustReadFile(t, "id_mixed.csv")), custfile.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if f.Rows[1][0] != "André Wijaya" || f.Rows[1][3] != "Café Jaya" || f.Rows[2][0] != "陈美玲" {
			t.Errorf("rows %q", f.Rows)
		}
	})
}

func TestReadRefusals(t *testing.T) {
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("姓名,电话\n陈大文,13800138000\n")
	wide := "name,phone\n" + "Siti,0123456789\n" + "Wide" + strings.Repeat(",x", 9999) + "\n"
	tests := []struct {
		name    string
		in      string
		opts    custfile.ReadOptions
		wantErr string
		check   func(t *testing.T, f *custfile.File)
	}{
		{name: "Empty", in: " \n\n", wantErr: "imp_err_empty"},
		{name: "Binary", in: "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", wantErr: "imp_err_binary"},
		// A zip's signature but not a zip: a workbook cut short in transit.
		{name: "TruncatedZip", in: "PK\x03\x04\x00\x00xlsx", wantErr: "imp_err_zip_corrupt"},
		{name: "MissingHeader", in: string(mustReadFile(t, "no_header.csv")), wantErr: "imp_err_no_header"},
		{name: "UnknownHeaders", in: "colour,size\nred,9\n", wantErr: "imp_err_unknown_headers"},
		// Colons are no delimiter anyone exports: the one column names nothing.
		{name: "WrongDelimiterUnknown", in: "name:phone\nSiti:0123456789\n", wantErr: "imp_err_unknown_headers"},
		{name: "WrongDelimiterSniffed", in: "name|phone|email\nSiti|0123456789|siti@example.my\n",
			check: func(t *testing.T, f *custfile.File) {
				if f.Delimiter != '|' || len(f.Rows[0]) != 3 {
					t.Errorf("delimiter %q, row %q", f.Delimiter, f.Rows[0])
				}
			}},
		{name: "CommasInsideQuotesDoNotWin", in: "name;notes\n\"Tan, Ah Kow\";\"a, b, c\"\n\"Lim, Mei\";\"d, e\"\n",
			check: func(t *testing.T, f *custfile.File) {
				if f.Delimiter != ';' || f.Rows[0][0] != "Tan, Ah Kow" {
					t.Errorf("delimiter %q, row %q", f.Delimiter, f.Rows[0])
				}
			}},
		{name: "ForcedEncoding", in: gbk, opts: custfile.ReadOptions{Encoding: "GBK"},
			check: func(t *testing.T, f *custfile.File) {
				if f.Rows[0][0] != "陈大文" {
					t.Errorf("row %q", f.Rows[0])
				}
			}},
		{name: "UnknownEncoding", in: gbk, opts: custfile.ReadOptions{Encoding: "ebcdic"}, wantErr: "imp_err_unknown_encoding"},
		{name: "TenThousandColumns", in: wide, check: func(t *testing.T, f *custfile.File) {
			if len(f.Rows) != 1 || len(f.Rejected) != 1 || f.Rejected[0].Key != "imp_rej_columns" || f.Rejected[0].Line != 3 {
				t.Errorf("rows %d, rejected %+v", len(f.Rows), f.Rejected)
			}
		}},
		{name: "MappingGiven", in: "Tel Bimbit,Pelanggan,Remark\n0123456789,Siti,hi\n",
			opts: custfile.ReadOptions{Mapping: map[string]string{"Tel Bimbit": "phone", "Pelanggan": "name", "Remark": "-"}},
			check: func(t *testing.T, f *custfile.File) {
				if got := fields(f); got != "phone,name," {
					t.Errorf("fields %q", got)
				}
			}},
		{name: "MappingToUnknownField", in: "a,b\n1,2\n", opts: custfile.ReadOptions{Mapping: map[string]string{"a": "$where"}}, wantErr: "imp_err_mapping_field"},
		{name: "MappingOfMissingColumn", in: "name\nSiti\n", opts: custfile.ReadOptions{Mapping: map[string]string{"Tel": "phone"}}, wantErr: "imp_err_mapping_column"},
		{name: "FirstAndLastName", in: "First Name,Last Name\nSiti,Nurhaliza\n", check: func(t *testing.T, f *custfile.File) {
			if got := fields(f); got != "first_name,last_name" {
				t.Errorf("fields %q", got)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := custfile.Read(strings.NewReader(tt.in), tt.opts)
			if got := errKey(err); got != tt.wantErr {
				t.Fatalf("err %q, want %q", got, tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

func TestHeadersInSixLanguages(t *testing.T) {
	tests := []struct{ lang, header string }{
		{"en", "Customer Name,Mobile Number,Email Address"},
		{"ms", "Nama,No. Telefon,Emel"},
		{"id", "Nama Lengkap,Nomor HP,Surel"},
		{"zh-Hans", "客户姓名,手机号码,电子邮件"},
		{"zh-Hant", "客戶姓名,手機號碼,電子郵件"},
		{"hi", "ग्राहक का नाम,मोबाइल नंबर,ईमेल पता"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			f, err := custfile.Read(strings.NewReader(tt.header+"\nSiti,0123456789,siti@example.my\n"), custfile.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := fields(f); got != "name,phone,email" {
				t.Errorf("%s mapped to %s", tt.header, got)
			}
		})
	}
}

func TestNeutralize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=SUM(A1:A9)", "'=SUM(A1:A9)"},
		{"+60123456789", "'+60123456789"},
		{"-2+3", "'-2+3"},
		{"@cmd", "'@cmd"},
		{"\t=1", "'\t=1"},
		{"Siti", "Siti"},
		{"", ""},
		{"a=b", "a=b"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := custfile.Neutralize(tt.in); got != tt.want {
				t.Errorf("Neutralize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseMapping(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
		code string
	}{
		{"Empty", "  ", nil, ""},
		{"Pairs", "Tel Bimbit=phone, Remark=-", map[string]string{"Tel Bimbit": "phone", "Remark": "-"}, ""},
		{"QuotedTitleWithDot", `"No. Telefon"=phone`, map[string]string{"No. Telefon": "phone"}, ""},
		{"NoEquals", "Tel Bimbit", nil, crm.EINVALID},
		{"NoTitle", "=phone", nil, crm.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := custfile.ParseMapping(tt.in)
			if crm.ErrorCode(err) != tt.code || !maps.Equal(got, tt.want) {
				t.Errorf("ParseMapping(%q) = %v, %v; want %v, code %q", tt.in, got, err, tt.want, tt.code)
			}
		})
	}
}
