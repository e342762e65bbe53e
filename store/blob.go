package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/crmbot/crmbot/crm"
)

var _ crm.BlobStore = (*DB)(nil)

// blobPart is the size of one part of a blob: well under the 16 MB a
// document may hold, and small enough that a recovery pass reading outbox
// rows never drags one along.
const blobPart = 4 << 20

// A blob is kept in the state collection: parts <key>#0, <key>#1, ... and,
// written last, the head <key> holding the byte count, so a blob whose
// writer died part-way reads as missing, never as a shorter file.
func blobPartKey(key string, i int) string { return key + "#" + strconv.Itoa(i) }

// PutBlob writes the parts, then the head.
func (db *DB) PutBlob(ctx context.Context, key string, data []byte, expires time.Time) error {
	for i := 0; i*blobPart < len(data) || i == 0; i++ {
		part := data[i*blobPart : min((i+1)*blobPart, len(data))]
		if err := db.PutState(ctx, blobPartKey(key, i), part, expires); err != nil {
			return fmt.Errorf("put blob %s part %d: %w", key, i, err)
		}
	}
	return db.PutState(ctx, key, []byte(strconv.Itoa(len(data))), expires)
}

// Blob reads the head, then as many parts as the byte count needs.
func (db *DB) Blob(ctx context.Context, key string, now time.Time) ([]byte, error) {
	head, err := db.State(ctx, key, now)
	if err != nil {
		return nil, err
	}
	size, err := strconv.Atoi(string(head))
	if err != nil {
		return nil, fmt.Errorf("blob %s: head %q: %w", key, head, err)
	}
	data := make([]byte, 0, size)
	for i := 0; len(data) < size || i == 0; i++ {
		part, err := db.State(ctx, blobPartKey(key, i), now)
		if err != nil {
			return nil, fmt.Errorf("blob %s part %d: %w", key, i, err)
		}
		data = append(data, part...)
	}
	if len(data) != size {
		return nil, fmt.Errorf("blob %s: %d bytes stored, %d expected: %w", key, len(data), size, crm.Errorf(crm.ENOTFOUND, "err_notfound"))
	}
	return data, nil
}

// DeleteBlob deletes the head first, so a reader never sees a head without
// its parts, then the parts the head counted.
func (db *DB) DeleteBlob(ctx context.Context, key string) error {
	head, err := db.State(ctx, key, time.Time{})
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	size, _ := strconv.Atoi(string(head))
	if err := db.DeleteState(ctx, key); err != nil {
		return err
	}
	for i := 0; i*blobPart < size || i == 0; i++ {
		if err := db.DeleteState(ctx, blobPartKey(key, i)); err != nil {
			return fmt.Errorf("delete blob %s part %d: %w", key, i, err)
		}
	}
	return nil
}
