package custfile_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/custfile"
)

// vcardCols are the vCard columns in order, as fields.
const vcardFields = "name,company,phone,email,address,city,website,birthday,anniversary,notes"

func TestReadVCard(t *testing.T) {
	tests := []struct {
		file  string
		rows  [][]string
		lines []int
	}{
		// 2.1: quoted-printable UTF-8 names with a soft line break, bare
		// TYPE parameters, a base64 photo ending in a blank line, a short
		// number that is no phone kept in the notes.
		{"android_21.vcf", [][]string{
			{"陈大文", "大文有限公司", "012-888 9999 / +60 3-2141 2345", "chan@example.my", "", "", "", "1985-06-01", "", "老客户，喜欢绿茶\nTEL: 1300"},
			{"李小红", "", "+86 138 0013 8000", "", "", "", "", "", "", ""},
			{"Siti Nurhaliza", "", "0123456789", "", "12 Jalan Ampang, Kuala Lumpur, WP, 50450, Malaysia", "Kuala Lumpur", "", "", "", ""},
		}, []int{1, 18, 23}},
		// 3.0 from an iPhone: item groups, labels, a birthday without its
		// year, an anniversary as X-ABDATE, a folded note, a company's card.
		{"iphone_30.vcf", [][]string{
			{"Tan Ah Kow", "Tan Hardware Sdn. Bhd., Sales", "+60 19-876 5432 / +60 3-7955 1234", "tan@example.my",
				"No. 5, Jalan SS2/24, Petaling Jaya, Selangor, 47300, Malaysia", "Petaling Jaya", "https://tanhardware.example.my",
				"--08-15", "2010-05-20", "Prefers WhatsApp\nCall after 2pm\nCATEGORIES: VIP, Hardware"},
			{"Ipoh Florist", "Ipoh Florist", "05-254 1234", "", "", "", "", "", "", ""},
		}, []int{1, 26}},
		// 4.0: tel: URIs with an extension, quoted parameters holding ':'.
		{"v40.vcf", [][]string{
			{"Priya Sharma", "", "+91-98765-43210 / +91-22-2345-6789", "priya@example.in", "12 MG Road, Bengaluru, KA, 560001, India", "Bengaluru",
				"https://priya.example.in", "--03-14", "20120210", "Met at the trade fair, Hall 3\nCATEGORIES: lead, trade fair"},
			{"राहुल वर्मा", "", "", "rahul@example.in", "", "", "", "", "", ""},
		}, []int{1, 15}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := custfile.Read(bytes.NewReader(mustReadFile(t, tt.file)), custfile.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if f.Format != custfile.FormatVCard || fields(f) != vcardFields || len(f.Rejected) != 0 {
				t.Errorf("format %q, fields %s, rejected %+v", f.Format, fields(f), f.Rejected)
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

func TestReadVCardRejections(t *testing.T) {
	siti := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Siti\r\nTEL:0123456789\r\nEND:VCARD\r\n"
	tests := []struct {
		name     string
		in       string
		opts     custfile.ReadOptions
		rows     int
		rejected string // line key, ...
		wantErr  string
	}{
		{name: "NoNamePhoneOrEmail", in: siti + "BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:who?\r\nORG:Acme\r\nEND:VCARD\r\n", rows: 1, rejected: "6 imp_rej_vcard_empty"},
		{name: "Unterminated", in: siti + "\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Half a card\r\n", rows: 1, rejected: "7 imp_rej_vcard_unterminated"},
		{name: "UnterminatedBeforeAnother", in: "BEGIN:VCARD\nFN:Cut\n" + siti, rows: 1, rejected: "1 imp_rej_vcard_unterminated"},
		// A BOM, blank lines and lower case before the first card are no obstacle.
		{name: "BOMAndLowerCase", in: "\uFEFF\r\n\r\nbegin:vcard\r\nfn:Siti\r\nemail:siti@example.my\r\nend:vcard\r\n", rows: 1},
		{name: "MappingSkipsAColumn", in: siti, opts: custfile.ReadOptions{Mapping: map[string]string{"NOTE": "-", "ORG": "notes"}}, rows: 1},
		{name: "MappingOfMissingColumn", in: siti, opts: custfile.ReadOptions{Mapping: map[string]string{"Tel Bimbit": "phone"}}, wantErr: "imp_err_mapping_column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := custfile.Read(strings.NewReader(tt.in), tt.opts)
			if got := errKey(err); got != tt.wantErr {
				t.Fatalf("err %q, want %q", got, tt.wantErr)
			}
			if err != nil {
				return
			}
			var rej []string
			for _, r := range f.Rejected {
				rej = append(rej, fmt.Sprint(r.Line, " ", r.Key))
			}
			if len(f.Rows) != tt.rows || strings.Join(rej, ",") != tt.rejected {
				t.Errorf("%d rows, rejected %v; want %d, %q", len(f.Rows), rej, tt.rows, tt.rejected)
			}
		})
	}
}

func TestImportVCard(t *testing.T) {
	ctx := context.Background()
	t.Run("AndroidMatchedByPhone", func(t *testing.T) {
		db := MustOpenDB(t)
		old := &crm.Customer{Name: "Siti N.", Phones: []string{"+60123456789"}}
		must(t, db.CreateCustomer(ctx, old, false))
		dry, err := custfile.Import(ctx, db, readFixture(t, "android_21.vcf"), custfile.Options{DryRun: true})
		if err != nil || dry.Created != 2 || dry.Updated != 1 || len(dry.Rejected) != 0 || count(t, db) != 1 {
			t.Fatalf("dry run %+v %v", dry, err)
		}
		if ch := dry.Changes[0]; ch.Customer != old.ID || ch.Line != 23 || strings.Join(ch.Fields, ",") != "address,city" {
			t.Errorf("change %+v", ch)
		}
		sum, err := custfile.Import(ctx, db, readFixture(t, "android_21.vcf"), custfile.Options{})
		if err != nil || sum.Created != 2 || sum.Updated != 1 || count(t, db) != 3 || sum.Format != "vcard" {
			t.Fatalf("import %+v %v", sum, err)
		}
		cs, _ := db.CustomersByPhone(ctx, "+60321412345")
		if len(cs) != 1 {
			t.Fatalf("by second phone: %v", cs)
		}
		c := cs[0]
		if c.Name != "陈大文" || c.Company != "大文有限公司" || len(c.Phones) != 2 || c.Birthday != "1985-06-01" || !strings.Contains(c.Notes, "绿茶") {
			t.Errorf("stored %+v", c)
		}
		if again, err := custfile.Import(ctx, db, readFixture(t, "android_21.vcf"), custfile.Options{}); err != nil || again.Created != 0 || again.Unchanged != 3 {
			t.Errorf("second import %+v %v", again, err)
		}
	})
	t.Run("IPhoneAndVCard4", func(t *testing.T) {
		db := MustOpenDB(t)
		for _, x := range []struct {
			file    string
			created int
		}{{"iphone_30.vcf", 2}, {"v40.vcf", 2}} {
			sum, err := custfile.Import(ctx, db, readFixture(t, x.file), custfile.Options{})
			if err != nil || sum.Created != x.created || len(sum.Rejected) != 0 {
				t.Fatalf("%s: %+v %v", x.file, sum, err)
			}
		}
		cs, _ := db.CustomersByPhone(ctx, "+60379551234")
		if len(cs) != 1 || cs[0].Birthday != "--08-15" || cs[0].Anniversary != "2010-05-20" || cs[0].City != "Petaling Jaya" || cs[0].Website != "https://tanhardware.example.my" {
			t.Errorf("iPhone contact %+v", cs)
		}
		cs, _ = db.CustomersByPhone(ctx, "+912223456789")
		if len(cs) != 1 || cs[0].Name != "Priya Sharma" || cs[0].Anniversary != "2012-02-10" || cs[0].Birthday != "--03-14" {
			t.Errorf("vCard 4.0 contact %+v", cs)
		}
		if cs, _ := db.CustomersByEmail(ctx, "rahul@example.in"); len(cs) != 1 || cs[0].Name != "राहुल वर्मा" {
			t.Errorf("e-mail only contact %+v", cs)
		}
	})
}
