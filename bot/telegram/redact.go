package telegram

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// redactingClient wraps the HTTP client so no error it returns carries the
// bot token, which sits in every Bot API URL path (/bot<token>/method) and
// which net/http prints in full.
type redactingClient struct {
	c     *http.Client
	token string
}

func (r redactingClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.c.Do(req)
	if err != nil {
		return nil, redactedError{msg: redact(err.Error(), r.token), err: unwrapURL(err)}
	}
	return resp, nil
}

// redactedError keeps the cause's chain (context.Canceled, timeouts) for
// errors.Is while its text has no token.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

// unwrapURL drops the *url.Error layer, whose URL holds the token.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redact replaces the token in s.
func redact(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "<token>")
}
