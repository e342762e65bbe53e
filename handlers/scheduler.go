package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// Reacher delivers a reply to a staff member on one of their platforms;
// *Deliverers is the one crmbot wires.
type Reacher interface {
	Reach(ctx context.Context, s *crm.Staff, rep Reply) (crm.Identity, error)
}

// SchedulerConfig holds what a Scheduler needs. Zero fields take the
// defaults named on them.
type SchedulerConfig struct {
	Store   crm.SchedulerStore
	Deliver Reacher
	// Owner names this replica in claims; a random id when empty.
	Owner string
	// Now is the clock; the Handler's when nil.
	Now func() time.Time
	// Interval is how often Run wakes (CRM_SCHEDULER_INTERVAL), default 1m.
	Interval time.Duration
	// Ticks, when set, wakes Run instead of a ticker (tests).
	Ticks <-chan time.Time
	// QuietStart and QuietEnd bound the local hours in which automatic
	// deliveries wait ("21:00", "08:00"); both empty for none.
	QuietStart, QuietEnd string
	Thresholds           Thresholds
	// Lease is how long a claim holds, default 2m. SendTimeout bounds one
	// platform call, default 30s; it must stay well under Lease, so a
	// worker's send ends before anyone may take the delivery over.
	Lease       time.Duration
	SendTimeout time.Duration
	// MaxAttempts before a delivery is dead, default 8.
	MaxAttempts int
	// Lookback is how far back the due-day index is read, default 31 days.
	Lookback time.Duration
	// CatchUp is how long after CRM_DIGEST_AT a replica that was down still
	// runs that day's care run and digest, default 6h.
	CatchUp time.Duration
	// Batch is how many deliveries one tick handles at most, default 500;
	// Workers how many it sends at once, default 4.
	Batch   int
	Workers int
	// Retention is how long finished deliveries are kept, default 30 days.
	Retention time.Duration
	Logger    *slog.Logger
}

// Thresholds say when the care run speaks up. DefaultThresholds holds the
// values of the issue; every one can be changed.
type Thresholds struct {
	DaysAhead         int           // birthdays, anniversaries: today and this many days ahead (3)
	HighValueQuiet    int           // days without contact before a high-value customer is listed (30)
	AnyQuiet          int           // days without contact before any customer is listed, and again every as many days (90)
	CreditAhead       int           // days before a credit payment is due (3)
	CreditOverdue     []int         // days past due on which an unpaid credit is listed (1, 7, 14, then every 30)
	ComplaintOpen     time.Duration // a complaint open longer is listed every day to its owner and the managers (48h)
	ReorderGrace      int           // days past a repeat buyer's usual interval (7)
	MaxItemsPerList   int           // items shown in one care message (20)
	QuietRepeatsUntil int           // the AnyQuiet listing repeats up to this many days (360)
	ProductComplaints int           // complaints and returns about one product within 30 days that alert the managers (3)
}

// DefaultThresholds are the thresholds crmbot ships with.
var DefaultThresholds = Thresholds{
	DaysAhead: 3, HighValueQuiet: 30, AnyQuiet: 90, CreditAhead: 3,
	CreditOverdue: []int{1, 7, 14, 30, 60, 90, 120, 150, 180}, ComplaintOpen: 48 * time.Hour,
	ReorderGrace: 7, MaxItemsPerList: 20, QuietRepeatsUntil: 360, ProductComplaints: 3,
}

// Scheduler plans and sends nudges, care lists and digests. Any number of
// Schedulers, in one process or many, may share a store: each delivery is
// sent once (see docs/scheduler.md for the one window where it is not).
type Scheduler struct {
	h          *Handler
	cfg        SchedulerConfig
	st         crm.SchedulerStore
	log        *slog.Logger
	quietFrom  int // minutes of the day; -1 for no quiet hours
	quietTo    int
	digestMins int
	digestMu   sync.Mutex
	digestDay  string
	digestData *digestData
}

// NewScheduler returns a Scheduler sending through cfg.Deliver.
func (h *Handler) NewScheduler(cfg SchedulerConfig) (*Scheduler, error) {
	if cfg.Store == nil || cfg.Deliver == nil {
		return nil, errors.New("scheduler: a store and a deliverer are required")
	}
	if cfg.Owner == "" {
		cfg.Owner = "s" + strconv.FormatUint(rand.Uint64(), 36)
	}
	if cfg.Now == nil {
		cfg.Now = h.cfg.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = h.log
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.Interval, time.Minute)
	def(&cfg.Lease, 2*time.Minute)
	def(&cfg.SendTimeout, 30*time.Second)
	def(&cfg.Lookback, 31*24*time.Hour)
	def(&cfg.CatchUp, 6*time.Hour)
	def(&cfg.Retention, 30*24*time.Hour)
	if cfg.SendTimeout > cfg.Lease/2 {
		return nil, fmt.Errorf("scheduler: send timeout %s must be at most half the lease %s", cfg.SendTimeout, cfg.Lease)
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 500
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Thresholds.DaysAhead == 0 && cfg.Thresholds.AnyQuiet == 0 {
		cfg.Thresholds = DefaultThresholds
	}
	if cfg.Thresholds.ProductComplaints <= 0 {
		cfg.Thresholds.ProductComplaints = DefaultThresholds.ProductComplaints
	}
	s := &Scheduler{h: h, cfg: cfg, st: cfg.Store, log: cfg.Logger.With("part", "scheduler", "owner", cfg.Owner),
		quietFrom: -1, digestMins: h.digestH*60 + h.digestM}
	if cfg.QuietStart != "" || cfg.QuietEnd != "" {
		from, err1 := time.Parse("15:04", cfg.QuietStart)
		to, err2 := time.Parse("15:04", cfg.QuietEnd)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("scheduler: quiet hours %q-%q are not times like 21:00", cfg.QuietStart, cfg.QuietEnd)
		}
		s.quietFrom, s.quietTo = from.Hour()*60+from.Minute(), to.Hour()*60+to.Minute()
	}
	return s, nil
}

// Run wakes every Interval (or on each of Ticks) and runs a Tick, until ctx
// ends. A failing tick is logged and the next one tries again: work lives in
// the store, so a store that is down for a minute delays it and loses none.
func (s *Scheduler) Run(ctx context.Context) error {
	if n, err := s.st.IndexReminders(ctx); err != nil {
		s.log.Warn("index reminders by due day", "err", err)
	} else if n > 0 {
		s.log.Info("indexed open reminders by due day", "reminders", n)
	}
	s.indexProducts(ctx) // handlers/products_alert.go
	ticks := s.cfg.Ticks
	if ticks == nil {
		t := time.NewTicker(s.cfg.Interval)
		defer t.Stop()
		ticks = t.C
	}
	for {
		if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("scheduler tick failed; retrying at the next", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticks:
		}
	}
}

// Tick does one round at the clock's now: plans the nudges that came due
// and the day's runs, rescues lapsed claims and sends what is pending. It
// returns when the round's sends are done.
func (s *Scheduler) Tick(ctx context.Context) error {
	now := s.cfg.Now()
	// A write that a failing store cut short is finished here, once it is
	// a minute old: no longer in flight (store/intent.go).
	if n, err := s.st.FinishIntents(ctx, now.Add(-time.Minute)); err != nil {
		return err
	} else if n > 0 {
		s.log.Warn("unfinished writes completed", "count", n)
	}
	if err := s.planNudges(ctx, now); err != nil {
		return err
	}
	if err := s.planProductAlerts(ctx, now); err != nil { // handlers/products_alert.go
		return err
	}
	if err := s.planDaily(ctx, now); err != nil {
		return err
	}
	if _, err := s.st.Rescue(ctx, now, s.cfg.MaxAttempts); err != nil {
		return err
	}
	return s.send(ctx, now, true)
}

// planNudges plans a nudge for every reminder that came due, then takes it
// off the due-day index; a crash in between plans it again, a no-op.
func (s *Scheduler) planNudges(ctx context.Context, now time.Time) error {
	rs, err := s.st.DueReminders(ctx, now.Add(-s.cfg.Lookback), now)
	if err != nil {
		return err
	}
	for _, r := range rs {
		d := &crm.Delivery{ID: nudgeID(r), Kind: crm.DeliveryNudge, Staff: r.Staff, DueAt: r.DueAt,
			Automatic: s.dateOnly(r.DueAt), Reminder: r.ID}
		if _, err := s.st.PlanDelivery(ctx, d); err != nil {
			return err
		}
		if err := s.st.Unlist(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// nudgeID is the delivery id of a reminder's occurrence: a snoozed
// reminder is a new reminder, so it gets a new id.
func nudgeID(r crm.Reminder) string {
	return "nudge:" + r.ID + ":" + r.DueAt.UTC().Format("20060102T1504Z")
}

// dateOnly reports whether a reminder was set for a date alone, which the
// handlers store at the digest time: such a nudge waits out quiet hours.
func (s *Scheduler) dateOnly(t time.Time) bool {
	l := t.In(s.h.cfg.Location)
	return l.Hour()*60+l.Minute() == s.digestMins && l.Second() == 0
}

// planDaily plans the day's care run and digest run once the local time
// passed CRM_DIGEST_AT (and not later than CatchUp after it).
func (s *Scheduler) planDaily(ctx context.Context, now time.Time) error {
	local := now.In(s.h.cfg.Location)
	at := time.Date(local.Year(), local.Month(), local.Day(), s.h.digestH, s.h.digestM, 0, 0, s.h.cfg.Location)
	if local.Before(at) || !local.Before(at.Add(s.cfg.CatchUp)) {
		return nil
	}
	day := local.Format("2006-01-02")
	for _, job := range []string{"care", "digest"} {
		d := &crm.Delivery{ID: "job:" + job + ":" + day, Kind: crm.DeliveryJob, DueAt: at, Day: day, Reminder: job}
		if _, err := s.st.PlanDelivery(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// quiet reports whether t falls in quiet hours.
func (s *Scheduler) quiet(t time.Time) bool {
	if s.quietFrom < 0 || s.quietFrom == s.quietTo {
		return false
	}
	l := t.In(s.h.cfg.Location)
	m := l.Hour()*60 + l.Minute()
	if s.quietFrom < s.quietTo {
		return m >= s.quietFrom && m < s.quietTo
	}
	return m >= s.quietFrom || m < s.quietTo
}

// send claims and delivers the pending deliveries with a few workers. Each
// worker claims just before it sends, so nothing sits claimed and unstarted.
func (s *Scheduler) send(ctx context.Context, now time.Time, again bool) error {
	ds, err := s.st.PendingDeliveries(ctx, now, s.cfg.Batch)
	if err != nil {
		return err
	}
	quiet := s.quiet(now)
	// Jobs first: they plan the deliveries of this very tick.
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].Kind == crm.DeliveryJob && ds[j].Kind != crm.DeliveryJob })
	work := make(chan crm.Delivery)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range s.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range work {
				if err := s.attempt(ctx, d); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	jobs := 0
	for _, d := range ds {
		if d.Kind == crm.DeliveryJob {
			jobs++
			if err := s.attempt(ctx, d); err != nil {
				firstErr = err
			}
			continue
		}
		if d.Automatic && quiet {
			continue // held until quiet hours end
		}
		select {
		case work <- d:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
	if again && jobs > 0 && ctx.Err() == nil && firstErr == nil {
		// The jobs planned new deliveries: send those in this round too.
		return s.send(ctx, now, false)
	}
	return firstErr
}

// attempt is one try at one delivery: claim, build, check the fence, send,
// mark. Store errors are returned; platform refusals are recorded on the
// delivery and retried with backoff.
func (s *Scheduler) attempt(ctx context.Context, d crm.Delivery) error {
	if ctx.Err() != nil {
		return nil
	}
	now := s.cfg.Now()
	c, err := s.st.ClaimDelivery(ctx, d.ID, s.cfg.Owner, now, s.cfg.Lease, s.cfg.MaxAttempts)
	switch crm.ErrorCode(err) {
	case "":
	case crm.ECONFLICT, crm.ENOTFOUND:
		return nil // another replica has it, or it is done
	case crm.EINVALID:
		return nil // attempts spent: the rescuer marks it dead
	default:
		return err
	}
	log := s.log.With("delivery", d.ID, "attempt", c.Attempt)
	if d.Kind == crm.DeliveryJob {
		return s.runJob(ctx, d, c, log)
	}
	to, rep, cancel, err := s.build(ctx, d, log)
	if err != nil {
		s.release(c, now, "build: "+err.Error())
		return err
	}
	if cancel != "" {
		log.Info("delivery no longer wanted", "why", cancel)
		return s.giveUp(ctx, c, crm.StateCancelled, now, cancel, log)
	}
	if to == nil {
		log.Error("delivery has nobody to go to: its staff member left and there is no manager")
		return s.giveUp(ctx, c, crm.StateDead, now, "no recipient", log)
	}
	// The fence: a later attempt or a mark means this worker lost the
	// delivery while it was slow; it neither sends nor marks.
	ok, err := s.st.Current(ctx, c)
	if err != nil {
		s.release(c, now, "fence: "+err.Error())
		return err
	}
	if !ok {
		log.Warn("claim fenced off by a later attempt; not sending")
		return nil
	}
	if ctx.Err() != nil || !s.cfg.Now().Before(c.LeaseTill) {
		// Shutting down, or the lease ran out: give the claim back at once.
		s.release(c, now, "not started")
		return nil
	}
	rep.Key = d.ID
	sctx, stop := context.WithTimeout(ctx, s.cfg.SendTimeout)
	via, err := s.cfg.Deliver.Reach(sctx, to, rep)
	stop()
	if err != nil {
		state, next := crm.StatePending, s.cfg.Now().Add(Backoff(c.Attempt, rand.Float64()*2-1))
		if c.Attempt >= s.cfg.MaxAttempts {
			state = crm.StateDead
			log.Error("delivery refused on every attempt; giving up", "staff", to.ID, "err", err)
		} else {
			log.Warn("delivery refused; will retry", "staff", to.ID, "next", next, "err", err)
		}
		return s.giveUp(ctx, c, state, next, clip(err.Error(), 200), log)
	}
	// The platform took it: mark at once. This is the window of
	// docs/scheduler.md: die here and the message goes out again.
	for i := 0; ; i++ {
		err = s.st.MarkDelivered(context.WithoutCancel(ctx), c, s.cfg.Now(), via)
		if err == nil || crm.ErrorCode(err) == crm.ECONFLICT || i == 2 {
			break
		}
	}
	switch crm.ErrorCode(err) {
	case "":
		log.Info("delivered", "kind", d.Kind, "staff", to.ID, "via_platform", platformOf(via))
	case crm.ECONFLICT:
		log.Warn("delivered, but a later attempt took the delivery over first: it may have gone out twice")
	default:
		log.Error("delivered but not marked; it will go out again when the lease lapses", "err", err)
		return err
	}
	return nil
}

func platformOf(id crm.Identity) string {
	for i := 0; i < len(id); i++ {
		if id[i] == ':' {
			return string(id[:i])
		}
	}
	return string(id)
}

func (s *Scheduler) giveUp(ctx context.Context, c crm.Claim, state string, next time.Time, reason string, log *slog.Logger) error {
	err := s.st.GiveUp(context.WithoutCancel(ctx), c, state, next, reason)
	if crm.ErrorCode(err) == crm.ECONFLICT {
		log.Warn("claim fenced off by a later attempt")
		return nil
	}
	return err
}

// release gives an unstarted claim back so the next tick (of any replica)
// may take it at once instead of after the lease.
func (s *Scheduler) release(c crm.Claim, now time.Time, why string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.st.GiveUp(ctx, c, crm.StatePending, now, why); err != nil && crm.ErrorCode(err) != crm.ECONFLICT {
		s.log.Warn("release claim", "delivery", c.Delivery, "err", err)
	}
}

// Backoff is the wait after a failed attempt n (from 1): n⁴ seconds, as
// River does, capped at an hour, with jitter in [-1, 1] spreading it ±10%.
func Backoff(attempt int, jitter float64) time.Duration {
	base := math.Min(math.Pow(float64(max(attempt, 1)), 4), 3600)
	jitter = math.Max(-1, math.Min(1, jitter))
	return time.Duration(base * (1 + 0.1*jitter) * float64(time.Second))
}

// recipient returns who a delivery goes to: its staff member, or, when
// they left, the first manager or admin, with the name of the one who left.
func (s *Scheduler) recipient(ctx context.Context, id crm.StaffID) (to *crm.Staff, formerName string, err error) {
	st, err := s.h.store.Staff(ctx, id)
	if err == nil && st.Active {
		return st, "", nil
	}
	if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
		return nil, "", err
	}
	if st != nil {
		formerName = st.Name
	}
	all, err := s.h.store.ListStaff(ctx)
	if err != nil {
		return nil, "", err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	for _, m := range all {
		if m.Active && m.Role.AtLeast(crm.RoleManager) {
			return &m, formerName, nil
		}
	}
	return nil, formerName, nil
}

// build returns the recipient and the reply of a delivery, or a reason it
// is no longer wanted.
func (s *Scheduler) build(ctx context.Context, d crm.Delivery, log *slog.Logger) (*crm.Staff, Reply, string, error) {
	to, former, err := s.recipient(ctx, d.Staff)
	if err != nil || to == nil {
		return nil, Reply{}, "", err
	}
	if former != "" || to.ID != d.Staff {
		log.Info("staff member left; delivering to a manager instead", "staff", d.Staff, "to", to.ID)
		if former == "" {
			former = string(d.Staff)
		}
	}
	lang := s.h.LangOf(to)
	var rep Reply
	var cancel string
	switch d.Kind {
	case crm.DeliveryNudge:
		rep, cancel, err = s.nudgeReply(ctx, d, lang)
	case crm.DeliveryCare:
		rep, cancel, err = s.careReply(ctx, d, lang)
	case crm.DeliveryDigest:
		rep, err = s.digestReply(ctx, d.Day, lang)
	case crm.DeliveryProduct:
		rep, cancel, err = s.productAlertReply(ctx, d, lang)
	default:
		cancel = "unknown kind " + d.Kind
	}
	if err != nil || cancel != "" {
		return to, rep, cancel, err
	}
	if former != "" {
		rep.Blocks = append([]Block{{Text: s.h.cat.T(lang, "sched_for_former", "name", former)}}, rep.Blocks...)
	}
	return to, rep, "", nil
}

// runJob runs a daily job under its claim and marks it done; a crash leaves
// the claim to lapse and another replica runs it again, planning only what
// is not planned yet.
func (s *Scheduler) runJob(ctx context.Context, d crm.Delivery, c crm.Claim, log *slog.Logger) error {
	var err error
	var n int
	switch d.Reminder {
	case "care":
		n, err = s.planCare(ctx, d.Day)
	case "digest":
		n, err = s.planDigests(ctx, d.Day)
		if err == nil {
			if _, ferr := s.st.ForgetDeliveries(ctx, s.cfg.Now().Add(-s.cfg.Retention)); ferr != nil {
				log.Warn("forget old deliveries", "err", ferr)
			}
		}
	}
	if err != nil {
		s.release(c, s.cfg.Now(), "job: "+err.Error())
		return err
	}
	log.Info("daily run planned its deliveries", "job", d.Reminder, "day", d.Day, "deliveries", n)
	if err := s.st.MarkDelivered(context.WithoutCancel(ctx), c, s.cfg.Now(), ""); err != nil && crm.ErrorCode(err) != crm.ECONFLICT {
		return err
	}
	return nil
}
