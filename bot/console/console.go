// Package console is the terminal transport: one request a line from a
// reader, replies as plain text on a writer. It runs when no chat platform
// is configured, interactively or with requests piped from a file.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

// Identity is the console user, bootstrapped as the local admin.
const Identity crm.Identity = "console:local"

// Console reads requests and writes replies.
type Console struct {
	mu sync.Mutex // one writer at a time: replies and deliveries interleave
	// last is the latest reply shown, a pushed nudge included: a number
	// typed next picks one of its buttons, and its Prompt takes the next
	// line. Guarded by mu.
	last   handlers.Reply
	h      *handlers.Handler
	in     *bufio.Reader
	out    io.Writer
	prompt string // shown before each line when interactive
	dir    string // where files carried by replies are written; "" for none
}

// New returns a console over in and out. prompt is printed before each
// request ("crm> " in a terminal, "" when piped).
func New(h *handlers.Handler, in io.Reader, out io.Writer, prompt string) *Console {
	return &Console{h: h, in: bufio.NewReader(in), out: out, prompt: prompt}
}

// SaveFiles makes the console write files that replies carry (an export's
// CSV) to dir; without it only their captions show. Call it before Run.
func (c *Console) SaveFiles(dir string) { c.dir = dir }

// Run answers lines until the input ends, "quit" is typed or ctx is done.
// A line that is only a number picks that button of the previous reply; a
// reply that asks a question (Prompt) takes the next line as its answer.
func (c *Console) Run(ctx context.Context) error {
	lines := make(chan string)
	readErr := make(chan error, 1)
	// The reader blocks on input it cannot be woken from; it ends when the
	// input does, and Run does not wait for it, so a stop is never held up.
	go func() {
		for {
			line, err := c.in.ReadString('\n')
			if line != "" {
				select {
				case lines <- line:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()
	for {
		if c.prompt != "" {
			fmt.Fprint(c.out, c.prompt)
		}
		var line string
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-readErr:
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read request: %w", err)
		case line = <-lines:
		}
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			continue
		case line == "quit" || line == "exit":
			return nil
		}
		last := c.shown()
		pending := last.Prompt
		if n, err := strconv.Atoi(line); err == nil {
			if bs := last.Buttons(); n >= 1 && n <= len(bs) {
				line = bs[n-1].Command
				pending = ""
			}
		}
		if pending != "" && !c.h.IsCommand(line) {
			line = pending + " " + line
		}
		staff, err := c.h.Staff(ctx, Identity)
		if err != nil {
			return fmt.Errorf("console user: %w", err)
		}
		req := handlers.Request{Staff: staff, Text: line,
			Progress: func(_ context.Context, text string) { c.progress(text) }}
		req.Text, req.Upload = localFile(line)
		c.write(c.h.Handle(ctx, req))
	}
}

// shown is the latest reply shown.
func (c *Console) shown() handlers.Reply {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// localFile makes "import FILE [mapping]" an upload of FILE, the console's
// way of sending a file: it returns the line without the file name, and the
// upload. Other lines come back as they are.
func localFile(line string) (string, *handlers.Upload) {
	word, rest, _ := strings.Cut(line, " ")
	if !strings.EqualFold(word, "import") {
		return line, nil
	}
	name, mapping, _ := strings.Cut(strings.TrimSpace(rest), " ")
	st, err := os.Stat(name)
	if name == "" || err != nil || !st.Mode().IsRegular() {
		return line, nil
	}
	return strings.TrimSpace(word + " " + mapping), &handlers.Upload{Name: filepath.Base(name), Size: st.Size(),
		Open: func(context.Context) (io.ReadCloser, error) { return os.Open(name) }}
}

// write shows a reply, which becomes the one numbers pick from.
func (c *Console) write(rep handlers.Reply) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = rep
	c.print(rep)
}

// progress shows a line of progress; the list numbers pick from stays.
func (c *Console) progress(text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.print(handlers.Text(text))
}

func (c *Console) print(rep handlers.Reply) {
	fmt.Fprintln(c.out, rep.Plain())
	for _, b := range rep.Blocks {
		if d := b.Document; d != nil && c.dir != "" {
			path := filepath.Join(c.dir, filepath.Base(d.Name))
			if err := os.WriteFile(path, d.Data, 0o600); err != nil {
				fmt.Fprintf(c.out, "could not write %s: %v\n", path, err)
				continue
			}
			fmt.Fprintf(c.out, "→ %s\n", path)
		}
	}
}

// Deliver prints a nudge or digest for the console user.
func (c *Console) Deliver(_ context.Context, id crm.Identity, rep handlers.Reply) error {
	if id != Identity {
		return fmt.Errorf("console delivers to %s only, not %s", Identity, id)
	}
	c.write(rep)
	return nil
}
