// Package store keeps crmbot's data in MongoDB through mongo-driver v2, and
// starts the embedded MongoDB-compatible server (FerretDB on SQLite) when no
// MongoDB is configured. It turns driver errors into crm errors and holds no
// business rules beyond what the database must guarantee.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crmbot/crmbot/crm"
)

// Config says where the data lives.
type Config struct {
	URI      string // MongoDB connection string; empty starts the embedded server
	Database string
	DataDir  string // embedded server's folder
	Logger   *slog.Logger
	// Now is the clock used for creation times; time.Now when nil.
	Now func() time.Time
}

// DB is the MongoDB implementation of crm.Store.
type DB struct {
	client   *mongo.Client
	db       *mongo.Database
	embedded *embedded
	shared   bool // made by Use: Close leaves the connection alone
	now      func() time.Time
	log      *slog.Logger
	// failpoint, set by tests only, stops a multi-step write at a named
	// step as a crash would (store/intent.go).
	failpoint func(step string) error

	// background runs the one-off segment index build (store/segindex.go)
	// and find keys backfill (store/findkeys.go);
	// Close stops it with stopBackground and waits.
	background     sync.WaitGroup
	stopBackground context.CancelFunc

	customers    *mongo.Collection
	keys         *mongo.Collection
	interactions *mongo.Collection
	sales        *mongo.Collection
	complaints   *mongo.Collection
	counters     *mongo.Collection
	reminders    *mongo.Collection
	staff        *mongo.Collection
	identities   *mongo.Collection
	invites      *mongo.Collection
}

var _ crm.Store = (*DB)(nil)

// Open connects to MongoDB at cfg.URI, or starts the embedded server in
// cfg.DataDir when the URI is empty, pings it and ensures the indexes.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Database == "" {
		cfg.Database = "crm"
	}
	db := &DB{now: cfg.Now, log: cfg.Logger}
	if db.now == nil {
		db.now = time.Now
	}
	uri := cfg.URI
	// Empty lists and maps are stored as such, not null, so $addToSet, $push
	// and $inc on their members work on a fresh document.
	opts := options.Client().SetTimeout(30 * time.Second).
		SetBSONOptions(&options.BSONOptions{NilSliceAsEmpty: true, NilMapAsEmpty: true})
	if uri == "" {
		e, err := startEmbedded(ctx, cfg.DataDir, cfg.Logger)
		if err != nil {
			return nil, err
		}
		db.embedded = e
		uri = e.uri
		// The embedded server applies an update by reading and writing back,
		// so two connections lose each other's writes; one connection
		// serialises every request (DESIGN §5).
		opts.SetMaxPoolSize(1)
	}
	client, err := mongo.Connect(opts.ApplyURI(uri))
	if err != nil {
		db.closeEmbedded()
		return nil, fmt.Errorf("connect to mongodb: %w", err)
	}
	db.client = client
	if err := client.Ping(ctx, nil); err != nil {
		db.Close(context.Background())
		return nil, fmt.Errorf("ping mongodb: %w", err)
	}
	db.bind(cfg.Database)
	if err := db.ensureIndexes(ctx); err != nil {
		db.Close(context.Background())
		return nil, err
	}
	if err := db.startSegmentIndex(ctx); err != nil {
		db.Close(context.Background())
		return nil, err
	}
	if _, err := db.FinishIntents(ctx, farFuture); err != nil {
		db.Close(context.Background())
		return nil, err
	}
	if err := db.startFindKeys(ctx); err != nil { // store/findkeys.go
		db.Close(context.Background())
		return nil, err
	}
	return db, nil
}

// ensureIndexes creates the indexes of the current database: MongoDB's
// secondary indexes, and on the embedded server the _id index FerretDB lacks.
func (db *DB) ensureIndexes(ctx context.Context) error {
	if err := db.ensureMongoIndexes(ctx); err != nil {
		return err
	}
	if db.embedded != nil {
		return db.indexIDs(ctx, db.embedded.dir, db.db.Name())
	}
	return nil
}

// bind points db's collections at the named database.
func (db *DB) bind(name string) {
	d := db.client.Database(name)
	db.db = d
	db.customers = d.Collection("customers")
	db.keys = d.Collection("keys")
	db.interactions = d.Collection("interactions")
	db.sales = d.Collection("sales")
	db.complaints = d.Collection("complaints")
	db.counters = d.Collection("counters")
	db.reminders = d.Collection("reminders")
	db.staff = d.Collection("staff")
	db.identities = d.Collection("identities")
	db.invites = d.Collection("invites")
}

// Use returns a DB on another database of the same server and connection,
// with its indexes ensured. Tests use it to share one embedded server; closing
// the returned DB leaves the connection open.
func (db *DB) Use(ctx context.Context, database string) (*DB, error) {
	u := &DB{client: db.client, now: db.now, log: db.log, shared: true, embedded: db.embedded}
	u.bind(database)
	if err := u.ensureIndexes(ctx); err != nil {
		return nil, err
	}
	if err := u.startSegmentIndex(ctx); err != nil {
		return nil, err
	}
	if _, err := u.FinishIntents(ctx, farFuture); err != nil {
		return nil, err
	}
	if err := u.startFindKeys(ctx); err != nil { // store/findkeys.go
		return nil, err
	}
	return u, nil
}

// Embedded reports whether the data lives in the embedded server.
func (db *DB) Embedded() bool { return db.embedded != nil }

// Database returns the underlying database for packages that keep their own
// collections beside crmbot's (transports' inbound dedup, the scheduler).
func (db *DB) Database() *mongo.Database { return db.db }

// Close disconnects and stops the embedded server.
func (db *DB) Close(ctx context.Context) error {
	if db.stopBackground != nil {
		db.stopBackground()
		db.background.Wait()
	}
	if db.shared {
		return nil
	}
	var err error
	if db.client != nil {
		err = db.client.Disconnect(ctx)
	}
	db.closeEmbedded()
	return err
}

func (db *DB) closeEmbedded() {
	if db.embedded != nil {
		db.embedded.close()
	}
}

// Ping reports whether the store answers.
func (db *DB) Ping(ctx context.Context) error {
	return db.client.Ping(ctx, nil)
}

// ensureMongoIndexes creates the secondary indexes MongoDB uses for history
// queries. Hot lookups go through _id-keyed documents instead, which are fast
// on both servers. Creating an existing index is a no-op.
func (db *DB) ensureMongoIndexes(ctx context.Context) error {
	idx := []struct {
		c    *mongo.Collection
		keys bson.D
	}{
		{db.interactions, bson.D{{Key: "customerid", Value: 1}, {Key: "at", Value: -1}}},
		{db.sales, bson.D{{Key: "customerid", Value: 1}, {Key: "at", Value: -1}}},
		{db.complaints, bson.D{{Key: "customerid", Value: 1}}},
		{db.reminders, bson.D{{Key: "doneat", Value: 1}, {Key: "dueat", Value: 1}}},
	}
	if db.embedded == nil {
		// The timers' queries (outbox recovery and clean-up, inbox clean-up,
		// pending deliveries, unfinished writes). The embedded store serves
		// them from its live index instead (store/live.go), and an index
		// there would only slow every write.
		d := db.db
		idx = append(idx, []struct {
			c    *mongo.Collection
			keys bson.D
		}{
			{d.Collection("outbox"), bson.D{{Key: "platform", Value: 1}, {Key: "sentat", Value: 1}, {Key: "nextat", Value: 1}}},
			{d.Collection("outbox"), bson.D{{Key: "sentat", Value: 1}}},
			{d.Collection("inbox"), bson.D{{Key: "at", Value: 1}}},
			{d.Collection("deliveries"), bson.D{{Key: "state", Value: 1}, {Key: "dueat", Value: 1}}},
			{d.Collection("deliveries"), bson.D{{Key: "state", Value: 1}, {Key: "createdat", Value: 1}}},
			{d.Collection("intents"), bson.D{{Key: "at", Value: 1}}},
		}...)
	}
	for _, x := range idx {
		if _, err := x.c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: x.keys}); err != nil {
			return fmt.Errorf("create index on %s: %w", x.c.Name(), err)
		}
	}
	return nil
}

// translate turns driver errors into crm codes; op names the operation.
func translate(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return fmt.Errorf("%s: %w", op, crm.Errorf(crm.ENOTFOUND, "err_notfound"))
	case mongo.IsDuplicateKeyError(err):
		return fmt.Errorf("%s: %w", op, crm.Errorf(crm.ECONFLICT, "err_conflict"))
	}
	return fmt.Errorf("%s: %w", op, err)
}

// farFuture is later than any intent: FinishIntents at start takes them all.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// newID returns a fresh document id as hex text.
func newID() string { return bson.NewObjectID().Hex() }
