package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crmbot/crmbot/crm"
)

// AddComplaintPhotos appends platform file references to a complaint's
// photos, for a photo sent after the complaint was filed. Returns ENOTFOUND
// if there is no such complaint.
func (db *DB) AddComplaintPhotos(ctx context.Context, no crm.ComplaintNo, refs []string) error {
	res, err := db.complaints.UpdateOne(ctx, bson.D{{Key: "_id", Value: int64(no)}},
		bson.D{{Key: "$push", Value: bson.D{{Key: "photos", Value: bson.D{{Key: "$each", Value: refs}}}}}})
	if err != nil {
		return translate("attach photos", err)
	}
	if res.MatchedCount == 0 {
		return crm.Errorf(crm.ENOTFOUND, "err_complaint_not_found", "no", int64(no))
	}
	return nil
}
