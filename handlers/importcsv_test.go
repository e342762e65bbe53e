package handlers_test

import (
	"strings"
	"testing"

	"github.com/crmbot/crmbot/custfile"
	"github.com/crmbot/crmbot/handlers"
)

// TestImportReportSaysWhatWasRead: the summary names the format read, in
// every language, with no template left unfilled.
func TestImportReportSaysWhatWasRead(t *testing.T) {
	cat, err := handlers.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		sum  custfile.Summary
		want string // in English
	}{
		{"CSV", custfile.Summary{Format: custfile.FormatCSV, Encoding: "gbk", Delimiter: '\t', Rows: 2}, "(CSV, gbk, delimiter tab)"},
		{"Workbook", custfile.Summary{Format: custfile.FormatXLSX, Sheet: "客户", Rows: 3}, "(Excel workbook, sheet 客户)"},
		{"VCard", custfile.Summary{Format: custfile.FormatVCard, Encoding: "utf-8", Rows: 3, DryRun: true}, "(vCard contacts, utf-8)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := handlers.ImportReport(cat, "en", &tt.sum); !strings.Contains(got, tt.want) {
				t.Errorf("report %q lacks %q", got, tt.want)
			}
			for _, lang := range handlers.Languages {
				got := handlers.ImportReport(cat, lang, &tt.sum)
				if strings.Contains(got, "{{") || strings.Contains(got, "<no value>") || strings.Contains(got, "imp_") {
					t.Errorf("%s: %q", lang, got)
				}
			}
		})
	}
}
