package main

import (
	"context"
	"os"
	"strconv"

	"github.com/crmbot/crmbot/handlers"
)

// startScheduler runs the nudges, care reminders and the digest in the
// group; it stops with ctx. Every replica runs one: the store decides which
// sends each delivery (docs/scheduler.md).
func (w *wiring) startScheduler(ctx context.Context) error {
	host, _ := os.Hostname()
	limits := handlers.DefaultThresholds
	limits.ProductComplaints = w.cfg.ProductAlertAt
	s, err := w.h.NewScheduler(handlers.SchedulerConfig{
		Store:      w.db,
		Deliver:    w.deliver,
		Owner:      host + "-" + strconv.Itoa(os.Getpid()),
		Interval:   w.cfg.SchedulerInterval,
		QuietStart: w.cfg.QuietStart,
		QuietEnd:   w.cfg.QuietEnd,
		Thresholds: limits,
		Logger:     w.log,
	})
	if err != nil {
		return err
	}
	w.group.Go(func() error { return s.Run(ctx) })
	return nil
}
