package crm

import (
	"errors"
	"fmt"
)

// Error codes: the closed set of failures that transports turn into a
// sentence for the user. Anything else is internal.
const (
	EINVALID   = "invalid"
	ENOTFOUND  = "not_found"
	ECONFLICT  = "conflict"
	EFORBIDDEN = "forbidden"
	EINTERNAL  = "internal"
)

// Error is a domain failure. Key names the message in the catalogue that tells
// the user what went wrong, Args fill it; Message is the English text for logs.
type Error struct {
	Code    string
	Key     string
	Args    map[string]any
	Message string
}

func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return e.Code + ": " + e.Key
}

// Is lets errors.Is(err, crm.ErrNotFound) match by code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Key == "" && t.Code == e.Code
}

// Sentinels for errors.Is checks on the code alone.
var (
	ErrInvalid   = &Error{Code: EINVALID}
	ErrNotFound  = &Error{Code: ENOTFOUND}
	ErrConflict  = &Error{Code: ECONFLICT}
	ErrForbidden = &Error{Code: EFORBIDDEN}
)

// Errorf returns a domain error with a catalogue key; args alternate name, value.
func Errorf(code, key string, args ...any) *Error {
	e := &Error{Code: code, Key: key}
	if len(args) > 0 {
		e.Args = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			e.Args[fmt.Sprint(args[i])] = args[i+1]
		}
	}
	e.Message = fmt.Sprintf("%s: %s %v", code, key, e.Args)
	return e
}

// ErrorCode returns the code of the first domain error in err's chain, or
// EINTERNAL for any other error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}
