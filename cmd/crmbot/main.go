// Command crmbot runs the chat CRM: it reads its configuration from the
// environment, opens the store (the embedded one when MONGODB_URI is empty),
// serves /healthz and /metrics, and runs the configured transports: Slack,
// Telegram, or the console when neither is.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	_ "time/tzdata" // CRM_TIMEZONE works on machines without a zoneinfo database

	"golang.org/x/sync/errgroup"

	"github.com/crmbot/crmbot/bot/console"
	"github.com/crmbot/crmbot/handlers"
	"github.com/crmbot/crmbot/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "crmbot:", err)
		os.Exit(1)
	}
}

// shutdownGrace bounds how long in-flight work may take once a stop is asked for.
const shutdownGrace = 10 * time.Second

// run is crmbot: tests call it with their own input and output.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if len(args) > 0 && args[0] == "import" { // cmd/crmbot/import.go
		return runImport(ctx, cfg, args[1:], stdout, stderr, log)
	}
	if len(args) > 0 && args[0] == "export" {
		return runExport(ctx, cfg, args[1:], stdout, stderr, log)
	}
	if len(args) > 0 && args[0] == "check" { // cmd/crmbot/check.go
		return runCheck(ctx, cfg, args[1:], stdout, stderr, log)
	}
	if len(args) > 0 {
		return fmt.Errorf("unknown argument %q; crmbot is configured through environment variables (see .env.example)", args[0])
	}

	db, err := store.Open(ctx, store.Config{URI: cfg.MongoURI, Database: cfg.MongoDatabase, DataDir: cfg.DataDir, Logger: log})
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		db.Close(closeCtx)
	}()

	metrics := newMetrics()
	cat, err := handlers.NewCatalog()
	if err != nil {
		return err
	}
	h, err := handlers.New(handlers.Config{
		Store: db, Catalog: cat, Logger: log, Location: cfg.Location, Region: cfg.Region, Currency: cfg.Currency,
		Language: cfg.Language, DigestAt: cfg.DigestAt, Tiers: cfg.Tiers, Observe: metrics.observe,
	})
	if err != nil {
		return err
	}
	consoleMode := cfg.SlackBotToken == "" && cfg.TelegramBotToken == ""
	admins := cfg.AdminIDs
	if consoleMode {
		admins = append(admins, console.Identity)
	}
	if err := h.Bootstrap(ctx, admins); err != nil {
		return fmt.Errorf("enrol CRM_ADMINS: %w", err)
	}

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		pctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := db.Ping(pctx); err != nil {
			metrics.storeErrors.Inc()
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	// /metrics sits on the webhooks' listener unless METRICS_ADDR gives it a
	// listener of its own (kept off the public side); METRICS_TOKEN guards it
	// wherever it is.
	servers := []*http.Server{newServer(mux)}
	listeners := []net.Listener{ln}
	if cfg.MetricsAddr == "" {
		mux.Handle("GET /metrics", metrics.handler(cfg.MetricsToken))
	} else {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
		}
		mmux := http.NewServeMux()
		mmux.Handle("GET /metrics", metrics.handler(cfg.MetricsToken))
		servers, listeners = append(servers, newServer(mmux)), append(listeners, mln)
		log.Info("metrics on their own address", "metrics", mln.Addr().String())
	}
	log.Info("crmbot started", "http", ln.Addr().String(), "embedded_store", db.Embedded(), "console", consoleMode)

	deliver := &handlers.Deliverers{}
	g, gctx := errgroup.WithContext(ctx)
	for i, srv := range servers {
		g.Go(func() error {
			if err := srv.Serve(listeners[i]); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("http: %w", err)
			}
			return nil
		})
	}
	runCtx, stopAll := context.WithCancel(gctx)
	defer stopAll()
	g.Go(func() error {
		<-runCtx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		var errs []error
		for _, srv := range servers {
			errs = append(errs, srv.Shutdown(sctx))
		}
		return errors.Join(errs...)
	})
	if consoleMode {
		prompt := ""
		if isTerminal(stdin) {
			prompt = "crm> "
			fmt.Fprintln(stdout, h.T(cfg.Language, "help_intro"))
		}
		con := console.New(h, stdin, stdout, prompt)
		con.SaveFiles(".")
		deliver.Register("console", con)
		g.Go(func() error {
			// The console ends crmbot when its input ends, as a script expects.
			defer stopAll()
			return con.Run(runCtx)
		})
	}
	w := wiring{cfg: cfg, h: h, db: db, mux: mux, log: log, deliver: deliver, group: g}
	if err := w.start(runCtx); err != nil {
		stopAll()
		g.Wait()
		return err
	}
	err = g.Wait()
	log.Info("crmbot stopped")
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// newServer serves h with limits that suit webhooks: they are small and
// answered at once (Slack wants an ack within 3 s), so a client that sends
// or reads slowly is cut off rather than held.
func newServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
}

// isTerminal reports whether r is an interactive terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
