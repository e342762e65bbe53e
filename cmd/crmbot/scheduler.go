package main

import "context"

// startScheduler runs the nudges, care reminders and the digest.
func (w *wiring) startScheduler(ctx context.Context) error {
	return nil
}
