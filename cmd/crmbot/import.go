package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/custfile"
	"github.com/crmbot/crmbot/handlers"
	"github.com/crmbot/crmbot/store"
)

// runImport is `crmbot import [--dry-run] [--encoding E] [--map "Title=field,..."] FILE`:
// it reads a customer list into the configured store and prints the summary
// in CRM_LANGUAGE, with progress on stderr.
func runImport(ctx context.Context, cfg *Config, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dry := fs.Bool("dry-run", false, "show what would change without writing")
	enc := fs.String("encoding", "", "encoding of lines that are not UTF-8: gbk, gb18030, big5, windows-1252, latin1 (default: guessed)")
	mapping := fs.String("map", "", `column titles to fields, e.g. "Tel Bimbit=phone,Remark=-"`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: crmbot import [--dry-run] [--encoding gbk] [--map \"Title=field,...\"] FILE")
	}
	cat, err := handlers.NewCatalog()
	if err != nil {
		return err
	}
	say := func(err error) error { return sentence(cat, cfg.Language, err) }
	m, err := custfile.ParseMapping(*mapping)
	if err != nil {
		return say(err)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	file, err := custfile.Read(f, custfile.ReadOptions{Encoding: *enc, Mapping: m})
	if err != nil {
		return say(err)
	}
	db, err := store.Open(ctx, store.Config{URI: cfg.MongoURI, Database: cfg.MongoDatabase, DataDir: cfg.DataDir, Logger: log})
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	sum, err := custfile.Import(ctx, db, file, custfile.Options{DryRun: *dry, Region: cfg.Region, Staff: "import",
		Progress: func(done, total int) {
			fmt.Fprintln(stderr, cat.T(cfg.Language, "imp_progress", "done", done, "total", total))
		}})
	if sum != nil {
		fmt.Fprint(stdout, handlers.ImportReport(cat, cfg.Language, sum))
	}
	return say(err)
}

// runExport is `crmbot export [FILE]`: every customer as CSV, to FILE or stdout.
func runExport(ctx context.Context, cfg *Config, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	if len(args) > 1 {
		return errors.New("usage: crmbot export [FILE]")
	}
	db, err := store.Open(ctx, store.Config{URI: cfg.MongoURI, Database: cfg.MongoDatabase, DataDir: cfg.DataDir, Logger: log})
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	out, name := stdout, "-"
	if len(args) == 1 && args[0] != "-" {
		name = args[0]
		f, err := os.Create(name)
		if err != nil {
			return err
		}
		defer f.Close()
		out = f
	}
	n, err := custfile.Export(ctx, db, out, cfg.Location, cfg.Currency)
	if err != nil {
		return err
	}
	if name != "-" {
		cat, err := handlers.NewCatalog()
		if err != nil {
			return err
		}
		fmt.Fprintln(stderr, cat.T(cfg.Language, "exp_done", "count", n, "file", name))
	}
	return nil
}

// sentence turns a domain error into its catalogue sentence.
func sentence(cat *handlers.Catalog, lang string, err error) error {
	var e *crm.Error
	if !errors.As(err, &e) || e.Code == crm.EINTERNAL {
		return err
	}
	var args []any
	for k, v := range e.Args {
		args = append(args, k, v)
	}
	return errors.New(cat.T(lang, e.Key, args...))
}
