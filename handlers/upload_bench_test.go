package handlers_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/crmbot/crmbot/handlers"
)

// BenchmarkImportInChat measures a file sent in chat end to end on the
// embedded store: the dry run, then the Import button, over a file of 5,000
// customers of which every tenth is already in the CRM (matched by phone).
//
//	go test -run '^$' -bench ImportInChat -benchtime 3x ./handlers
//
// CRMBOT_BENCH_ROWS sets the file's size (5,000 by default).
func BenchmarkImportInChat(b *testing.B) {
	rows := 5000
	if n, err := strconv.Atoi(os.Getenv("CRMBOT_BENCH_ROWS")); err == nil && n > 0 {
		rows = n
	}
	var csv strings.Builder
	csv.WriteString("Nama,No. Telefon,Emel,Bandar\n")
	for i := range rows {
		fmt.Fprintf(&csv, "Pelanggan %s,01%08d,p%d@example.com,Kuala Lumpur\n", letters(i), 30000000+i, i)
	}
	data := []byte(csv.String())
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b)
		for i := 0; i < rows; i += 10 {
			f.ok(fmt.Sprintf("add Pelanggan %s 01%08d", letters(i), 30000000+i))
		}
		b.StartTimer()
		rep := f.upload(f.admin, "import", "list.csv", data, nil)
		var run string
		for _, bl := range rep.Blocks {
			for _, btn := range bl.Buttons {
				if strings.HasPrefix(btn.Command, "import u:") {
					run = btn.Command
				}
			}
		}
		if run == "" {
			b.Fatalf("no Import button:\n%s", rep.Plain())
		}
		done := f.h.Handle(context.Background(), handlers.Request{Staff: f.admin, Text: run})
		if done.Error || !strings.Contains(done.Plain(), fmt.Sprintf("%d new customers", rows-rows/10)) {
			b.Fatalf("import: %s", done.Plain())
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// letters writes n in letters, for names without digits: 0 a, 27 bb.
func letters(n int) string {
	s := ""
	for {
		s = string(rune('a'+n%26)) + s
		n /= 26
		if n == 0 {
			return s
		}
	}
}
