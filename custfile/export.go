package custfile

import (
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/currency"

	"github.com/crmbot/crmbot/crm"
)

// formulaStarts are the characters that make a spreadsheet read a cell as
// a formula (OWASP "CSV injection"): =, +, -, @, and tab and carriage return.
const formulaStarts = "=+-@\t\r"

// Neutralize makes a cell safe to open in a spreadsheet: one that would
// start a formula gets a leading apostrophe, which spreadsheets show as
// text and Read strips again.
func Neutralize(s string) string {
	if s != "" && strings.ContainsRune(formulaStarts, rune(s[0])) {
		return "'" + s
	}
	return s
}

// ExportHeader is the first line of an export; Read maps every column back.
//
// Money is written for a spreadsheet: "currency" names the base currency
// and "spent" is the customer's total in it as a plain decimal (2125100
// minor units of MYR are 21251.00), so a column sums and sorts as numbers
// and every row is in the same currency. Totals in other currencies,
// which cannot be added to it, go to "spent_other" as text, "USD 120.00;
// IDR 1500000".
var ExportHeader = []string{"id", "name", "company", "phone", "email", "address", "city", "website", "source",
	"preferred_contact", "language", "birthday", "anniversary", "hobbies", "notes", "tier", "orders",
	"currency", "spent", "spent_other",
	"last_order", "last_contact", "created", "lost_reason", "lost_competitor"}

// Writer writes customers as CSV: UTF-8 with a byte-order mark so that
// Excel shows Chinese and Devanagari names, every cell neutralised.
type Writer struct {
	w    *csv.Writer
	loc  *time.Location
	base string
	n    int
}

// NewWriter writes the byte-order mark and the header line; dates are
// written in loc and the spent column in base, an ISO 4217 code.
func NewWriter(w io.Writer, loc *time.Location, base string) (*Writer, error) {
	if loc == nil {
		loc = time.UTC
	}
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(ExportHeader); err != nil {
		return nil, err
	}
	return &Writer{w: cw, loc: loc, base: base}, nil
}

// Write adds one customer.
func (x *Writer) Write(c *crm.Customer) error {
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(x.loc).Format("2006-01-02")
	}
	var spent string
	if v, ok := c.Stats.Spent[x.base]; ok {
		spent = decimal(v, x.base)
	}
	var other []string
	for cur, v := range c.Stats.Spent {
		if cur != x.base {
			other = append(other, cur+" "+decimal(v, cur))
		}
	}
	slices.Sort(other)
	var lostReason, lostTo string
	if c.Lost != nil {
		lostReason, lostTo = c.Lost.Reason, c.Lost.Competitor
	}
	rec := []string{string(c.ID), c.Name, c.Company, strings.Join(c.Phones, "; "), strings.Join(c.Emails, "; "),
		c.Address, c.City, c.Website, c.Source, c.PreferredContact, c.Language, string(c.Birthday), string(c.Anniversary),
		strings.Join(c.Hobbies, ", "), c.Notes, string(c.Stats.Tier), strconv.Itoa(c.Stats.Orders),
		x.base, spent, strings.Join(other, "; "),
		day(c.Stats.LastOrderAt), day(c.Stats.LastContactAt), day(c.CreatedAt), lostReason, lostTo}
	for i := range rec {
		rec[i] = Neutralize(rec[i])
	}
	x.n++
	return x.w.Write(rec)
}

// Flush writes what is buffered and returns the first error of any write.
func (x *Writer) Flush() error {
	x.w.Flush()
	return x.w.Error()
}

// Count is how many customers were written.
func (x *Writer) Count() int { return x.n }

// Lister walks every customer, in no particular order; the export reads
// through it.
type Lister interface {
	EachCustomer(ctx context.Context, fn func(*crm.Customer) error) error
}

// Export writes every customer of st to w, amounts in base, and returns
// how many.
func Export(ctx context.Context, st Lister, w io.Writer, loc *time.Location, base string) (int, error) {
	x, err := NewWriter(w, loc, base)
	if err != nil {
		return 0, err
	}
	if err := st.EachCustomer(ctx, x.Write); err != nil {
		return x.Count(), err
	}
	return x.Count(), x.Flush()
}

// decimal writes minor units of cur as a plain decimal that a spreadsheet
// reads as a number, without grouping or symbol: 2125100 MYR is
// "21251.00", 1500000 IDR is "1500000". The digits are the currency's cash
// digits (golang.org/x/text/currency), the rule sales are kept in minor
// units by; an unknown code gets two.
func decimal(minor int64, cur string) string {
	digits := 2
	if u, err := currency.ParseISO(cur); err == nil {
		digits, _ = currency.Cash.Rounding(u)
	}
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	s := strconv.FormatInt(minor, 10)
	if digits == 0 {
		return sign + s
	}
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	return sign + s[:len(s)-digits] + "." + s[len(s)-digits:]
}
