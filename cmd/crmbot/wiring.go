package main

import (
	"context"
	"log/slog"
	"net/http"

	"golang.org/x/sync/errgroup"

	"github.com/crmbot/crmbot/handlers"
	"github.com/crmbot/crmbot/store"
)

// wiring is what the optional parts of crmbot are started with: each part
// (Telegram, Slack, the scheduler) has a file of its own with its start func.
type wiring struct {
	cfg     *Config
	h       *handlers.Handler
	db      *store.DB
	mux     *http.ServeMux // routes for webhooks
	log     *slog.Logger
	deliver *handlers.Deliverers // transports register here for nudges and digests
	group   *errgroup.Group      // long-running parts run here and stop with ctx
}

// start runs every configured part.
func (w *wiring) start(ctx context.Context) error {
	for _, start := range []func(context.Context) error{w.startTelegram, w.startSlack, w.startScheduler} {
		if err := start(ctx); err != nil {
			return err
		}
	}
	return nil
}
