package handlers_test

import (
	"context"
	"testing"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

func TestZZExp(t *testing.T) {
	w := newWorld(t, at("2026-11-20", "10:00"))
	for i, when := range [][2]string{{"2026-11-15", "10:00"}, {"2026-11-16", "07:00"}, {"2026-11-20", "23:30"}, {"2026-11-22", "23:59"}, {"2026-11-23", "07:00"}, {"2026-11-10", "07:00"}} {
		w.clock.Set(at(when[0], when[1]))
		name := []string{"Aa One", "Bb Two", "Cc Three", "Dd Four", "Ee Five", "Ff Six"}[i]
		if err := w.db.CreateCustomer(context.Background(), &crm.Customer{Name: name, Owner: w.rep.ID, CreatedBy: w.rep.ID, CreatedAt: w.clock.Now()}, false); err != nil {
			t.Fatal(err)
		}
		w.as(w.rep, "lost "+name+": price")
	}
	w.clock.Set(at("2026-11-23", "09:00"))
	rep := w.h.Handle(context.Background(), handlers.Request{Staff: w.boss, Text: "digest"})
	t.Log(rep.Plain())
}
