// Package planfile reads and writes plan files (`mlabctl plan --out
// PLANFILE`), so that package plan stays pure: it owns the file's shape
// (File), its checks, and the only file I/O of a plan.
//
// It must not decide whether a saved plan still applies (that is apply's
// check of the fingerprints against the live state) or hold a secret: a
// Plan holds managed fields only, and the fingerprints are hashes.
package planfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mlabctl/mlabctl/internal/atomicfile"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// File is a saved plan (`mlabctl plan --out PLANFILE`): the plan, and what
// `apply PLANFILE` needs to check it is still the plan of the live account.
// It never holds a secret: a Plan holds managed fields only, and the
// fingerprints are hashes that exclude key values.
type File struct {
	// FormatVersion is plan.FormatVersion; Read refuses any other.
	FormatVersion string `json:"format_version"`
	// MlabctlVersion is the version of the mlabctl that wrote the file.
	MlabctlVersion string `json:"mlabctl_version"`
	// SpecHash is the spec's Hash (hex SHA-256 of modelslab.yaml).
	SpecHash  string    `json:"spec_hash"`
	CreatedAt time.Time `json:"created_at"`
	// Sections are the list sections the plan was computed from; apply
	// fetches the same ones to compare fingerprints.
	Sections Sections   `json:"sections"`
	Plan     *plan.Plan `json:"plan"`
	// Fingerprints are plan.Fingerprints of the live state the plan was made from.
	Fingerprints map[string]string `json:"fingerprints"`
}

// Sections say which list sections of the account were read.
type Sections struct {
	APIKeys bool `json:"api_keys"`
	Team    bool `json:"team"`
	Tokens  bool `json:"access_tokens"`
}

// SectionsOf converts fetch options to Sections.
func SectionsOf(o remote.FetchOptions) Sections {
	return Sections{APIKeys: o.APIKeys, Team: o.Team, Tokens: o.Tokens}
}

// FetchOptions returns the fetch options that read these sections.
func (s Sections) FetchOptions() remote.FetchOptions {
	return remote.FetchOptions{APIKeys: s.APIKeys, Team: s.Team, Tokens: s.Tokens}
}

// planFileMode is the mode of a plan file: it describes the account's
// keys and team, which is nobody else's business on a shared machine.
const planFileMode = 0o600

// maxPlanFileSize bounds what Read reads: a plan of 100,000 changes is
// far below it.
const maxPlanFileSize = 256 << 20

// Write writes f to path atomically (a temporary file in the same
// directory, then a rename) with mode 0600, also when path already exists
// with a wider mode.
func Write(path string, f *File) error {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding plan file %q: %w", path, err)
	}
	data = append(data, '\n')
	if err := atomicfile.Write(path, data, planFileMode); err != nil {
		return fmt.Errorf("plan file: %w", err)
	}
	return nil
}

// Read reads a plan file written by Write. Anything else (another
// file, a truncated file, a plan file of another format version) is an
// error that says which.
func Read(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading plan file: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxPlanFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading plan file %q: %w", path, err)
	}
	if len(data) > maxPlanFileSize {
		return nil, fmt.Errorf("%s is not a plan file: larger than %d MiB", path, maxPlanFileSize>>20)
	}
	return decodeFile(path, data)
}

// Is reports whether path holds an mlabctl plan file of any format
// version: a JSON object with format_version, plan and fingerprints, as
// Write writes. `plan --out` replaces only such a file (as terraform
// replaces its own plan files), never modelslab.yaml or anything else. An
// error is returned only when path cannot be read.
func Is(path string) (bool, error) {
	fh, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxPlanFileSize+1))
	if err != nil {
		return false, err
	}
	if len(data) > maxPlanFileSize {
		return false, nil
	}
	var head struct {
		FormatVersion *string         `json:"format_version"`
		Plan          json.RawMessage `json:"plan"`
		Fingerprints  json.RawMessage `json:"fingerprints"`
	}
	if json.Unmarshal(data, &head) != nil {
		return false, nil
	}
	isObject := func(m json.RawMessage) bool {
		t := bytes.TrimSpace(m)
		return len(t) > 0 && t[0] == '{'
	}
	return head.FormatVersion != nil && isObject(head.Plan) && isObject(head.Fingerprints), nil
}

// remake is the advice every unreadable plan file gets.
const remake = "make a new one with `mlabctl plan --out FILE`"

// decodeFile decodes and checks the bytes of a plan file named name.
func decodeFile(name string, data []byte) (*File, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%s is empty, not a plan file; %s", name, remake)
	}
	if trimmed[0] != '{' {
		return nil, fmt.Errorf("%s is not a plan file (not a JSON object); %s", name, remake)
	}
	var head struct {
		FormatVersion *string         `json:"format_version"`
		Plan          json.RawMessage `json:"plan"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&head); err != nil {
		var syn *json.SyntaxError
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, fmt.Errorf("%s is truncated (its JSON ends early); %s", name, remake)
		case errors.As(err, &syn):
			return nil, fmt.Errorf("%s is not a plan file: invalid JSON at byte %d: %w", name, syn.Offset, err)
		}
		return nil, fmt.Errorf("%s is not a plan file: %w", name, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s is not a plan file: data after the JSON object; %s", name, remake)
	}
	if head.FormatVersion == nil || head.Plan == nil {
		return nil, fmt.Errorf("%s is not a plan file (no format_version or plan); %s", name, remake)
	}
	if *head.FormatVersion != plan.FormatVersion {
		return nil, fmt.Errorf("%s has plan format_version %q, and this mlabctl reads only %q; %s with this mlabctl",
			name, *head.FormatVersion, plan.FormatVersion, remake)
	}
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s is not a valid plan file: %w", name, err)
	}
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("%s is not a valid plan file: %w", name, err)
	}
	return &f, nil
}

// check verifies what apply relies on: a plan of this format whose every
// change has a known action for its kind.
func (f *File) check() error {
	if f.Plan == nil {
		return errors.New("plan is null")
	}
	if f.Plan.FormatVersion != plan.FormatVersion {
		return fmt.Errorf("plan.format_version is %q, want %q", f.Plan.FormatVersion, plan.FormatVersion)
	}
	if f.Fingerprints == nil {
		return errors.New("no fingerprints")
	}
	for i, c := range f.Plan.Changes {
		if !validAction(c) {
			return fmt.Errorf("change %d (%s): action %q is not valid for this address", i+1, c.Address, c.Action)
		}
		if c.Resend && (c.Address.Kind != plan.KindTeamMember || c.Action != plan.Update) {
			return fmt.Errorf("change %d (%s): resend is set on a %s, only a team member update has it", i+1, c.Address, c.Action)
		}
	}
	return nil
}

// validAction reports whether Compute can produce c's action for c's kind
// of address.
func validAction(c plan.Change) bool {
	switch c.Address.Kind {
	case plan.KindProfile, plan.KindSocials, plan.KindPreferences:
		return c.Action == plan.Update
	case plan.KindAPIKey:
		return c.Action == plan.Create || c.Action == plan.Update || c.Action == plan.Delete || c.Action == plan.Replace
	case plan.KindTeamMember:
		return c.Action == plan.Create || c.Action == plan.Update || c.Action == plan.Delete || c.Action == plan.Resend
	case plan.KindAccessToken:
		return c.Action == plan.Delete
	}
	return false
}
