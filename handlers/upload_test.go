package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

// upload sends a file to the handler as s, with caption as the request line.
func (f *fixture) upload(s *crm.Staff, caption, name string, data []byte, progress *[]string) handlers.Reply {
	in := handlers.Request{Staff: s, Text: caption, Upload: &handlers.Upload{Name: name, Size: int64(len(data)),
		Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}}
	if progress != nil {
		in.Progress = func(_ context.Context, text string) { *progress = append(*progress, text) }
	}
	return f.h.Handle(context.Background(), in)
}

// button returns the command of the button whose label starts with label.
func button(t *testing.T, rep handlers.Reply, label string) string {
	t.Helper()
	for _, b := range rep.Blocks {
		for _, btn := range b.Buttons {
			if strings.HasPrefix(btn.Label, label) {
				return btn.Command
			}
		}
	}
	t.Fatalf("no %q button in:\n%s", label, rep.Plain())
	return ""
}

func (f *fixture) count() int64 {
	f.t.Helper()
	n, err := f.db.CountCustomers(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

const chatCSV = "Nama,No. Telefon,Emel,Bandar\n" +
	"Siti Nurhaliza,012-345 6789,siti@example.com,Kuala Lumpur\n" +
	"Tan Ah Kow,019-876 5432,,Penang\n" +
	"Tiada Nombor,not a phone,,Ipoh\n"

func TestImportInChat(t *testing.T) {
	f := newFixture(t)
	manager := f.staff("telegram:7", crm.RoleManager)
	f.ok("add Siti Nurhaliza 0123456789")

	rep := f.upload(manager, "import", "pelanggan.csv", []byte(chatCSV), nil)
	if rep.Error {
		t.Fatalf("refused: %s", rep.Plain())
	}
	contains(t, rep.Plain(), "Checked pelanggan.csv", "Would add 1 new customer,", "update 1", `"not a phone" is not a phone number`, "Import now? 1 new, 1 updated.")
	if n := f.count(); n != 1 {
		t.Fatalf("the check wrote: %d customers", n)
	}
	run := button(t, rep, "Import 2 customers")

	t.Run("SomeoneElsesFile", func(t *testing.T) {
		other := f.staff("telegram:8", crm.RoleManager)
		rep := f.as(other, run)
		if !rep.Error || !strings.Contains(rep.Plain(), "no longer waiting") {
			t.Fatalf("another manager ran it: %s", rep.Plain())
		}
	})
	t.Run("Import", func(t *testing.T) {
		var progress []string
		rep := f.h.Handle(context.Background(), handlers.Request{Staff: manager, Text: run,
			Progress: func(_ context.Context, s string) { progress = append(progress, s) }})
		if rep.Error {
			t.Fatalf("refused: %s", rep.Plain())
		}
		contains(t, rep.Plain(), "Imported pelanggan.csv", "1 new customer,", "1 updated")
		if len(progress) == 0 || !strings.Contains(progress[0], "Importing pelanggan.csv: 3 rows") {
			t.Errorf("progress: %q", progress)
		}
		if n := f.count(); n != 2 {
			t.Errorf("%d customers after the import, want 2", n)
		}
		contains(t, f.ok("show siti"), "siti@example.com")
	})
	t.Run("PressedTwice", func(t *testing.T) {
		rep := f.as(manager, run)
		if !rep.Error || !strings.Contains(rep.Plain(), "no longer waiting") {
			t.Fatalf("second press: %s", rep.Plain())
		}
		if n := f.count(); n != 2 {
			t.Errorf("%d customers after a second press, want 2", n)
		}
	})
}

func TestImportInChatCancel(t *testing.T) {
	f := newFixture(t)
	rep := f.upload(f.admin, "", "list.csv", []byte("name,phone\nAhmad,0115555666\n"), nil)
	contains(t, rep.Plain(), "Checked list.csv")
	cancel := button(t, rep, "Cancel")
	contains(t, f.ok(cancel), "Cancelled: nothing from list.csv was imported.")
	if rep := f.do(button(t, rep, "Import")); !rep.Error {
		t.Errorf("import after cancel: %s", rep.Plain())
	}
	if n := f.count(); n != 0 {
		t.Errorf("%d customers after a cancelled import", n)
	}
}

func TestImportInChatRefusals(t *testing.T) {
	f := newFixture(t)
	field := f.staff("telegram:9", crm.RoleField)
	big := bytes.Repeat([]byte("a"), handlers.MaxUploadBytes+1)
	tests := []struct {
		name    string
		staff   *crm.Staff
		caption string
		file    []byte
		size    int64 // as the platform reports it; -1 for the file's length
		want    string
	}{
		{"FieldStaff", field, "import", []byte(chatCSV), -1, `Only managers and admins can use "import"`},
		{"TooLargeBySize", f.admin, "import", []byte(chatCSV), handlers.MaxUploadBytes + 1, "larger than 10 MB"},
		{"TooLargeUnsaid", f.admin, "import", big, 0, "larger than 10 MB"},
		{"Binary", f.admin, "import", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00"), -1, "and import that"},
		{"NoKnownHeader", f.admin, "import", []byte("foo,bar\n1,2\n"), -1, "No column title names"},
		{"BadMapping", f.admin, "import Tel Bimbit", []byte(chatCSV), -1, `"Tel Bimbit" is not a mapping`},
		{"MappingUnknownField", f.admin, "import Tel Bimbit=shoe size", []byte(chatCSV), -1, "is not a customer field"},
		{"NothingToImport", f.admin, "import", []byte("name,phone\n,\n"), -1, "Nothing to import"},
		{"NoFile", f.admin, "import", nil, -1, `with the caption "import"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rep handlers.Reply
			if tt.file == nil {
				rep = f.as(tt.staff, tt.caption)
			} else {
				in := handlers.Request{Staff: tt.staff, Text: tt.caption, Upload: &handlers.Upload{Name: "x.csv", Size: tt.size,
					Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(tt.file)), nil }}}
				if tt.size < 0 {
					in.Upload.Size = int64(len(tt.file))
				}
				rep = f.h.Handle(context.Background(), in)
			}
			contains(t, rep.Plain(), tt.want)
			if n := f.count(); n != 0 {
				t.Errorf("%d customers written", n)
			}
		})
	}
}

func TestImportInChatMapping(t *testing.T) {
	f := newFixture(t)
	rep := f.upload(f.admin, "import No. Telefon=phone, Bandar=-", "m.csv", []byte(chatCSV), nil)
	contains(t, rep.Plain(), "No. Telefon → phone", "Bandar → not imported")
	f.ok(button(t, rep, "Import"))
	if c := f.customer("tan"); c.City != "" || len(c.Phones) != 1 || c.Phones[0] != "+60198765432" {
		t.Errorf("mapped import: city %q phones %v", c.City, c.Phones)
	}
}

func TestExportInChat(t *testing.T) {
	f := newFixture(t)
	f.ok("add Siti Nurhaliza 0123456789")
	f.ok("add =HYPERLINK(\"x\") 0198765432")
	rep := f.do("export")
	doc := document(t, rep)
	contains(t, rep.Plain(), "2 customers in customers-2026-11-23.csv.")
	contains(t, string(doc.Data), "Siti Nurhaliza", `'=HYPERLINK`)
	manager := f.staff("slack:U1", crm.RoleRep)
	if rep := f.as(manager, "export"); !rep.Error {
		t.Errorf("a rep exported every customer: %s", rep.Plain())
	}
}

// TestImportInChatProgress: checking a long file shows progress every ten
// seconds of the handler's clock, not at the end.
func TestImportInChatProgress(t *testing.T) {
	f := newFixture(t)
	tick := f.now
	cat, err := handlers.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	h, err := handlers.New(handlers.Config{Store: f.db, Catalog: cat, Location: kl,
		Now: func() time.Time { tick = tick.Add(11 * time.Second); return tick }})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("name,phone\n")
	for i := range 12000 {
		fmt.Fprintf(&b, "Customer %d,01%08d\n", i, 20000000+i)
	}
	data := []byte(b.String())
	var progress []string
	rep := h.Handle(context.Background(), handlers.Request{Staff: f.admin, Text: "import", Progress: func(_ context.Context, s string) { progress = append(progress, s) },
		Upload: &handlers.Upload{Name: "big.csv", Size: int64(len(data)), Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}})
	contains(t, rep.Plain(), "Would add 12000 new customers")
	if strings.Join(progress, "|") != "5000 of 12000 customers done|10000 of 12000 customers done" {
		t.Errorf("progress %q", progress)
	}
}
