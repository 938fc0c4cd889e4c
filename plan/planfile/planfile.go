// Package planfile reads and writes plan files (`mlabctl plan --out
// PLANFILE`), so that package plan stays pure: it owns the file's shape
// (File), its checks, and the only file I/O of a plan.
//
// A plan file carries its source: the exact modelslab.yaml the plan was
// made from, the options that shaped it, the mlabctl version, the API and
// the account, and a digest over all of it. Read refuses a file whose
// digest does not match its content (a truncated file, any edit), whose
// JSON is not exactly what Write writes (a duplicate or unknown key), or
// whose parts disagree (the embedded file and its hash, the plan and the
// account it names). The digest is not a signature: anyone can compute
// one. What makes a plan file safe to apply is that `apply PLANFILE`
// trusts none of it beyond the embedded modelslab.yaml: it re-derives the
// plan from that file and the live account and refuses any difference, and
// `apply -f modelslab.yaml PLANFILE` binds even that file to the one given.
//
// It must not decide whether a saved plan still applies (that is apply's
// check against the live state) or hold a secret: a Plan holds managed
// fields only, the fingerprints are hashes, and modelslab.yaml holds no
// secret.
package planfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mlabctl/mlabctl/internal/atomicfile"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// FormatVersion is the version of the plan file format. Version 1 files
// did not carry their modelslab.yaml, so they cannot be checked the way
// apply now checks a plan file, and Read refuses them with advice to make
// a new one. (The JSON plan inside keeps plan.FormatVersion.)
const FormatVersion = "2"

// File is a saved plan (`mlabctl plan --out PLANFILE`): the plan, where it
// came from, and what `apply PLANFILE` needs to check it is still the plan
// of its modelslab.yaml and the live account. It never holds a secret.
type File struct {
	// FormatVersion is FormatVersion; Read refuses any other.
	FormatVersion string `json:"format_version"`
	// MlabctlVersion is the version of the mlabctl that wrote the file.
	MlabctlVersion string    `json:"mlabctl_version"`
	CreatedAt      time.Time `json:"created_at"`
	// BaseURL and Account are the API (site root) and the username of the
	// account the plan was made against; apply refuses the file anywhere
	// else. They equal the Plan's, which Read checks. Neither is ever used
	// to decide where apply connects: that is the command line's.
	BaseURL string `json:"base_url"`
	Account string `json:"account"`
	// Source is the modelslab.yaml the plan was made from.
	Source Source `json:"source"`
	// SpecHash is the hex SHA-256 of Source.Content (spec.Spec.Hash).
	SpecHash string `json:"spec_hash"`
	// Options are the command-line options that shaped the plan; apply
	// re-derives the plan with the same ones.
	Options Options `json:"options"`
	// Sections are the list sections the plan was computed from (those
	// Source manages; apply derives them from Source, never from here).
	Sections Sections   `json:"sections"`
	Plan     *plan.Plan `json:"plan"`
	// Fingerprints are plan.Fingerprints of the live state the plan was
	// made from: apply compares them with the live state it reads, to name
	// what changed since.
	Fingerprints map[string]string `json:"fingerprints"`
	// Digest is "sha256:" and the hex SHA-256 of the file's canonical JSON
	// without the digest (Write sets it).
	Digest string `json:"digest"`
}

// Source is an embedded modelslab.yaml.
type Source struct {
	// Name is the path the file was given as (`plan -f NAME`): shown to
	// people, never opened.
	Name string `json:"name"`
	// Content is the file's exact text (modelslab.yaml is UTF-8, so JSON
	// holds it byte for byte; SpecHash proves it).
	Content string `json:"content"`
}

// Options are the plan options of the command line (plan.Options) as the
// file records them.
type Options struct {
	// Replace are the --replace values.
	Replace []string `json:"replace,omitempty"`
	// Targets are the --target values.
	Targets []string `json:"targets,omitempty"`
}

// OptionsOf records o.
func OptionsOf(o plan.Options) Options {
	return Options{Replace: slices.Clone(o.Replace), Targets: slices.Clone(o.Targets)}
}

// Plan returns the options to compute the plan with again.
func (o Options) Plan() plan.Options {
	return plan.Options{Replace: slices.Clone(o.Replace), Targets: slices.Clone(o.Targets)}
}

// Empty reports whether no option shaped the plan.
func (o Options) Empty() bool { return len(o.Replace) == 0 && len(o.Targets) == 0 }

// Flags renders the options as command-line flags ("--replace api_key.ci
// --target team"), for messages.
func (o Options) Flags() string {
	var words []string
	for _, r := range o.Replace {
		words = append(words, "--replace "+r)
	}
	for _, t := range o.Targets {
		words = append(words, "--target "+t)
	}
	return strings.Join(words, " ")
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

// Made is what a plan file is made of, besides the plan: the spec it was
// computed from, the live state it was computed against, the options and
// the writer.
type Made struct {
	Spec    *spec.Spec
	Live    *remote.State
	Options plan.Options
	// Version is mlabctl's version; Now the time of writing.
	Version string
	Now     time.Time
}

// New returns the plan file of p, made as m says. Write seals it.
func New(p *plan.Plan, m Made) *File {
	return &File{
		FormatVersion:  FormatVersion,
		MlabctlVersion: m.Version,
		CreatedAt:      m.Now.UTC(),
		BaseURL:        p.BaseURL,
		Account:        p.Account,
		Source:         Source{Name: m.Spec.Path, Content: string(m.Spec.Source)},
		SpecHash:       m.Spec.Hash,
		Options:        OptionsOf(m.Options),
		Sections:       SectionsOf(plan.FetchOptionsFor(m.Spec)),
		Plan:           p,
		Fingerprints:   plan.Fingerprints(m.Live),
	}
}

// Spec parses the embedded modelslab.yaml as the file name (positions in
// diagnostics and rails name it). Its errors are spec.Load's: a
// spec.Diagnostics for an invalid file.
func (f *File) Spec(name string) (*spec.Spec, error) {
	return spec.Parse(name, []byte(f.Source.Content))
}

// planFileMode is the mode of a plan file: it describes the account's
// keys and team, which is nobody else's business on a shared machine.
const planFileMode = 0o600

// maxPlanFileSize bounds what Read reads: a plan of 100,000 changes with
// the largest modelslab.yaml (spec.MaxFileSize) is far below it.
const maxPlanFileSize = 256 << 20

// Write seals f (sets f.Digest) and writes it to path atomically (a
// temporary file in the same directory, then a rename) with mode 0600, also
// when path already exists with a wider mode. A file Read would refuse is
// not written: its parts disagree, or it would not read back as itself.
func Write(path string, f *File) error {
	if err := f.seal(); err != nil {
		return fmt.Errorf("encoding plan file %q: %w", path, err)
	}
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

// seal checks f as Read will, and sets its digest over the canonical JSON
// of f read back, so that what Read recomputes is what was sealed.
func (f *File) seal() error {
	if err := f.check(); err != nil {
		return err
	}
	f.Digest = ""
	first, err := json.Marshal(f)
	if err != nil {
		return err
	}
	var back File
	if err := strictUnmarshal(first, &back); err != nil {
		return fmt.Errorf("the plan does not read back: %w", err)
	}
	again, err := json.Marshal(&back)
	if err != nil {
		return err
	}
	if !bytes.Equal(first, again) {
		return errors.New("the plan does not read back as itself (a value of a type JSON cannot hold exactly)")
	}
	f.Digest = digestOf(first)
	return nil
}

// digestPrefix names the digest's hash.
const digestPrefix = "sha256:"

// digestOf is the digest of canonical JSON without the digest.
func digestOf(canonical []byte) string {
	sum := sha256.Sum256(canonical)
	return digestPrefix + hex.EncodeToString(sum[:])
}

// Read reads a plan file written by Write. Anything else (another file, a
// truncated or edited file, a plan file of another format version) is an
// error that says which, and no part of it is returned.
func Read(path string) (*File, error) {
	data, err := readCapped(path)
	if err != nil {
		return nil, err
	}
	if len(data) > maxPlanFileSize {
		return nil, fmt.Errorf("%s is not a plan file: larger than %d MiB", path, maxPlanFileSize>>20)
	}
	return decodeFile(path, data)
}

// readCapped reads up to one byte more than maxPlanFileSize from path.
func readCapped(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading plan file: %w", err)
	}
	defer fh.Close()
	if fi, err := fh.Stat(); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("reading plan file %q: not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(fh, maxPlanFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading plan file %q: %w", path, err)
	}
	return data, nil
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
	switch v := *head.FormatVersion; {
	case v == "1":
		return nil, fmt.Errorf("%s is a plan file of format_version \"1\", written by an older mlabctl: it does not carry the modelslab.yaml it was made from, so it cannot be checked before it is applied; %s with this mlabctl",
			name, remake)
	case v != FormatVersion:
		return nil, fmt.Errorf("%s has plan format_version %q, and this mlabctl reads only %q; %s with this mlabctl",
			name, v, FormatVersion, remake)
	}
	var f File
	if err := strictUnmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s is not a valid plan file: %w; %s", name, err, remake)
	}
	// The exact bytes Write writes, whitespace aside: a duplicate key, a
	// key spelt in another case, a reordered field or another spelling of
	// a value would each let the bytes say something the decoded file does
	// not, so none is accepted.
	canonical, err := json.Marshal(&f)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid plan file: %w", name, err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return nil, fmt.Errorf("%s is not a valid plan file: %w", name, err)
	}
	if !bytes.Equal(compact.Bytes(), canonical) {
		return nil, fmt.Errorf("%s was changed after mlabctl wrote it: its JSON is not in the form mlabctl writes (%s); %s",
			name, firstDifference(compact.Bytes(), canonical), remake)
	}
	digest := f.Digest
	f.Digest = ""
	body, err := json.Marshal(&f)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid plan file: %w", name, err)
	}
	if want := digestOf(body); digest != want {
		return nil, fmt.Errorf("%s was changed after mlabctl wrote it: its digest does not match its content (the file says %s, its content hashes to %s); nothing in it is used; %s",
			name, quoteShort(digest), want, remake)
	}
	f.Digest = digest
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("%s is not a valid plan file: %w", name, err)
	}
	return &f, nil
}

// strictUnmarshal decodes data into v, refusing keys v has no field for.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON object")
	}
	return nil
}

// firstDifference says where got first differs from want, with a little
// context, for the message of a file that is not canonical.
func firstDifference(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-20)
	return fmt.Sprintf("at byte %d of its compact form, near %s", i, quoteShort(string(got[from:min(len(got), i+20)])))
}

// quoteShort quotes s, cut to 80 bytes, for a message.
func quoteShort(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// maxSourceName bounds the embedded file's name (shown, never opened).
const maxSourceName = 4096

// check verifies what apply relies on: the parts of the file agree (the
// embedded modelslab.yaml and its hash, the account and API of the file
// and of its plan), and the plan is of this format with every change of a
// known action for its kind.
func (f *File) check() error {
	if f.FormatVersion != FormatVersion {
		return fmt.Errorf("format_version is %q, want %q", f.FormatVersion, FormatVersion)
	}
	if f.Plan == nil {
		return errors.New("plan is null")
	}
	if f.Plan.FormatVersion != plan.FormatVersion {
		return fmt.Errorf("plan.format_version is %q, want %q", f.Plan.FormatVersion, plan.FormatVersion)
	}
	if f.Fingerprints == nil {
		return errors.New("no fingerprints")
	}
	if len(f.Source.Content) > spec.MaxFileSize {
		return fmt.Errorf("the embedded modelslab.yaml is larger than %d MiB", spec.MaxFileSize>>20)
	}
	if !utf8.ValidString(f.Source.Content) {
		return errors.New("the embedded modelslab.yaml is not UTF-8")
	}
	if len(f.Source.Name) > maxSourceName {
		return fmt.Errorf("the embedded modelslab.yaml's name is longer than %d bytes", maxSourceName)
	}
	if sum := sha256.Sum256([]byte(f.Source.Content)); hex.EncodeToString(sum[:]) != f.SpecHash {
		return errors.New("spec_hash is not the SHA-256 of the embedded modelslab.yaml")
	}
	if f.Account != f.Plan.Account {
		return fmt.Errorf("account is %q, but the plan's is %q", f.Account, f.Plan.Account)
	}
	if f.BaseURL != f.Plan.BaseURL {
		return fmt.Errorf("base_url is %q, but the plan's is %q", f.BaseURL, f.Plan.BaseURL)
	}
	if !slices.Equal(f.Options.Replace, f.Plan.Replace) {
		return fmt.Errorf("options.replace is %q, but the plan was computed with %q", f.Options.Replace, f.Plan.Replace)
	}
	if !slices.Equal(f.Options.Targets, f.Plan.Targets) {
		return fmt.Errorf("options.targets is %q, but the plan is limited to %q", f.Options.Targets, f.Plan.Targets)
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
