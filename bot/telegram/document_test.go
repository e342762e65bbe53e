package telegram_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crmbot/crmbot/bot/telegram"
	"github.com/crmbot/crmbot/bot/telegram/telegramtest"
)

// TestDocumentImport sends a customer list as a document: the bot
// downloads it through getFile, answers with the dry run and an Import
// button, and imports once however often the button is pressed.
func TestDocumentImport(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	csv := "Nama,No. Telefon,Bandar\nSiti Nurhaliza,012-345 6789,Kuala Lumpur\nTan Ah Kow,019-876 5432,Penang\n"
	m := msg(admin)
	m.Document = &models.Document{FileID: f.fake.AddFile([]byte(csv)), FileName: "pelanggan.csv", MimeType: "text/csv", FileSize: int64(len(csv))}
	before := len(f.fake.Messages(admin))
	f.post(&models.Update{Message: m})
	checked := f.reply(admin, before)
	if got := checked.Params["text"]; !strings.Contains(got, "Checked pelanggan.csv") || !strings.Contains(got, "Would add 2 new") {
		t.Fatalf("dry run reply %q", got)
	}
	if n, _ := f.db.CountCustomers(ctx); n != 0 {
		t.Fatalf("the dry run wrote %d customers", n)
	}
	importBtn := button(t, checked, "Import 2")

	before = len(f.fake.Messages(admin))
	f.press(admin, importBtn.CallbackData)
	var done string
	for _, c := range f.messages(admin, before+2)[before:] {
		done += c.Params["text"] + "\n"
	}
	if !strings.Contains(done, "Importing pelanggan.csv: 2 rows") || !strings.Contains(done, "Imported pelanggan.csv") {
		t.Fatalf("progress and summary %q", done)
	}
	if n, _ := f.db.CountCustomers(ctx); n != 2 {
		t.Fatalf("%d customers after the import, want 2", n)
	}

	before = len(f.fake.Messages(admin))
	f.press(admin, importBtn.CallbackData)
	if got := f.reply(admin, before).Params["text"]; !strings.Contains(got, "no longer waiting") {
		t.Errorf("second press %q", got)
	}
	if n, _ := f.db.CountCustomers(ctx); n != 2 {
		t.Errorf("%d customers after a second press, want 2", n)
	}
}

// TestDocumentRefusals: a file from field staff, and a file Telegram cannot
// serve, each get one sentence and write nothing.
func TestDocumentRefusals(t *testing.T) {
	f := newFixture(t)
	f.enrol(200)
	tests := []struct {
		name   string
		from   int64
		fileID string
		want   string
	}{
		{"FieldStaff", 200, f.fake.AddFile([]byte("name\nSiti\n")), `Only managers and admins can use "import"`},
		{"DownloadFails", admin, "missing-file", "something went wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := msg(tt.from)
			m.Document = &models.Document{FileID: tt.fileID, FileName: "list.csv"}
			before := len(f.fake.Messages(tt.from))
			f.post(&models.Update{Message: m})
			if got := f.reply(tt.from, before).Params["text"]; !strings.Contains(got, tt.want) {
				t.Errorf("reply %q, want %q", got, tt.want)
			}
			if n, _ := f.db.CountCustomers(context.Background()); n != 0 {
				t.Errorf("%d customers written", n)
			}
		})
	}
}

// TestDocumentExport: `export` arrives as a CSV document with its caption.
func TestDocumentExport(t *testing.T) {
	f := newFixture(t)
	f.addCustomer("Siti Nurhaliza", "+60123456789")
	before := len(f.fake.Messages(admin))
	f.post(textUpdate(admin, "/export"))
	got := f.reply(admin, before)
	if got.Method != "sendDocument" || !strings.Contains(got.Params["caption"], "1 customer in customers-") {
		t.Fatalf("export sent as %s with caption %q", got.Method, got.Params["caption"])
	}
	var data []byte
	for _, d := range got.Files {
		data = d
	}
	if !strings.Contains(string(data), "Siti Nurhaliza") || !strings.HasPrefix(string(data), "\uFEFFid,name") {
		t.Errorf("document %.80q", data)
	}
}

// TestDocumentInParts: a document larger than DocInline is kept as a blob
// in state parts, not in its outbox row; after failed sends and a restart the
// recovery pass sends it whole, once, and the parts are gone.
func TestDocumentInParts(t *testing.T) {
	f := newFixture(t, func(c *telegram.Config) { c.DocInline = 100 })
	ctx := context.Background()
	for i, name := range []string{"Siti Nurhaliza", "Tan Ah Kow", "Ahmad Faizal"} {
		f.addCustomer(name, fmt.Sprintf("+6012345678%d", i))
	}
	fail := telegramtest.Failure{Status: 500}
	f.fake.FailNext("sendDocument", fail, fail, fail, fail)
	f.post(textUpdate(admin, "/export"))
	f.wait(func(s *telegramtest.Server) bool { return len(s.Calls("sendDocument")) == 4 })
	f.halt()
	if n := stateDocs(t, f, "tg:doc:"); n < 2 {
		t.Fatalf("%d document parts in the store while the document waits, want several", n)
	}
	f.clock.Advance(time.Hour)
	f.start()
	if err := f.tr.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	f.idle()
	sent := f.fake.Served("sendDocument")
	if len(sent) != 1 {
		t.Fatalf("document sent %d times, want once", len(sent))
	}
	var data string
	for _, d := range sent[0].Files {
		data = string(d)
	}
	if !strings.HasPrefix(data, "\uFEFFid,name") || !strings.Contains(data, "Ahmad Faizal") || !strings.Contains(data, "Tan Ah Kow") || len(data) <= 100 {
		t.Errorf("document as sent (%d bytes): %.120q", len(data), data)
	}
	if n := stateDocs(t, f, "tg:doc:"); n != 0 {
		t.Errorf("%d document parts left after sending", n)
	}
}

// stateDocs counts the state documents whose key starts with prefix.
func stateDocs(t *testing.T, f *fixture, prefix string) int {
	t.Helper()
	cur, err := f.db.Database().Collection("state").Find(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(context.Background(), &docs); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range docs {
		if strings.HasPrefix(d.ID, prefix) {
			n++
		}
	}
	return n
}
