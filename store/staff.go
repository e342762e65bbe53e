package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crmbot/crmbot/crm"
)

type staffDoc struct {
	ID        string `bson:"_id"`
	crm.Staff `bson:",inline"`
}

// identityDoc maps one platform identity to its staff member; the unique _id
// makes an identity belong to one staff member only.
type identityDoc struct {
	ID    string `bson:"_id"`
	Staff string `bson:"staff"`
}

// StaffByIdentity returns the staff member with that identity.
func (db *DB) StaffByIdentity(ctx context.Context, id crm.Identity) (*crm.Staff, error) {
	var d identityDoc
	if err := db.identities.FindOne(ctx, bson.D{{Key: "_id", Value: string(id)}}).Decode(&d); err != nil {
		return nil, translate("find identity", err)
	}
	return db.Staff(ctx, crm.StaffID(d.Staff))
}

// Staff returns a staff member.
func (db *DB) Staff(ctx context.Context, id crm.StaffID) (*crm.Staff, error) {
	var d staffDoc
	if err := db.staff.FindOne(ctx, bson.D{{Key: "_id", Value: string(id)}}).Decode(&d); err != nil {
		return nil, translate("find staff", err)
	}
	d.Staff.ID = crm.StaffID(d.ID)
	return &d.Staff, nil
}

// opEnrol is the intent of an enrolment: redeem the code, if any, claim
// the identities, insert the staff member.
const opEnrol = "enrol"

// enrolment is what an enrolment intent records.
type enrolment struct {
	Code  string    `bson:"code"` // "" for an enrolment without an invite
	Staff staffDoc  `bson:"staff"`
	Now   time.Time `bson:"now"`
}

// EnrollStaff creates s and claims its identities, as one recoverable
// write; if an identity is taken, nothing of s is left behind.
func (db *DB) EnrollStaff(ctx context.Context, s *crm.Staff) error {
	_, err := db.enrol(ctx, "", s, db.now())
	return err
}

// EnrollByInvite redeems code for s's first identity and enrols s, as one
// recoverable write: a crash at any step is finished at the next start, so
// a code is never used up without its staff member, nor an identity
// claimed without one.
// The staff member gets the invite's role.
func (db *DB) EnrollByInvite(ctx context.Context, code string, s *crm.Staff, now time.Time) (*crm.Invite, error) {
	return db.enrol(ctx, code, s, now)
}

func (db *DB) enrol(ctx context.Context, code string, s *crm.Staff, now time.Time) (*crm.Invite, error) {
	if len(s.Identities) == 0 {
		return nil, crm.Errorf(crm.EINVALID, "err_not_staff")
	}
	var inv inviteDoc
	if code != "" {
		if err := db.invites.FindOne(ctx, bson.D{{Key: "_id", Value: code}}).Decode(&inv); err != nil {
			return nil, translate("find invite", err)
		}
		s.Role = inv.Role
	}
	// An enrolment of the same identity that a crash interrupted is
	// finished first; if it enrolled them, this one has nothing to do.
	if err := db.finishIntent(ctx, opEnrol+":"+string(s.Identities[0])); err != nil {
		return nil, err
	}
	if got, err := db.StaffByIdentity(ctx, s.Identities[0]); err == nil {
		*s = *got
		return &inv.Invite, nil
	}
	if s.ID == "" {
		s.ID = crm.StaffID(newID())
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = db.now()
	}
	s.Active = true
	e := enrolment{Code: code, Staff: staffDoc{ID: string(s.ID), Staff: *s}, Now: now}
	if err := db.withIntent(ctx, opEnrol, string(s.Identities[0]), e, nil); err != nil {
		return nil, err
	}
	inv.Invite.UsedBy = s.Identities[0]
	return &inv.Invite, nil
}

// redoEnrol runs an enrolment's steps; each finds its own work done when
// it runs again. A used or expired code, or an identity that belongs to
// someone else, undoes the steps before it and refuses.
func (db *DB) redoEnrol(ctx context.Context, raw bson.Raw) error {
	var e enrolment
	if err := bson.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("read enrolment: %w", err)
	}
	who := e.Staff.Identities[0]
	if e.Code != "" {
		if err := db.redeem(ctx, e.Code, who, e.Now); err != nil {
			return err
		}
		if err := db.step(opEnrol + "/redeemed"); err != nil {
			return err
		}
	}
	var claimed []string
	for _, id := range e.Staff.Identities {
		_, err := db.identities.InsertOne(ctx, identityDoc{ID: string(id), Staff: e.Staff.ID})
		if mongo.IsDuplicateKeyError(err) {
			var d identityDoc
			if err := db.identities.FindOne(ctx, bson.D{{Key: "_id", Value: string(id)}}).Decode(&d); err != nil {
				return translate("read identity", err)
			}
			if d.Staff == e.Staff.ID {
				continue // claimed by an earlier run of this write
			}
			for _, c := range claimed {
				db.identities.DeleteOne(ctx, bson.D{{Key: "_id", Value: c}})
			}
			if e.Code != "" {
				db.invites.UpdateOne(ctx, bson.D{{Key: "_id", Value: e.Code}},
					bson.D{{Key: "$set", Value: bson.D{{Key: "usedby", Value: ""}}}})
			}
			return crm.Errorf(crm.ECONFLICT, "err_conflict")
		}
		if err != nil {
			return translate("claim identity", err)
		}
		claimed = append(claimed, string(id))
		if err := db.step(opEnrol + "/identity"); err != nil {
			return err
		}
	}
	_, err := db.staff.InsertOne(ctx, e.Staff)
	if mongo.IsDuplicateKeyError(err) {
		return nil // inserted by an earlier run
	}
	return translate("insert staff", err)
}

// EnsureStaff returns the staff member of s's first identity, enrolling s if
// there is none and raising its role to s.Role when that is higher.
func (db *DB) EnsureStaff(ctx context.Context, s *crm.Staff) (*crm.Staff, error) {
	got, err := db.StaffByIdentity(ctx, s.Identities[0])
	switch crm.ErrorCode(err) {
	case "":
		if !got.Role.AtLeast(s.Role) {
			if err := db.SetStaffRole(ctx, got.ID, s.Role); err != nil {
				return nil, err
			}
			got.Role = s.Role
		}
		return got, nil
	case crm.ENOTFOUND:
		err := db.EnrollStaff(ctx, s)
		if crm.ErrorCode(err) == crm.ECONFLICT { // enrolled meanwhile by another replica
			return db.StaffByIdentity(ctx, s.Identities[0])
		}
		return s, err
	}
	return nil, err
}

func (db *DB) setStaff(ctx context.Context, id crm.StaffID, field string, v any) error {
	res, err := db.staff.UpdateOne(ctx, bson.D{{Key: "_id", Value: string(id)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: field, Value: v}}}})
	if err != nil {
		return translate("update staff", err)
	}
	if res.MatchedCount == 0 {
		return crm.Errorf(crm.ENOTFOUND, "err_notfound")
	}
	return nil
}

// SetStaffLanguage stores a staff member's reply language.
func (db *DB) SetStaffLanguage(ctx context.Context, id crm.StaffID, lang string) error {
	return db.setStaff(ctx, id, "language", lang)
}

// SetStaffRole changes a staff member's role.
func (db *DB) SetStaffRole(ctx context.Context, id crm.StaffID, r crm.Role) error {
	return db.setStaff(ctx, id, "role", string(r))
}

// ListStaff returns every active staff member. Staff are few, so a scan is fine.
func (db *DB) ListStaff(ctx context.Context) ([]crm.Staff, error) {
	return db.listStaff(ctx, true)
}

// FormerStaff returns the staff members whose access was taken away.
func (db *DB) FormerStaff(ctx context.Context) ([]crm.Staff, error) {
	return db.listStaff(ctx, false)
}

func (db *DB) listStaff(ctx context.Context, active bool) ([]crm.Staff, error) {
	cur, err := db.staff.Find(ctx, bson.D{{Key: "active", Value: active}}, options.Find().SetSort(bson.D{{Key: "name", Value: 1}}))
	if err != nil {
		return nil, translate("list staff", err)
	}
	var docs []staffDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("list staff", err)
	}
	out := make([]crm.Staff, len(docs))
	for i, d := range docs {
		out[i] = d.Staff
		out[i].ID = crm.StaffID(d.ID)
	}
	return out, nil
}

type inviteDoc struct {
	Code       string `bson:"_id"`
	crm.Invite `bson:",inline"`
}

// CreateInvite stores an enrolment code.
func (db *DB) CreateInvite(ctx context.Context, inv *crm.Invite) error {
	_, err := db.invites.InsertOne(ctx, inviteDoc{Code: inv.Code, Invite: *inv})
	return translate("insert invite", err)
}

// redeem marks code used by who with one conditional write: of two people
// redeeming one code at once, one gets it. A code already used by who is
// redeemed (an interrupted enrolment running again).
func (db *DB) redeem(ctx context.Context, code string, who crm.Identity, now time.Time) error {
	var d inviteDoc
	if err := db.invites.FindOne(ctx, bson.D{{Key: "_id", Value: code}}).Decode(&d); err != nil {
		return translate("find invite", err)
	}
	switch {
	case d.UsedBy == who:
		return nil
	case d.UsedBy != "":
		return crm.Errorf(crm.ECONFLICT, "err_invite_used")
	case now.After(d.ExpiresAt):
		return crm.Errorf(crm.EINVALID, "err_invite_expired")
	}
	res, err := db.invites.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: code}, {Key: "usedby", Value: ""}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "usedby", Value: string(who)}}}})
	if err != nil {
		return translate("redeem invite", err)
	}
	if res.ModifiedCount == 0 {
		return crm.Errorf(crm.ECONFLICT, "err_invite_used")
	}
	return nil
}
