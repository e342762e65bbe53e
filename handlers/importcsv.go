package handlers

import (
	"strconv"
	"strings"

	"github.com/crmbot/crmbot/custfile"
)

// importSource says what an import read: CSV with its encoding and
// delimiter, a workbook's sheet, vCard contacts.
func importSource(t func(string, ...any) string, s *custfile.Summary) string {
	switch s.Format {
	case custfile.FormatXLSX:
		return t("imp_source_xlsx", "sheet", s.Sheet)
	case custfile.FormatVCard:
		return t("imp_source_vcard", "encoding", s.Encoding)
	}
	delim := string(s.Delimiter)
	if s.Delimiter == '\t' {
		delim = "tab"
	}
	return t("imp_source_csv", "encoding", s.Encoding, "delimiter", delim)
}

// ImportReport is an import's summary in lang: what was read, what was (or
// in a dry run would be) added and updated, and every rejected row with its
// reason. `crmbot import` prints it; a file sent to the bot will get it too.
func ImportReport(cat *Catalog, lang string, s *custfile.Summary) string {
	t := func(key string, args ...any) string { return cat.T(lang, key, args...) }
	var b strings.Builder
	line := func(s string) { b.WriteString(s + "\n") }
	if s.DryRun {
		line(t("imp_summary_dry"))
	}
	key := "imp_summary"
	if s.DryRun {
		key = "imp_summary_would"
	}
	// count picks the plural of "new customers"; the other figures are
	// worded so that no plural depends on them.
	line(t(key, "count", s.Created, "rows", s.Rows, "source", importSource(t, s), "created", s.Created,
		"updated", s.Updated, "unchanged", s.Unchanged, "same", s.SameInFile, "rejected", len(s.Rejected)))
	var cols []string
	for _, c := range s.Columns {
		f := string(c.Field)
		if f == "" {
			f = t("imp_column_skipped")
		}
		cols = append(cols, c.Header+" → "+f)
	}
	line(t("imp_columns", "list", strings.Join(cols, ", ")))
	if len(s.Changes) > 0 {
		key := "imp_changes"
		if s.DryRun {
			key = "imp_changes_would"
		}
		line(t(key, "count", s.Updated))
		for _, c := range s.Changes {
			line("  " + t("imp_change_line", "line", c.Line, "name", c.Name, "fields", strings.Join(c.Fields, ", ")))
		}
		if s.Updated > len(s.Changes) {
			line("  " + t("imp_more", "count", s.Updated-len(s.Changes)))
		}
	}
	if len(s.Rejected) > 0 {
		line(t("imp_rejected", "count", len(s.Rejected)))
		for _, r := range s.Rejected {
			line("  " + t("imp_rejected_line", "line", r.Line, "reason", t(r.Key, r.Args...)))
		}
	}
	if secs := s.Took.Seconds(); secs > 0 && s.Rows > 0 {
		line(t("imp_took", "secs", strconv.FormatFloat(secs, 'f', 1, 64), "rate", strconv.Itoa(int(float64(s.Rows)/secs))))
	}
	return b.String()
}
