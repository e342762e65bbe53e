package handlers_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

// TestCorpus runs the lines staff really type (testdata/corpus/*.txt) and
// checks what each one saved, or that it asked or refused and saved nothing.
//
// A corpus file is read top to bottom:
//
//	# a comment
//	@region ID                  a fresh CRM for a business in that CRM_REGION
//	@do add Budi 0812 3456 7890 a setup request that must succeed
//	<request> => <expectation>
//
// An expectation is one of:
//
//	ask       a question or a choice (buttons), and no customer changed
//	refuse    a refusal (one sentence), and no customer changed
//	checks    separated by " ; ": "Label=value" (a field of the reply, the
//	          label in English, the value exact), "~text" (the reply contains
//	          text), "!~text" (it does not)
//
// Replies are in English so labels read the same for every input language.
// Every bug found in what staff type becomes a line here.
func TestCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/corpus/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	total := 0
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			total += runCorpus(t, file)
		})
	}
	t.Logf("%d corpus lines", total)
	// The corpus only grows: a line is taken out only when what it asks of
	// crmbot is wrong, and then replaced.
	if total < minCorpus {
		t.Errorf("%d corpus lines, want at least %d", total, minCorpus)
	}
}

// minCorpus is the fewest lines the corpus may hold.
const minCorpus = 400

func runCorpus(t *testing.T, file string) int {
	fh, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var f *fixture
	region, n := "", 0
	sc := bufio.NewScanner(fh)
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := strings.TrimSpace(sc.Text())
		where := filepath.Base(file) + ":" + itoa(lineNo)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "@region "):
			region = strings.TrimSpace(strings.TrimPrefix(line, "@region "))
			f = newFixtureIn(t, region)
			continue
		}
		if f == nil {
			region, f = "MY", newFixtureIn(t, "MY")
		}
		if req, ok := strings.CutPrefix(line, "@do "); ok {
			if rep := f.do(req); rep.Error {
				t.Fatalf("%s: setup %q refused: %s", where, req, rep.Plain())
			}
			continue
		}
		req, want, ok := strings.Cut(line, "=>")
		if !ok {
			t.Fatalf("%s: no \"=>\" in %q", where, line)
		}
		req, want = strings.TrimSpace(req), strings.TrimSpace(want)
		n++
		before := f.snapshot()
		rep := f.do(req)
		for _, problem := range corpusProblems(rep, want, before, f.snapshot()) {
			t.Errorf("%s [%s] %s: %s\nreply:\n%s", where, region, req, problem, rep.Plain())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// corpusProblems compares a reply and what changed with an expectation.
func corpusProblems(rep handlers.Reply, want string, before, after []crm.Customer) []string {
	var out []string
	unchanged := func() {
		if !reflect.DeepEqual(before, after) {
			out = append(out, "a customer changed, want nothing saved")
		}
	}
	switch want {
	case "ask":
		if rep.Error || len(rep.Buttons()) == 0 && rep.Prompt == "" {
			out = append(out, "want a question with choices")
		}
		unchanged()
		return out
	case "refuse":
		if !rep.Error {
			out = append(out, "want a refusal")
		}
		unchanged()
		return out
	}
	if rep.Error {
		return []string{"refused"}
	}
	plain := rep.Plain()
	for _, c := range strings.Split(want, " ; ") {
		c = strings.TrimSpace(c)
		switch {
		case strings.HasPrefix(c, "!~"):
			if strings.Contains(plain, c[2:]) {
				out = append(out, "reply contains "+c[2:])
			}
		case strings.HasPrefix(c, "~"):
			if !strings.Contains(plain, c[1:]) {
				out = append(out, "reply lacks "+c[1:])
			}
		default:
			label, value, _ := strings.Cut(c, "=")
			if got, ok := field(rep, label); !ok {
				out = append(out, "no field "+label)
			} else if got != value {
				out = append(out, label+" = "+got+", want "+value)
			}
		}
	}
	return out
}

// field finds a reply's field by its label, ignoring case.
func field(rep handlers.Reply, label string) (string, bool) {
	for _, b := range rep.Blocks {
		for _, f := range b.Fields {
			if strings.EqualFold(f.Label, label) {
				return f.Value, true
			}
		}
	}
	return "", false
}

// snapshot is every customer as stored, to tell whether a request wrote.
func (f *fixture) snapshot() []crm.Customer {
	f.t.Helper()
	var out []crm.Customer
	err := f.db.EachCustomer(context.Background(), func(c *crm.Customer) error {
		out = append(out, *c)
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}
