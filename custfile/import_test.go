package custfile_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/crm/crmtest"
	"github.com/crmbot/crmbot/custfile"
	"github.com/crmbot/crmbot/store"
	"github.com/crmbot/crmbot/store/storetest"
)

// server is the package's one embedded store; each test has its own database.
var server *store.DB

var dbSeq atomic.Int64

func TestMain(m *testing.M) { storetest.Main(m, &server) }

func MustOpenDB(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := server.Use(context.Background(), fmt.Sprintf("cf%d", dbSeq.Add(1)))
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

func mustRead(t testing.TB, text string) *custfile.File {
	t.Helper()
	f, err := custfile.Read(strings.NewReader(text), custfile.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func count(t testing.TB, db *store.DB) int64 {
	t.Helper()
	n, err := db.CountCustomers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImport(t *testing.T) {
	ctx := context.Background()
	malay := string(mustReadFile(t, "ms_semicolon_bom.csv"))

	t.Run("DryRunWritesNothing", func(t *testing.T) {
		db := MustOpenDB(t)
		sum, err := custfile.Import(ctx, db, mustRead(t, malay), custfile.Options{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Created != 2 || len(sum.Rejected) != 1 || count(t, db) != 0 {
			t.Fatalf("summary %+v, %d stored", sum, count(t, db))
		}
	})
	t.Run("MalayFileImported", func(t *testing.T) {
		db := MustOpenDB(t)
		var progress []int
		sum, err := custfile.Import(ctx, db, mustRead(t, malay), custfile.Options{Progress: func(done, total int) { progress = append(progress, done) }})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Created != 2 || count(t, db) != 2 || len(progress) == 0 {
			t.Fatalf("summary %+v, progress %v", sum, progress)
		}
		r := sum.Rejected[0]
		if r.Line != 4 || r.Key != "imp_rej_phone" {
			t.Errorf("rejection %+v, want line 4 imp_rej_phone", r)
		}
		cs, err := db.CustomersByPhone(ctx, "+60123456789")
		if err != nil || len(cs) != 1 {
			t.Fatalf("by phone: %v %v", cs, err)
		}
		c := cs[0]
		if c.Name != "Siti Nurhaliza" || c.Company != "Nur Trading" || c.City != "Kuala Lumpur" || c.Birthday != "1990-03-14" || c.Emails[0] != "siti@example.my" {
			t.Errorf("stored %+v", c)
		}
		if found, _, _ := db.FindCustomers(ctx, "ahmad", 5); len(found) != 1 || found[0].Name != "Ahmad; bin Ali" {
			t.Errorf("quoted name with the delimiter: %v", found)
		}
	})
	t.Run("ExistingCustomersMatchedNotDuplicated", func(t *testing.T) {
		db := MustOpenDB(t)
		old := &crm.Customer{Name: "Siti N.", Phones: []string{"+60123456789"}, City: "Ipoh"}
		if err := db.CreateCustomer(ctx, old, false); err != nil {
			t.Fatal(err)
		}
		dry, err := custfile.Import(ctx, db, mustRead(t, malay), custfile.Options{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if dry.Created != 1 || dry.Updated != 1 || count(t, db) != 1 {
			t.Fatalf("dry run %+v", dry)
		}
		ch := dry.Changes[0]
		if ch.Customer != old.ID || strings.Join(ch.Fields, ",") != "company,birthday,email" {
			t.Errorf("dry-run change %+v; the city is kept, not overwritten", ch)
		}
		if got, _ := db.Customer(ctx, old.ID); got.Company != "" {
			t.Errorf("dry run wrote %+v", got)
		}
		sum, err := custfile.Import(ctx, db, mustRead(t, malay), custfile.Options{})
		if err != nil || sum.Created != 1 || sum.Updated != 1 || count(t, db) != 2 {
			t.Fatalf("import %+v, %v", sum, err)
		}
		got, _ := db.Customer(ctx, old.ID)
		if got.Name != "Siti N." || got.City != "Ipoh" || got.Company != "Nur Trading" || len(got.Emails) != 1 {
			t.Errorf("matched customer now %+v", got)
		}
		again, err := custfile.Import(ctx, db, mustRead(t, malay), custfile.Options{})
		if err != nil || again.Created != 0 || again.Unchanged != 2 || count(t, db) != 2 {
			t.Fatalf("second import %+v, %v", again, err)
		}
	})
	t.Run("RepeatedRowsFolded", func(t *testing.T) {
		db := MustOpenDB(t)
		sum, err := custfile.Import(ctx, db, mustRead(t, "name,phone,email\nTan,0123456789,tan@example.my\nTan Ah Kow,0198765432,TAN@example.my\n"), custfile.Options{})
		if err != nil || sum.Created != 1 || sum.SameInFile != 1 {
			t.Fatalf("%+v %v", sum, err)
		}
		cs, _ := db.CustomersByPhone(ctx, "+60198765432")
		if len(cs) != 1 || len(cs[0].Phones) != 2 {
			t.Errorf("folded customer %+v", cs)
		}
	})
	t.Run("ContactsOfTwoCustomersRejected", func(t *testing.T) {
		db := MustOpenDB(t)
		for _, c := range []*crm.Customer{{Name: "A", Phones: []string{"+60123456789"}}, {Name: "B", Emails: []string{"b@example.my"}}} {
			if err := db.CreateCustomer(ctx, c, false); err != nil {
				t.Fatal(err)
			}
		}
		sum, err := custfile.Import(ctx, db, mustRead(t, "name,phone,email\nAB,0123456789,b@example.my\n"), custfile.Options{})
		if err != nil || len(sum.Rejected) != 1 || sum.Rejected[0].Key != "imp_rej_two_customers" || count(t, db) != 2 {
			t.Fatalf("%+v %v", sum, err)
		}
	})
	t.Run("RowRejections", func(t *testing.T) {
		db := MustOpenDB(t)
		in := "name,phone,email,birthday\n" +
			",0123456789,,\n" + // line 2: no name
			"B,abc123456789x,,\n" + // line 3: not a phone
			"C,,not-an-email,\n" + // line 4
			"D,,,31/31/1990\n" + // line 5: no such date
			"E," + strings.Repeat("9", 3000) + ",,\n" + // line 6: cell too long
			"F,0111111111,f@example.my,--12-25\n" // fine, year unknown
		sum, err := custfile.Import(ctx, db, mustRead(t, in), custfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range sum.Rejected {
			got = append(got, fmt.Sprint(r.Line, " ", r.Key))
		}
		want := "2 imp_rej_no_name,3 imp_rej_phone,4 imp_rej_email,5 imp_rej_date,6 imp_rej_cell_too_long"
		if strings.Join(got, ",") != want || sum.Created != 1 {
			t.Errorf("rejected %v, created %d; want %s", got, sum.Created, want)
		}
	})
	t.Run("ChineseFilesInTheirRegions", func(t *testing.T) {
		db := MustOpenDB(t)
		for _, x := range []struct{ file, region string }{{"zh_gbk.csv", "CN"}, {"zh_big5.csv", "TW"}} {
			f, err := custfile.Read(bytes.NewReader(mustReadFile(t, x.file)), custfile.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if sum, err := custfile.Import(ctx, db, f, custfile.Options{Region: x.region}); err != nil || sum.Created != 2 {
				t.Fatalf("%s: %+v %v", x.file, sum, err)
			}
		}
		if cs, _ := db.CustomersByPhone(ctx, "+886912345678"); len(cs) != 1 || cs[0].Name != "陳大文" {
			t.Errorf("Big5 customer: %v", cs)
		}
		// 陈 finds both: the GBK customer and the Big5 陳大文 (one script for find).
		cs, _, _ := db.FindCustomers(ctx, "陈", 5)
		if len(cs) != 2 || !slices.ContainsFunc(cs, func(c *crm.Customer) bool { return c.Company == "大文有限公司" }) {
			t.Errorf("GBK customer: %v", cs)
		}
	})
}

// TestHundredThousandRows reads a 100,000-row file and dry-runs its import:
// every row accounted for, progress reported along the way. The writing
// itself is measured by BenchmarkImport (about a minute on the embedded store).
func TestHundredThousandRows(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	f, err := custfile.Read(bytes.NewReader(syntheticCSV(100_000)), custfile.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	reports := 0
	sum, err := custfile.Import(ctx, db, f, custfile.Options{DryRun: true, Progress: func(int, int) { reports++ }})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created != 100_000 || len(sum.Rejected) != 0 || reports < 20 {
		t.Fatalf("would create %d, rejected %d, %d progress reports", sum.Created, len(sum.Rejected), reports)
	}
}

// syntheticCSV is a customer list of n rows in the shape exporters write,
// with the shared synthetic customers' names (crm/crmtest), phones and e-mails.
func syntheticCSV(n int) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"Name", "Company", "Phone", "Email", "City", "Birthday"})
	cities := []string{"Kuala Lumpur", "Penang", "Johor Bahru", "Ipoh", "Kuching"}
	for i, c := range crmtest.Customers(0, n, 1) {
		w.Write([]string{c.Name, crmtest.Word(i%500) + " Trading", c.Phones[0], c.Emails[0], cities[i%5],
			fmt.Sprintf("19%02d-%02d-%02d", 50+i%50, 1+i%12, 1+i%28)})
	}
	w.Flush()
	return b.Bytes()
}

func TestExport(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	in := "name,phone,email,notes\n" +
		"\"=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",0123456789,siti@example.my,@SUM(A1)\n" +
		"陈大文,+86 138 0013 8000,,-1+2\n"
	if _, err := custfile.Import(ctx, db, mustRead(t, in), custfile.Options{}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	n, err := custfile.Export(ctx, db, &out, time.UTC)
	if err != nil || n != 2 {
		t.Fatalf("exported %d, %v", n, err)
	}
	if !bytes.HasPrefix(out.Bytes(), []byte("\uFEFF")) {
		t.Errorf("no byte-order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(out.Bytes(), []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("EveryCellNeutralised", func(t *testing.T) {
		for _, rec := range recs[1:] {
			for _, cell := range rec {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("cell %q starts a formula", cell)
				}
			}
		}
	})
	t.Run("RoundTrip", func(t *testing.T) {
		db2 := MustOpenDB(t)
		f, err := custfile.Read(bytes.NewReader(out.Bytes()), custfile.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		sum, err := custfile.Import(ctx, db2, f, custfile.Options{})
		if err != nil || sum.Created != 2 || len(sum.Rejected) != 0 {
			t.Fatalf("%+v %v", sum, err)
		}
		cs, _ := db2.CustomersByPhone(ctx, "+60123456789")
		if len(cs) != 1 || !strings.HasPrefix(cs[0].Name, "=HYPERLINK") || cs[0].Notes != "@SUM(A1)" {
			t.Errorf("round trip: %+v", cs)
		}
	})
}

// BenchmarkImport imports CRMBOT_BENCH_ROWS rows (100,000 by default) into
// an empty store and into one that already holds them (every row matched).
func BenchmarkImport(b *testing.B) {
	n := 100_000
	if s := os.Getenv("CRMBOT_BENCH_ROWS"); s != "" {
		fmt.Sscan(s, &n)
	}
	data := syntheticCSV(n)
	ctx := context.Background()
	b.Run("Empty", func(b *testing.B) {
		for b.Loop() {
			db := MustOpenDB(b)
			f, err := custfile.Read(bytes.NewReader(data), custfile.ReadOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if sum, err := custfile.Import(ctx, db, f, custfile.Options{}); err != nil || sum.Created != n {
				b.Fatal(sum, err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("AllMatched", func(b *testing.B) {
		db := MustOpenDB(b)
		f, _ := custfile.Read(bytes.NewReader(data), custfile.ReadOptions{})
		if _, err := custfile.Import(ctx, db, f, custfile.Options{}); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for b.Loop() {
			f, _ := custfile.Read(bytes.NewReader(data), custfile.ReadOptions{})
			if sum, err := custfile.Import(ctx, db, f, custfile.Options{}); err != nil || sum.Unchanged != n {
				b.Fatal(sum, err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}
