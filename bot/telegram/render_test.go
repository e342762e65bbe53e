package telegram

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/crmbot/crmbot/handlers"
)

func TestEscape(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Plain", "Siti Nurhaliza", "Siti Nurhaliza"},
		{"Tags", "<b>bold</b>", "&lt;b&gt;bold&lt;/b&gt;"},
		{"Ampersand", "Tan & Sons", "Tan &amp; Sons"},
		{"EntityLike", "&amp;", "&amp;amp;"},
		{"Quotes", `say "hi" 'x'`, `say "hi" 'x'`},
		{"Script", "陈 <大文> & हिन्दी", "陈 &lt;大文&gt; &amp; हिन्दी"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := escape(tt.in); got != tt.want {
				t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHTMLLines(t *testing.T) {
	rep := handlers.Reply{Error: true, Blocks: []handlers.Block{
		{Heading: "Tan <Ah> Kow", Fields: []handlers.Field{{Label: "Notes", Value: "a<b\nsecond & line"}}},
		{Text: "one\ntwo"},
	}}
	want := "⚠️ <b>Tan &lt;Ah&gt; Kow</b>\n<b>Notes:</b> a&lt;b\nsecond &amp; line\n\none\ntwo"
	if got := strings.Join(htmlLines(rep), "\n"); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// balanced reports whether every <b> in s is closed and no entity or tag is cut.
func balanced(s string) bool {
	if strings.Count(s, "<b>") != strings.Count(s, "</b>") {
		return false
	}
	if i := strings.LastIndexByte(s, '&'); i >= 0 && !strings.Contains(s[i:], ";") {
		return false
	}
	if i := strings.LastIndexByte(s, '<'); i >= 0 && !strings.Contains(s[i:], ">") {
		return false
	}
	return true
}

func TestSplit(t *testing.T) {
	many := make([]string, 500)
	for i := range many {
		many[i] = "<b>Line</b> " + strings.Repeat("x", 20)
	}
	long := "<b>" + strings.Repeat("a &amp; b ", 1000) + "</b>"
	han := strings.Repeat("陈", 5000)   // one UTF-16 unit each, three bytes
	emoji := strings.Repeat("😀", 3000) // two UTF-16 units each
	tests := []struct {
		name   string
		lines  []string
		chunks int
	}{
		{"Short", []string{"a", "b"}, 1},
		{"ManyLines", many, 5}, // 500 × 33 units
		{"OneLongLineWithTagsAndEntities", []string{long}, 3},
		{"Han", []string{han}, 2},
		{"Emoji", []string{emoji}, 2},
		{"EmptyLinesDropped", []string{"", "x", ""}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := split(tt.lines, MaxText)
			if len(got) != tt.chunks {
				t.Errorf("%d chunks, want %d", len(got), tt.chunks)
			}
			for i, c := range got {
				if n := utf16Len(c); n > MaxText {
					t.Errorf("chunk %d has %d UTF-16 units", i, n)
				}
				if !balanced(c) {
					t.Errorf("chunk %d is unbalanced: ...%s", i, c[max(0, len(c)-40):])
				}
			}
			// Nothing is lost: the text without tags and spaces is the same.
			strip := func(s string) string {
				s = strings.NewReplacer("<b>", "", "</b>", "", "\n", "", " ", "").Replace(s)
				return s
			}
			if strip(strings.Join(got, "")) != strip(strings.Join(tt.lines, "")) {
				t.Error("text changed by splitting")
			}
		})
	}
	t.Run("BreaksAtLineBreaks", func(t *testing.T) {
		for _, c := range split(many, MaxText) {
			for _, l := range strings.Split(c, "\n") {
				if l != many[0] {
					t.Fatalf("line cut: %q", l)
				}
			}
		}
	})
}

func TestKeyboardRows(t *testing.T) {
	short := []kbButton{{Text: "Log call"}, {Text: "Log visit"}, {Text: "Sale"}}
	if rows := keyboardRows(short); len(rows) != 2 || len(rows[0]) != 2 {
		t.Errorf("short labels: %v", rows)
	}
	long := []kbButton{{Text: "Siti Nurhaliza (Nur Trading) +60 12-345 6789"}, {Text: "x"}}
	if rows := keyboardRows(long); len(rows) != 2 || len(rows[0]) != 1 {
		t.Errorf("long labels: %v", rows)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		n    int
		want time.Duration
	}{
		{-1, time.Second}, {0, time.Second}, {1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second},
		{8, 128 * time.Second}, {9, 256 * time.Second}, {10, 512 * time.Second}, {11, 10 * time.Minute},
		{64, 10 * time.Minute}, {1 << 30, 10 * time.Minute}, // no overflow
	}
	for _, tt := range tests {
		if got := backoff(tt.n); got != tt.want {
			t.Errorf("backoff(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
	for n := 1; n < 20; n++ { // jitter stays within 10%
		d, b := retryDelay(errTest, n), backoff(n)
		if d < b || d > b+b/10 {
			t.Errorf("retryDelay(%d) = %v outside [%v, %v]", n, d, b, b+b/10)
		}
	}
}

var errTest = errors.New("502 bad gateway") // any error that is not a 429

func TestRedact(t *testing.T) {
	got := redact(`Post "https://api.telegram.org/bot123:ABC/sendMessage": dial tcp: timeout`, "123:ABC")
	if strings.Contains(got, "123:ABC") || !strings.Contains(got, "/bot<token>/sendMessage") {
		t.Errorf("redact: %q", got)
	}
}
