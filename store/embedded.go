package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// embedded is the in-process FerretDB server with its data in a folder that
// this process holds a lock on.
type embedded struct {
	uri    string
	dir    string // absolute path of DATA_DIR
	lock   *os.File
	cancel context.CancelFunc
	done   chan struct{}
	// lives are the live indexes of its databases (store/live.go).
	lives lives
}

// ErrDataDirLocked means another crmbot process owns the data folder.
var ErrDataDirLocked = errors.New("data folder is in use by another crmbot process")

func startEmbedded(ctx context.Context, dir string, log *slog.Logger) (*embedded, error) {
	if dir == "" {
		dir = "data"
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("data folder %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder %q: %w", dir, err)
	}
	lock, err := os.OpenFile(filepath.Join(abs, "crmbot.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock in %q: %w", dir, err)
	}
	// Two processes on one folder would each run a server over the same
	// SQLite files and lose each other's writes: the second one refuses.
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("%w (DATA_DIR=%s); stop the other one or choose another DATA_DIR", ErrDataDirLocked, abs)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:  "sqlite",
		// WAL with synchronous=NORMAL: a commit no longer waits for fsync
		// (about 4 ms on this class of disk, which made every single-document
		// write cost that much). A crashed process loses nothing; a power cut
		// may lose the last commits before the next checkpoint.
		SQLiteURL: "file:" + abs + "/?_pragma=synchronous(NORMAL)",
		// At info FerretDB logs every connection; see errorsOnly.
		Logger: slog.New(errorsOnly{log.Handler()}),
	})
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("start embedded store: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e := &embedded{dir: abs, lock: lock, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		f.Run(runCtx)
	}()
	e.uri = f.MongoDBURI()
	return e, nil
}

func (e *embedded) close() {
	e.cancel()
	<-e.done
	e.lock.Close()
}

// errorsOnly passes on FerretDB's errors only: at warn it logs every
// command it does not serve, such as the driver's endSessions at close.
type errorsOnly struct{ slog.Handler }

func (w errorsOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError && w.Handler.Enabled(ctx, l)
}
func (w errorsOnly) WithAttrs(a []slog.Attr) slog.Handler { return errorsOnly{w.Handler.WithAttrs(a)} }
func (w errorsOnly) WithGroup(n string) slog.Handler      { return errorsOnly{w.Handler.WithGroup(n)} }
