package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// recorder is a testing.TB that records failures instead of failing, so
// that the failures Check reports can themselves be checked.
type recorder struct {
	testing.TB
	errors []string
	fatal  bool
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
	r.fatal = true
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

// run calls f with a recorder on its own goroutine, so that Fatalf can
// stop f the way testing.T does.
func run(f func(testing.TB)) *recorder {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

// withUpdate sets -update for the duration of the test.
func withUpdate(t *testing.T, v bool) {
	old := *update
	*update = v
	t.Cleanup(func() { *update = old })
}

type value struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	same := filepath.Join(dir, "same.golden")
	const text = "one\ntwo\nthree\nfour\nfive\n"
	if err := os.WriteFile(same, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		path      string
		got       string
		wantFatal bool
		wantIn    []string // substrings of the one failure, none if empty
	}{
		{name: "equal", path: same, got: text},
		{name: "different", path: same, got: strings.Replace(text, "three", "3", 1), wantIn: []string{same, "(-want +got)", "three", "3", "-update"}},
		{name: "missing", path: filepath.Join(dir, "none.golden"), got: "x", wantFatal: true, wantIn: []string{"none.golden", "missing", "-update"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withUpdate(t, false)
			r := run(func(tb testing.TB) { Check(tb, tc.path, []byte(tc.got)) })
			assertFailure(t, r, tc.wantFatal, tc.wantIn)
		})
	}
}

func TestCheckJSON(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "v.json")
	// Compared as values: spacing and key order in the file do not matter.
	if err := os.WriteFile(path, []byte(`{"count": 2, "name":"a"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"name":`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		path      string
		got       value
		wantFatal bool
		wantIn    []string
	}{
		{name: "equal values", path: path, got: value{Name: "a", Count: 2}},
		{name: "different", path: path, got: value{Name: "a", Count: 3}, wantIn: []string{path, "(-want +got)", "Count"}},
		{name: "not JSON", path: bad, got: value{}, wantFatal: true, wantIn: []string{"decoding", bad}},
		{name: "missing", path: filepath.Join(dir, "none.json"), wantFatal: true, wantIn: []string{"missing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withUpdate(t, false)
			r := run(func(tb testing.TB) { CheckJSON(tb, tc.path, tc.got) })
			assertFailure(t, r, tc.wantFatal, tc.wantIn)
		})
	}
}

// TestUpdate checks that -update rewrites the file, creating directories,
// and that the rewritten file then passes without -update.
func TestUpdate(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "sub", "out.golden")
	js := filepath.Join(dir, "deeper", "sub", "out.json")
	v := value{Name: "b", Count: 7}

	withUpdate(t, true)
	if r := run(func(tb testing.TB) { Check(tb, text, []byte("new\n")); CheckJSON(tb, js, v) }); len(r.errors) > 0 {
		t.Fatalf("under -update: %q", r.errors)
	}
	data, err := os.ReadFile(text)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("new\n", string(data)); diff != "" {
		t.Errorf("rewritten text file (-want +got):\n%s", diff)
	}
	data, err = os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("{\n  \"name\": \"b\",\n  \"count\": 7\n}\n", string(data)); diff != "" {
		t.Errorf("rewritten JSON file (-want +got):\n%s", diff)
	}

	*update = false
	if r := run(func(tb testing.TB) { Check(tb, text, []byte("new\n")); CheckJSON(tb, js, v) }); len(r.errors) > 0 {
		t.Errorf("after -update, the files do not match: %q", r.errors)
	}
}

// assertFailure checks that r holds no failure when wantIn is empty, or
// exactly one failure containing every string of wantIn.
func assertFailure(t *testing.T, r *recorder, wantFatal bool, wantIn []string) {
	t.Helper()
	if len(wantIn) == 0 {
		if len(r.errors) > 0 {
			t.Errorf("failures %q, want none", r.errors)
		}
		return
	}
	if len(r.errors) != 1 {
		t.Fatalf("failures %q, want exactly one", r.errors)
	}
	if r.fatal != wantFatal {
		t.Errorf("fatal = %v, want %v", r.fatal, wantFatal)
	}
	for _, s := range wantIn {
		if !strings.Contains(r.errors[0], s) {
			t.Errorf("failure %q does not mention %q", r.errors[0], s)
		}
	}
}
