package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// MaxSkew is how far a request's timestamp may be from now, either way,
// before it is refused as a replay.
const MaxSkew = 5 * time.Minute

// Errors of Verify. A refused request gets a 401 and nothing else.
var (
	ErrNoSignature  = errors.New("slack request: missing signature or timestamp")
	ErrBadTimestamp = errors.New("slack request: timestamp more than 5 minutes off")
	ErrBadSignature = errors.New("slack request: signature does not match")
)

// Verifier checks Slack's request signatures (v0: HMAC-SHA256 of
// "v0:<timestamp>:<raw body>" under the signing secret) against an injected
// clock, so old and future timestamps are refused and tests need no waiting.
type Verifier struct {
	secret []byte
	now    func() time.Time
}

// NewVerifier returns a Verifier for the app's signing secret; now is
// time.Now when nil.
func NewVerifier(secret string, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{secret: []byte(secret), now: now}
}

// Verify checks the X-Slack-Request-Timestamp and X-Slack-Signature headers
// against the raw body, before anything of the body is decoded.
func (v *Verifier) Verify(h http.Header, body []byte) error {
	ts, sig := h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
	if ts == "" || sig == "" || len(v.secret) == 0 {
		return ErrNoSignature
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	skew := v.now().Sub(time.Unix(secs, 0))
	if skew > MaxSkew || skew < -MaxSkew {
		return ErrBadTimestamp
	}
	want := Sign(v.secret, ts, body)
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return ErrBadSignature
	}
	return nil
}

// Sign returns the v0 signature of body sent at timestamp ts: what Slack
// puts in X-Slack-Signature. Fakes and load drivers use it.
func Sign(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}
