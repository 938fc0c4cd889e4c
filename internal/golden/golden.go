package golden

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// update is the -update flag of every test binary that imports this
// package; it is registered here so that the packages sharing the golden
// logic share the flag too.
var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// Check compares got with the file at path byte for byte and reports a
// (-want +got) diff on a mismatch. Under -update it writes got to path
// instead, creating the directories it needs.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		write(t, path, got)
		return
	}
	want := read(t, path)
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("output differs from golden file %s (-want +got); go test -update rewrites it:\n%s", path, diff)
	}
}

// CheckJSON compares got with the JSON file at path as values: the file is
// decoded into a T and compared with got, so that a mismatch is reported
// field by field. Under -update it writes got as indented JSON instead.
func CheckJSON[T any](t testing.TB, path string, got T) {
	t.Helper()
	if *update {
		data, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatalf("encoding %s: %v", path, err)
		}
		write(t, path, append(data, '\n'))
		return
	}
	var want T
	if err := json.Unmarshal(read(t, path), &want); err != nil {
		t.Fatalf("decoding golden file %s: %v", path, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("output differs from golden file %s (-want +got); go test -update rewrites it:\n%s", path, diff)
	}
}

// read returns the golden file at path, failing the test with a hint when
// it is missing.
func read(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Fatalf("golden file %s is missing (go test -update creates it)", path)
	}
	if err != nil {
		t.Fatalf("reading golden file: %v", err)
	}
	return data
}

// write rewrites the golden file at path with data.
func write(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(fmt.Errorf("creating the directory of golden file %s: %w", path, err))
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(fmt.Errorf("writing golden file: %w", err))
	}
}
