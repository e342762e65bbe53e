package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/crmbot/crmbot/store"
)

// runCheck is `crmbot check [--repair]`: it compares the lookup keys and
// the customers' open complaints with the records they index, prints one
// line per thing out of place, and with --repair mends each. Without
// --repair, anything found is an error, so a script can run it on a
// schedule.
func runCheck(ctx context.Context, cfg *Config, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repair := fs.Bool("repair", false, "mend what is found")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("usage: crmbot check [--repair]")
	}
	db, err := store.Open(ctx, store.Config{URI: cfg.MongoURI, Database: cfg.MongoDatabase, DataDir: cfg.DataDir, Logger: log})
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	start := time.Now()
	n, err := db.Check(ctx, *repair, func(f store.Finding) {
		mark := ""
		if f.Repaired {
			mark = " (repaired)"
		}
		fmt.Fprintln(stdout, f.What+mark)
	})
	if err != nil {
		return err
	}
	took := time.Since(start).Round(time.Millisecond)
	switch {
	case n == 0:
		fmt.Fprintf(stdout, "nothing out of place (%s)\n", took)
	case *repair:
		fmt.Fprintf(stdout, "%d repaired (%s)\n", n, took)
	default:
		return fmt.Errorf("%d things out of place; crmbot check --repair mends them", n)
	}
	return nil
}
