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
	mu     sync.Mutex // one writer at a time: replies and deliveries interleave
	h      *handlers.Handler
	in     *bufio.Reader
	out    io.Writer
	prompt string // shown before each line when interactive
}

// New returns a console over in and out. prompt is printed before each
// request ("crm> " in a terminal, "" when piped).
func New(h *handlers.Handler, in io.Reader, out io.Writer, prompt string) *Console {
	return &Console{h: h, in: bufio.NewReader(in), out: out, prompt: prompt}
}

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
	var last handlers.Reply
	pending := ""
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
		last = c.h.Handle(ctx, handlers.Request{Staff: staff, Text: line})
		pending = last.Prompt
		c.write(last)
	}
}

func (c *Console) write(rep handlers.Reply) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintln(c.out, rep.Plain())
}

// Deliver prints a nudge or digest for the console user.
func (c *Console) Deliver(_ context.Context, id crm.Identity, rep handlers.Reply) error {
	if id != Identity {
		return fmt.Errorf("console delivers to %s only, not %s", Identity, id)
	}
	c.write(rep)
	return nil
}
