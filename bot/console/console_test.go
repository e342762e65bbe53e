package console_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmbot/crmbot/bot/console"
	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
	"github.com/crmbot/crmbot/store"
	"github.com/crmbot/crmbot/store/storetest"
)

var server *store.DB

func TestMain(m *testing.M) { storetest.Main(m, &server) }

// run pipes lines into a console on a fresh database and returns its output.
func run(t *testing.T, db string, dir string, lines ...string) string {
	t.Helper()
	st, err := server.Use(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := handlers.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	h, err := handlers.New(handlers.Config{Store: st, Catalog: cat, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Bootstrap(context.Background(), []crm.Identity{console.Identity}); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	con := console.New(h, strings.NewReader(strings.Join(lines, "\n")+"\n"), &out, "")
	con.SaveFiles(dir)
	if err := con.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestImportExport imports a file by its path, confirms with the numbered
// button, and exports every customer to a file in the console's folder.
func TestImportExport(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "list.csv")
	if err := os.WriteFile(list, []byte("name,phone\nSiti Nurhaliza,0123456789\nTan Ah Kow,0198765432\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := run(t, "console_import", dir, "import "+list, "1", "export")
	for _, want := range []string{"Checked list.csv", "[1] Import 2 customers", "Importing list.csv: 2 rows", "Imported list.csv",
		"2 customers in customers-2026-11-23.csv.", "→ " + filepath.Join(dir, "customers-2026-11-23.csv")} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "customers-2026-11-23.csv"))
	if err != nil || !strings.Contains(string(data), "Tan Ah Kow") {
		t.Errorf("export file: %v %.80q", err, data)
	}
}

// TestImportMissingFile: a path that is not a file is not an upload; the
// answer says how to send one.
func TestImportMissingFile(t *testing.T) {
	out := run(t, "console_missing", t.TempDir(), "import /no/such/file.csv")
	if !strings.Contains(out, `with the caption "import"`) {
		t.Errorf("output:\n%s", out)
	}
}

// chanWriter hands each write to the test as it happens.
type chanWriter chan string

func (w chanWriter) Write(p []byte) (int, error) { w <- string(p); return len(p), nil }

// await reads output until it contains want, and returns what it read.
func await(t *testing.T, out chanWriter, want string) string {
	t.Helper()
	var got strings.Builder
	timeout := time.After(30 * time.Second)
	for !strings.Contains(got.String(), want) {
		select {
		case s := <-out:
			got.WriteString(s)
		case <-timeout:
			t.Fatalf("no %q in output:\n%s", want, got.String())
		}
	}
	return got.String()
}

// TestNumberPicksFromPushedNudge: a nudge that arrives between requests is
// the list a typed number picks from, not the reply before it.
func TestNumberPicksFromPushedNudge(t *testing.T) {
	st, err := server.Use(context.Background(), "console_nudge")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := handlers.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	h, err := handlers.New(handlers.Config{Store: st, Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Bootstrap(context.Background(), []crm.Identity{console.Identity}); err != nil {
		t.Fatal(err)
	}
	in, typed := io.Pipe()
	out := make(chanWriter, 64)
	con := console.New(h, in, out, "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- con.Run(ctx) }()
	t.Cleanup(func() { cancel(); typed.Close(); <-done })

	send := func(l string) {
		if _, err := io.WriteString(typed, l+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	send("add Siti Nurhaliza 0123456789")
	await(t, out, "Added Siti Nurhaliza")
	send("add Tan Ah Kow 0198765432")
	if got := await(t, out, "Added Tan Ah Kow"); !strings.Contains(got, "[1]") {
		t.Fatalf("the reply before the nudge should offer buttons, to make the test mean something:\n%s", got)
	}
	nudge := handlers.Reply{Blocks: []handlers.Block{{Text: "Follow up with Siti today.",
		Buttons: []handlers.Button{{Label: "Show Siti", Command: "show Siti Nurhaliza"}}}}}
	if err := con.Deliver(ctx, console.Identity, nudge); err != nil {
		t.Fatal(err)
	}
	await(t, out, "Follow up with Siti today.")
	send("1")
	if got := await(t, out, "\n"); strings.Contains(got, "Tan Ah Kow") || !strings.Contains(got, "Siti Nurhaliza") {
		t.Errorf("1 after the nudge should show Siti's card:\n%s", got)
	}
}
