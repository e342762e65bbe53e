package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/crmbot/crmbot/crm"
)

var _ crm.StagedImportStore = (*DB)(nil)

type stagedDoc struct {
	ID      string       `bson:"_id"`
	Staff   string       `bson:"staff"`
	Name    string       `bson:"name"`
	Data    []byte       `bson:"data"`
	Mapping []mappingDoc `bson:"mapping,omitempty"`
	At      time.Time    `bson:"at"`
}

// mappingDoc is one column mapping. A list, not a map: column titles may
// hold dots and dollars, which field names may not (and the embedded store
// refuses nested arrays).
type mappingDoc struct {
	Title string `bson:"title"`
	Field string `bson:"field"`
}

func (db *DB) staged() *mongo.Collection { return db.db.Collection("imports") }

// StageImport inserts s and deletes staged imports older than before; the
// collection holds a few files at most, so that filter's scan is cheap.
func (db *DB) StageImport(ctx context.Context, s *crm.StagedImport, before time.Time) error {
	if _, err := db.staged().DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before}}}}); err != nil {
		return translate("drop old staged imports", err)
	}
	d := stagedDoc{ID: s.ID, Staff: string(s.Staff), Name: s.Name, Data: s.Data, At: s.At}
	for title, field := range s.Mapping {
		d.Mapping = append(d.Mapping, mappingDoc{Title: title, Field: field})
	}
	_, err := db.staged().InsertOne(ctx, d)
	return translate("stage import", err)
}

// TakeStagedImport deletes the staged import and returns what it held:
// FindOneAndDelete is atomic, so only one caller gets the document.
func (db *DB) TakeStagedImport(ctx context.Context, id string) (*crm.StagedImport, error) {
	var d stagedDoc
	err := db.staged().FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, crm.Errorf(crm.ENOTFOUND, "imp_err_staged_gone")
	}
	if err != nil {
		return nil, translate("take staged import", err)
	}
	s := &crm.StagedImport{ID: d.ID, Staff: crm.StaffID(d.Staff), Name: d.Name, Data: d.Data, At: d.At}
	if len(d.Mapping) > 0 {
		s.Mapping = make(map[string]string, len(d.Mapping))
		for _, p := range d.Mapping {
			s.Mapping[p.Title] = p.Field
		}
	}
	return s, nil
}
