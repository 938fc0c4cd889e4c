package apply

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"sync"

	"github.com/mlabctl/mlabctl/internal/atomicfile"
	"github.com/mlabctl/mlabctl/remote"
)

// SecretSink receives every new API key secret the moment the key exists,
// before the next step starts, so that a later failure or interrupt loses
// nothing. Save is called from several goroutines.
type SecretSink interface {
	Save(name string, key remote.Secret) error
}

// secretsFileMode is the mode of the --secrets-out file: it holds API keys.
const secretsFileMode = 0o600

// SecretsFile is the --secrets-out file of `apply` and of `auth
// verify-email` (one format, one implementation): a JSON object from key
// name to key value, mode 0600 (enforced on every write, also on a file that existed
// with a wider mode). Every Save merges into what the file holds and
// replaces it atomically (a temporary file in the same directory, then a
// rename), so earlier entries survive and a crash never leaves half a file.
// Each read-merge-write holds an in-process mutex and, on Unix, an advisory
// lock on the file's ".lock" (beside a symlink's target; removed once
// released), so that two processes
// saving into the same file at once both keep their entries.
type SecretsFile struct {
	Path string
	mu   sync.Mutex
}

// NewSecretsFile returns the sink for path.
func NewSecretsFile(path string) *SecretsFile { return &SecretsFile{Path: path} }

// Check makes sure the file can be written before any change: a regular
// file, a symlink to one, or nothing (atomicfile.Check; a device or a FIFO
// is refused before its lock file could be created beside it), holding a
// JSON object of strings, which it rewrites 0600. An apply that could not
// save a secret must not create the key.
func (f *SecretsFile) Check() error {
	if err := atomicfile.Check(f.Path); err != nil {
		return fmt.Errorf("secrets file: %w", err)
	}
	return f.update(func(map[string]string) bool { return true })
}

// CheckMergeable checks, without writing anything, that Save will be able
// to merge into the file: it is missing, empty, or a JSON object of
// strings. `auth verify-email --secrets-out` calls it before the sign-up key
// is issued, so that a key is never created into a file it cannot go to.
//
// It takes no file lock: a write replaces the file by a rename, so a read
// always sees a whole file, and a lock would create a file next to it.
func (f *SecretsFile) CheckMergeable() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, err := f.read()
	return err
}

// Save merges name → key into the file.
func (f *SecretsFile) Save(name string, key remote.Secret) error {
	return f.update(func(m map[string]string) bool {
		m[name] = key.Reveal() // deliberately: the user asked for the file
		return true
	})
}

// CleanTemporaries removes the temporary files that writers killed before
// their rename left beside the file. It holds the file's lock, which every
// writer takes, so none of them is a live writer's.
func (f *SecretsFile) CleanTemporaries() error {
	return f.update(func(map[string]string) bool {
		atomicfile.RemoveTemps(f.Path)
		return false
	})
}

// Lookup returns the secret the file holds for name, if any (Settle asks
// whether a live key's secret is kept: see fileHolds in settle.go).
func (f *SecretsFile) Lookup(name string) (remote.Secret, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.read()
	if err != nil {
		return "", false, err
	}
	v, ok := m[name]
	return remote.Secret(v), ok, nil
}

// Forget removes name from the file (a secret found to be dead).
func (f *SecretsFile) Forget(name string) error {
	return f.update(func(m map[string]string) bool {
		if _, ok := m[name]; !ok {
			return false
		}
		delete(m, name)
		return true
	})
}

// update is one read-modify-write of the file under both locks: the mutex
// for this process's goroutines and the lock file for other processes
// (without it two of them read the same content and the second rename
// drops the first one's key). change edits the entries and reports whether
// to write them back.
func (f *SecretsFile) update(change func(map[string]string) bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	// The lock belongs to the file written, so two symlinks to one secrets
	// file share it; Resolve refuses what may not be written, before a lock
	// file appears beside it.
	real, err := atomicfile.Resolve(f.Path)
	if err != nil {
		return fmt.Errorf("secrets file: %w", err)
	}
	unlock, err := lockFile(real + ".lock")
	if err != nil {
		return fmt.Errorf("secrets file: %w", err)
	}
	defer unlock()
	m, err := f.read()
	if err != nil {
		return err
	}
	if !change(m) {
		return nil
	}
	return f.write(m)
}

func (f *SecretsFile) read() (map[string]string, error) {
	m := map[string]string{}
	// Not os.ReadFile: opening a FIFO would block until a writer came.
	b, err := atomicfile.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secrets file: %w", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(b, &m); err != nil {
		// Never quote the content nor the decoder's error (which can quote a
		// piece of it): it holds secrets.
		return nil, fmt.Errorf("secrets file %q is not a JSON object of key names to keys, so mlabctl will not overwrite it; fix or move it", f.Path)
	}
	if m == nil { // the file held `null`
		m = map[string]string{}
	}
	return m, nil
}

func (f *SecretsFile) write(m map[string]string) error {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	// Written by hand to keep a stable, sorted, indented layout that is easy
	// to feed to `jq -r '.ci'`.
	var b bytes.Buffer
	b.WriteString("{")
	for i, n := range names {
		if i > 0 {
			b.WriteString(",")
		}
		k, _ := json.Marshal(n)
		v, _ := json.Marshal(m[n])
		fmt.Fprintf(&b, "\n  %s: %s", k, v)
	}
	if len(names) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("}\n")

	if err := atomicfile.Write(f.Path, b.Bytes(), secretsFileMode); err != nil {
		return fmt.Errorf("secrets file: %w", err)
	}
	return nil
}
