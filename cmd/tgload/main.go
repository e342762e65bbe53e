// Command tgload measures crmbot's Telegram path end to end: it seeds a data
// folder with customers and enrolled staff, starts the fake Bot API
// (bot/telegram/telegramtest) and a crmbot process in webhook mode pointed at
// it, posts N updates to /telegram/webhook as Telegram would, and reports
// updates per second and the time from posting an update to the fake
// receiving its sendMessage (p50, p90, p99, max).
//
//	go build -o /tmp/crmbot ./cmd/crmbot
//	go run ./cmd/tgload -crmbot /tmp/crmbot -customers 10000 -n 2000
//
// In the closed loop -parallel updates are in flight at once, each from a
// chat with nothing else in flight (a person waits for the answer). With -rate the load is
// offered open-loop at that many updates a second instead.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/crmbot/crmbot/bot/telegram/telegramtest"
	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "tgload:", err)
		os.Exit(1)
	}
}

const (
	token  = "4242:tgload-token"
	secret = "tgload-secret"
)

type options struct {
	crmbot    string
	data      string
	customers int
	users     int
	n         int
	rate      float64
	parallel  int
	query     string
	webhook   string
	timeout   time.Duration
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("tgload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.crmbot, "crmbot", "", "crmbot binary to start against the fake Bot API (go build -o /tmp/crmbot ./cmd/crmbot)")
	fs.StringVar(&o.data, "data", "", "data folder for that crmbot; seeded once per customer count (default: a temporary folder)")
	fs.IntVar(&o.customers, "customers", 10000, "customers to seed")
	fs.IntVar(&o.users, "users", 100, "staff chats sending updates; each waits for its answer before the next")
	fs.IntVar(&o.n, "n", 2000, "updates to post")
	fs.Float64Var(&o.rate, "rate", 0, "offer updates open-loop at this many a second (0: closed loop, -parallel at a time)")
	fs.IntVar(&o.parallel, "parallel", 0, "closed loop: chats with an update in flight at once (default -users)")
	fs.StringVar(&o.query, "query", "mixed", "what each /find looks for: name, phone or mixed")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "how long one update may wait for its answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.crmbot == "" {
		return errors.New("-crmbot is required: go build -o /tmp/crmbot ./cmd/crmbot")
	}
	if o.data == "" {
		dir, err := os.MkdirTemp("", "tgload")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.data = dir
	}

	start := time.Now()
	people, err := seed(ctx, o.data, o.customers, o.users)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintf(stdout, "seeded %d customers and %d staff in %s (%s)\n", o.customers, o.users, time.Since(start).Round(time.Millisecond), o.data)

	fake := telegramtest.New(token)
	defer fake.Close()
	rec := newRecorder()
	fake.OnCall(rec.onCall)

	addr, err := freeAddr()
	if err != nil {
		return err
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(cctx, o.crmbot)
	cmd.Env = append(os.Environ(),
		"DATA_DIR="+o.data, "HTTP_ADDR="+addr, "MONGODB_URI=",
		"TELEGRAM_BOT_TOKEN="+token, "TELEGRAM_API_URL="+fake.URL,
		"TELEGRAM_WEBHOOK_URL=https://tgload.invalid/telegram/webhook", "TELEGRAM_WEBHOOK_SECRET="+secret,
		"CRM_ADMINS=telegram:1")
	cmd.Stdout, cmd.Stderr = io.Discard, stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 15 * time.Second
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start crmbot: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { cancel(); <-exited }()

	wctx, wcancel := context.WithTimeout(ctx, 2*time.Minute)
	defer wcancel()
	if err := fake.WaitFor(wctx, func(s *telegramtest.Server) bool { u, _ := s.Webhook(); return u != "" }); err != nil {
		return fmt.Errorf("crmbot did not set its webhook: %w", err)
	}
	url := "http://" + addr + "/telegram/webhook"
	fmt.Fprintf(stdout, "crmbot up at %s; posting %d updates from %d chats (query=%s, rate=%v)\n", url, o.n, o.users, o.query, o.rate)

	res := drive(ctx, o, url, people, rec)
	report(stdout, res)
	if res.lost > 0 || res.failed > 0 {
		return fmt.Errorf("%d updates got no answer within %s, %d posts failed", res.lost, o.timeout, res.failed)
	}
	return nil
}

// person is a seeded customer a /find can look for.
type person struct{ name, phone string }

// Names as in store's benchmarks: a given and a family name from short
// lists (so "Siti Tan" matches many) and a third, rarer word; every tenth in Han.
var (
	givenNames  = []string{"Siti", "Ahmad", "Nur", "Muhammad", "Aisyah", "Wei", "Mei", "Raj", "Priya", "Arjun", "Kavita", "Budi", "Dewi", "Putri", "Hafiz", "Farah", "Ravi", "Ali", "Aminah", "Kumar"}
	familyNames = []string{"Nurhaliza", "Abdullah", "Rahman", "Ismail", "Tan", "Lim", "Lee", "Wong", "Ng", "Chan", "Krishnan", "Subramaniam", "Sharma", "Patel", "Singh", "Santoso", "Wijaya", "Hidayat", "Pratama", "Hakim", "Osman", "Yusuf", "Razak", "Chua", "Goh", "Teo", "Nair", "Pillai", "Gupta", "Halim"}
	hanNames    = []string{"陈", "林", "黄", "张", "李", "王", "吴", "刘", "蔡", "杨"}
	hanGiven    = []string{"大文", "美玲", "志明", "家豪", "淑芬", "伟", "敏", "静", "磊", "婷"}
)

// word makes a name-like word from i: 8,000 distinct ones.
func word(i int) string {
	syl := []string{"ka", "ri", "mo", "tan", "su", "lin", "da", "wi", "ha", "ni", "ra", "po", "ya", "ko", "me", "bu", "se", "jo", "lu", "fa"}
	return syl[i%20] + syl[(i/20)%20] + syl[(i/400)%20]
}

// seed fills dir with customers and enrolled staff telegram:1000.. once;
// a marker file remembers a finished seeding of that size.
func seed(ctx context.Context, dir string, customers, users int) ([]person, error) {
	rng := rand.New(rand.NewPCG(1, 2))
	people := make([]person, customers)
	for i := range people {
		name := givenNames[rng.IntN(len(givenNames))] + " " + familyNames[rng.IntN(len(familyNames))] + " " + word(i)
		if i%10 == 0 {
			name = hanNames[rng.IntN(len(hanNames))] + hanGiven[rng.IntN(len(hanGiven))]
		}
		people[i] = person{name: name, phone: fmt.Sprintf("+6012%07d", i)}
	}
	marker := filepath.Join(dir, "tgload-seeded-"+strconv.Itoa(customers)+"-"+strconv.Itoa(users))
	if _, err := os.Stat(marker); err == nil {
		return people, nil
	}
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		return nil, err
	}
	defer db.Close(context.Background())
	cs := make([]*crm.Customer, len(people))
	for i, p := range people {
		cs[i] = &crm.Customer{Name: p.name, Phones: []string{p.phone}}
	}
	// A bulk import, where the store has one, takes seconds; one customer
	// at a time takes about 0.2 s each on the embedded store.
	if imp, ok := any(db).(interface {
		ImportCustomers(context.Context, []*crm.Customer) error
	}); ok {
		// One batch where possible: adding ids to lookup keys that already
		// hold thousands is far slower on the embedded store than writing
		// them in one go.
		for start := 0; start < len(cs); start += seedBatch {
			if err := imp.ImportCustomers(ctx, cs[start:min(start+seedBatch, len(cs))]); err != nil {
				return nil, fmt.Errorf("import customers: %w", err)
			}
			fmt.Fprintf(os.Stderr, "\rseeded %d", min(start+seedBatch, len(cs)))
		}
		fmt.Fprintln(os.Stderr)
	} else {
		for i, c := range cs {
			if err := db.CreateCustomer(ctx, c, true); err != nil {
				return nil, fmt.Errorf("customer %d: %w", i, err)
			}
		}
	}
	for u := range users {
		id := crm.Identity("telegram:" + strconv.Itoa(1000+u))
		if _, err := db.EnsureStaff(ctx, &crm.Staff{Name: "Load " + strconv.Itoa(u), Role: crm.RoleField, Identities: []crm.Identity{id}}); err != nil {
			return nil, fmt.Errorf("staff %d: %w", u, err)
		}
	}
	return people, os.WriteFile(marker, nil, 0o644)
}

// seedBatch is how many customers one import writes (measured on the
// embedded store: 5,000 new in under a minute, the next 5,000 over ten).
const seedBatch = 10000

// recorder hands each chat's sendMessage to the update waiting for it.
type recorder struct {
	mu      sync.Mutex
	waiting map[int64][]chan time.Time
}

func newRecorder() *recorder { return &recorder{waiting: map[int64][]chan time.Time{}} }

// expect returns a channel told when chat next receives a message.
func (r *recorder) expect(chat int64) chan time.Time {
	ch := make(chan time.Time, 1)
	r.mu.Lock()
	r.waiting[chat] = append(r.waiting[chat], ch)
	r.mu.Unlock()
	return ch
}

func (r *recorder) onCall(c telegramtest.Call) {
	if c.Method != "sendMessage" || c.Status != http.StatusOK {
		return
	}
	chat := c.Chat()
	r.mu.Lock()
	defer r.mu.Unlock()
	if q := r.waiting[chat]; len(q) > 0 {
		q[0] <- c.At
		r.waiting[chat] = q[1:]
	}
}

type result struct {
	lat          []time.Duration
	elapsed      time.Duration
	lost, failed int
}

// drive posts the updates and collects the latencies.
func drive(ctx context.Context, o options, url string, people []person, rec *recorder) result {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.users}}
	var (
		mu     sync.Mutex
		res    result
		nextID atomic.Int64
		sent   atomic.Int64
	)
	nextID.Store(1_000_000)
	one := func(user int, rng *rand.Rand) {
		p := people[rng.IntN(len(people))]
		q := p.name // the whole name: usually one customer, so the card
		switch k := rng.IntN(3); {
		case o.query == "phone" || o.query == "mixed" && k == 0:
			q = "0" + strings.TrimPrefix(p.phone, "+60") // typed locally: 0120000042
		case o.query == "mixed" && k == 1 && strings.Count(p.name, " ") == 2:
			q = p.name[:strings.LastIndexByte(p.name, ' ')] // "Siti Tan": many match, so a list of buttons
		}
		chat := int64(1000 + user)
		u := &models.Update{ID: nextID.Add(1), Message: &models.Message{ID: 1, Date: int(time.Now().Unix()), Text: "/find " + q,
			From: &models.User{ID: chat, FirstName: "Load"}, Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate}}}
		got := rec.expect(chat)
		t0 := time.Now()
		code, err := telegramtest.PostWebhook(ctx, client, url, secret, u)
		if err != nil || code != http.StatusOK {
			mu.Lock()
			res.failed++
			mu.Unlock()
			return
		}
		select {
		case at := <-got:
			mu.Lock()
			res.lat = append(res.lat, at.Sub(t0))
			mu.Unlock()
		case <-time.After(o.timeout):
			mu.Lock()
			res.lost++
			mu.Unlock()
		case <-ctx.Done():
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	if o.rate > 0 {
		// Open loop: one update every 1/rate, from the chats in turn, whatever the answers.
		tick := time.NewTicker(time.Duration(float64(time.Second) / o.rate))
		defer tick.Stop()
		busy := make([]sync.Mutex, o.users)
		for i := 0; i < o.n && ctx.Err() == nil; i++ {
			<-tick.C
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				u := i % o.users
				busy[u].Lock() // one answer awaited per chat, so replies pair up with posts
				defer busy[u].Unlock()
				one(u, rand.New(rand.NewPCG(uint64(i), 7)))
			}(i)
		}
	} else {
		if o.parallel <= 0 || o.parallel > o.users {
			o.parallel = o.users
		}
		for u := range o.parallel {
			wg.Add(1)
			go func(u int) {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(u), 9))
				// Each worker rotates over its share of the chats, so one
				// chat's 1-a-second limit does not set the pace.
				for j := 0; sent.Add(1) <= int64(o.n) && ctx.Err() == nil; j++ {
					one((u+j*o.parallel)%o.users, rng)
				}
			}(u)
		}
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

func report(w io.Writer, r result) {
	slices.Sort(r.lat)
	pct := func(p float64) time.Duration {
		if len(r.lat) == 0 {
			return 0
		}
		return r.lat[min(len(r.lat)-1, int(p*float64(len(r.lat))))].Round(100 * time.Microsecond)
	}
	fmt.Fprintf(w, "answered %d updates in %s: %.1f updates/s\n", len(r.lat), r.elapsed.Round(time.Millisecond), float64(len(r.lat))/r.elapsed.Seconds())
	fmt.Fprintf(w, "update -> sendMessage: p50 %s  p90 %s  p99 %s  max %s\n", pct(0.50), pct(0.90), pct(0.99), pct(1))
	if r.lost > 0 || r.failed > 0 {
		fmt.Fprintf(w, "no answer: %d, failed posts: %d\n", r.lost, r.failed)
	}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
