// Package retirement is the record of a rotated API key's retirement, kept
// in the live key's own notes so that it survives any machine: a rotation
// with rotate_overlap marks the old key "retire after T" before its
// successor is created, and every later plan, on any machine and without any
// local file, reads the mark and deletes the key once T has passed.
//
// The record is a prefix of the notes, "[mlabctl:retire-after=<RFC 3339
// UTC>]", followed by the old notes. The reserved prefix "[mlabctl:" can
// never be written by a user through mlabctl: validate refuses notes that
// start with it, so a mark is always mlabctl's own.
//
// The package has no dependencies; spec (refusing the prefix), plan
// (reading marks), export (leaving retiring keys out) and apply (writing
// the mark) share it.
package retirement

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// Reserved is the prefix of notes that hold an mlabctl record. Declared
// notes may not start with it.
const Reserved = "[mlabctl:"

// markStart opens a retirement record; markEnd closes it.
const (
	markStart = Reserved + "retire-after="
	markEnd   = "]"
)

// timeLayout is the record's time: RFC 3339 in UTC, to the second.
const timeLayout = "2006-01-02T15:04:05Z"

// IsReserved reports whether notes start with the reserved prefix.
func IsReserved(notes string) bool { return strings.HasPrefix(notes, Reserved) }

// Mark returns notes with a retirement record for after in front, cut to
// maxLen characters (the API's limit on notes) by shortening the old notes:
// the record itself always fits, since the key is on its way out and its old
// notes matter less than the record. maxLen <= 0 means no limit.
func Mark(notes string, after time.Time, maxLen int) string {
	mark := markStart + after.UTC().Truncate(time.Second).Format(timeLayout) + markEnd
	if notes == "" {
		return mark
	}
	out := mark + " " + notes
	if maxLen > 0 && utf8.RuneCountInString(out) > maxLen {
		r := []rune(out)
		out = strings.TrimRight(string(r[:max(maxLen, utf8.RuneCountInString(mark))]), " ")
	}
	return out
}

// ErrMalformed is the error of notes that start with the reserved prefix
// but are not a record this mlabctl writes (edited by hand, or written by a
// newer mlabctl).
var ErrMalformed = errors.New("notes start with the reserved prefix " + Reserved + " but hold no retirement record this mlabctl can read")

// Parse returns the time after which the key whose notes these are is to be
// deleted, and whether the notes hold a retirement record at all. Notes
// that start with the reserved prefix without a readable record are
// ErrMalformed (ok is false).
func Parse(notes string) (after time.Time, ok bool, err error) {
	if !IsReserved(notes) {
		return time.Time{}, false, nil
	}
	rest, found := strings.CutPrefix(notes, markStart)
	if !found {
		return time.Time{}, false, ErrMalformed
	}
	stamp, tail, found := strings.Cut(rest, markEnd)
	if !found || (tail != "" && !strings.HasPrefix(tail, " ")) {
		return time.Time{}, false, ErrMalformed
	}
	t, perr := time.Parse(timeLayout, stamp)
	if perr != nil {
		return time.Time{}, false, ErrMalformed
	}
	return t, true, nil
}

// Unmarked returns notes without a retirement record: the old notes as
// they were before the mark (cut if Mark had to shorten them).
func Unmarked(notes string) string {
	if _, ok, _ := Parse(notes); !ok {
		return notes
	}
	_, tail, _ := strings.Cut(notes, markEnd)
	return strings.TrimPrefix(tail, " ")
}
