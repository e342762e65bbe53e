package store

// SetFailpoint makes the writes of db stop at the named step with err, as
// a crash there would; nil clears it. For tests only.
func (db *DB) SetFailpoint(f func(step string) error) { db.failpoint = f }
