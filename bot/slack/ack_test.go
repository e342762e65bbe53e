package slack_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/crmbot/crmbot/bot/slack/slacktest"
	"github.com/crmbot/crmbot/crm"
)

// TestAckLatency sends signed "/crm find" requests from 50 concurrent
// clients with the store answering normally and with 2 s of injected delay
// on each store call a request makes. Every ack must come well within
// Slack's 3 s, and every answer must still arrive. CRMBOT_SLACK_LOAD=N sends
// N requests per case instead of 50 and reports the figures of
// docs/slack.md.
func TestAckLatency(t *testing.T) {
	n := 50
	if s := os.Getenv("CRMBOT_SLACK_LOAD"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	const clients = 50
	for _, tc := range []struct {
		name  string
		delay time.Duration
	}{{"StoreNormal", 0}, {"StoreDelayed2s", 2 * time.Second}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, options{delay: tc.delay})
			if err := f.db.CreateCustomer(context.Background(), &crm.Customer{Name: "Siti Nurhaliza", Phones: []string{"+60123456789"}}, false); err != nil {
				t.Fatal(err)
			}
			reqs := make(chan int)
			var mu sync.Mutex
			var acks []time.Duration
			var wg sync.WaitGroup
			for range clients {
				wg.Go(func() {
					for i := range reqs {
						v := url.Values{"team_id": {f.fake.TeamID}, "user_id": {"UREP" + strconv.Itoa(i%10)}, "channel_id": {"C0SALES"},
							"command": {"/crm"}, "text": {"find siti"}, "response_url": {f.fake.ResponseURL()},
							"trigger_id": {fmt.Sprintf("load.%d", i)}}
						r := slacktest.SignedRequest(f.app.URL, secret, f.clock.Now(), formType, []byte(v.Encode()))
						began := time.Now()
						resp, err := http.DefaultClient.Do(r)
						took := time.Since(began)
						if err != nil || resp.StatusCode != http.StatusOK {
							t.Errorf("request %d: %v %v", i, err, resp)
							continue
						}
						resp.Body.Close()
						mu.Lock()
						acks = append(acks, took)
						mu.Unlock()
					}
				})
			}
			for i := range n {
				reqs <- i
			}
			close(reqs)
			wg.Wait()
			slices.Sort(acks)
			p50, p99 := acks[len(acks)/2], acks[(len(acks)*99)/100]
			t.Logf("%d signed /crm find, %d concurrent, store delay %s: ack p50 %s, p99 %s, max %s",
				len(acks), clients, tc.delay, p50.Round(time.Microsecond), p99.Round(time.Microsecond), acks[len(acks)-1].Round(time.Microsecond))
			if p99 > time.Second {
				t.Errorf("ack p99 %s, want well under Slack's 3 s", p99)
			}
			if !f.fake.WaitFor(2*time.Minute, func(s *slacktest.Server) bool { return len(s.Messages()) >= n }) {
				t.Errorf("%d of %d answers arrived", len(f.fake.Messages()), n)
			}
		})
	}
}

// TestSlowStoreSubmission closes a form whose store work outlasts the ack
// budget and sends the result as a DM instead.
func TestSlowStoreSubmission(t *testing.T) {
	f := newFixture(t, options{delay: 400 * time.Millisecond, budget: 300 * time.Millisecond})
	began := time.Now()
	_, body := f.interact(f.submission("UREP", "crm_add", map[string]map[string]any{"name": text("Ali Bin Abu"), "phone": text("013-222 3333")}))
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("ack took %s", took)
	}
	contains(t, body, `"response_action":"clear"`)
	msgs := f.fake.WaitMessages(1, 30*time.Second)
	if len(msgs) != 1 || msgs[0].Channel != "DUREP" {
		t.Fatalf("messages %d, want the result in the DM", len(msgs))
	}
	contains(t, msgs[0].All(), "Added Ali Bin Abu")
}
