package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// OutboxBody reads a queued message's body as stored, for tests of what a
// sent row keeps.
func (db *DB) OutboxBody(ctx context.Context, id string) ([]byte, error) {
	var d outboxDoc
	err := db.db.Collection("outbox").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	return d.Body, err
}
