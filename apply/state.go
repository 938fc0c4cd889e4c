package apply

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/mlabctl/mlabctl/internal/atomicfile"
	"github.com/mlabctl/mlabctl/remote"
)

// StateDirName is the state root apply makes beside the --secrets-out file
// when no --state-dir is given: the journal of a run belongs next to the
// secrets it delivers, so that whoever keeps one (a CI cache, a backup)
// keeps the other.
const StateDirName = ".mlabctl-state"

// stateDirMode is the mode of every directory apply creates for its state:
// the journal names keys and the lock names hosts; nobody else reads them.
const stateDirMode = 0o700

// accountFileName is the human-readable record of which API and account a
// state directory belongs to (its name is a hash).
const accountFileName = "account.json"

// StateRoot returns the directory under which apply keeps its per-account
// state (AccountStateDir): flagStateDir when given (--state-dir or
// MLABCTL_STATE_DIR, which the command resolves), else StateDirName beside
// the secrets file secretsOut, else $XDG_STATE_HOME/mlabctl, else
// ~/.local/state/mlabctl. The result is absolute, so that messages name it
// whatever the working directory, and nothing is created: apply creates it
// (MakeAccountStateDir) only once it is about to lock the account.
func StateRoot(secretsOut, flagStateDir string) (string, error) {
	var root string
	switch {
	case strings.TrimSpace(flagStateDir) != "":
		root = flagStateDir
	case strings.TrimSpace(secretsOut) != "":
		root = filepath.Join(filepath.Dir(secretsOut), StateDirName)
	default:
		r, err := UserStateRoot(os.Getenv)
		if err != nil {
			return "", fmt.Errorf("no state directory: %w; pass --state-dir DIR", err)
		}
		root = r
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("state directory %q: %w", root, err)
	}
	return abs, nil
}

// UserStateRoot returns the per-user state root: $XDG_STATE_HOME/mlabctl
// when XDG_STATE_HOME is absolute (the XDG spec says a relative value is
// invalid and to be ignored), else $HOME/.local/state/mlabctl, read through
// getenv (the command's environment, which tests replace), never through
// flags: it is the one place that every apply of a user on a machine
// shares, where the per-user account locks live (UserLockPath). It is an
// error when neither variable is set. Nothing is created.
func UserStateRoot(getenv func(string) string) (string, error) {
	if x := getenv("XDG_STATE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "mlabctl"), nil
	}
	home := getenv("HOME")
	if home == "" && runtime.GOOS == "windows" {
		home = getenv("USERPROFILE")
	}
	if home == "" {
		return "", errors.New("neither $XDG_STATE_HOME nor $HOME is set")
	}
	return filepath.Join(home, ".local", "state", "mlabctl"), nil
}

// userLocksDirName is the directory of the per-user account locks under
// the per-user state root.
const userLocksDirName = "locks"

// UserLockPath returns the per-user lock file of an account under the
// per-user state root userRoot (UserStateRoot): locks/NAME.lock, NAME the
// account's state directory name (AccountStateDir), so that it is keyed by
// the same normalised base URL and account, whichever state directory
// (--state-dir, MLABCTL_STATE_DIR, beside --secrets-out) an apply keeps
// its journal in. It creates nothing.
func UserLockPath(userRoot, baseURL, account string) string {
	return filepath.Join(userRoot, userLocksDirName, accountDirName(baseURL, account)+".lock")
}

// MakeUserLockDir creates the directory of the per-user locks under
// userRoot (and userRoot itself when missing), mode 0700, and returns
// UserLockPath(userRoot, baseURL, account). The directory is tightened to
// 0700 when it exists (it is apply's own).
func MakeUserLockDir(userRoot, baseURL, account string) (string, error) {
	dir := filepath.Join(userRoot, userLocksDirName)
	if err := os.MkdirAll(dir, stateDirMode); err != nil {
		return "", fmt.Errorf("creating the per-user lock directory: %w", err)
	}
	if err := ownStateDir(dir, "per-user lock directory"); err != nil {
		return "", err
	}
	return UserLockPath(userRoot, baseURL, account), nil
}

// ownStateDir checks that dir, just created or found, is a directory
// itself (Lstat: a link someone put there is refused, not followed) and
// tightens it to stateDirMode: it is apply's own, and holds the journal
// or the locks. what names the directory in errors.
func ownStateDir(dir, what string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s %q is not a directory; move it away", what, dir)
	}
	if fi.Mode().Perm() != stateDirMode {
		if err := os.Chmod(dir, stateDirMode); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return nil
}

// AccountStateDir returns the directory of one account's state under root:
// one per API (the base URL, normalised as remote.SameBaseURL compares
// them) and account username, so that the lock and the journal of one
// account are shared by every spelling of its URL and never by another
// account. Its name is the account, cleaned to a portable file name, and a
// short hash of both (the part that makes it unique); account.json inside
// says in words what it is. It creates nothing.
func AccountStateDir(root, baseURL, account string) string {
	return filepath.Join(root, accountDirName(baseURL, account))
}

func accountDirName(baseURL, account string) string {
	sum := sha256.Sum256([]byte(stateBaseURL(baseURL) + "\n" + account))
	var b strings.Builder
	for _, r := range account {
		if b.Len() >= 32 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	prefix := strings.TrimLeft(b.String(), ".") // never a hidden name, never ".."
	if prefix == "" {
		prefix = "account"
	}
	return prefix + "-" + hex.EncodeToString(sum[:6])
}

// stateBaseURL is baseURL as the state directory keys it: normalised, or
// as given (trimmed) when it is no URL New would accept (such a run never
// gets as far as locking, but the function is total).
func stateBaseURL(baseURL string) string {
	if n, err := remote.NormalizeBaseURL(baseURL); err == nil {
		return n
	}
	return strings.TrimSpace(baseURL)
}

// AccountRecord is account.json: which API and account a state directory
// belongs to, for a human looking into the state root (the directory's
// name is a hash) and for the journal's check that its entries are of this
// account.
type AccountRecord struct {
	BaseURL string `json:"base_url"`
	Account string `json:"account"`
	// Created is when the directory was made (RFC 3339, UTC).
	Created string `json:"created"`
}

// MakeAccountStateDir creates the state directory of an account under root
// (AccountStateDir), mode 0700, with its account.json, and returns it. A
// root apply creates gets a .gitignore of "*", so that a state root beside
// a secrets file in a checkout is never committed. An existing account
// directory is tightened to 0700 (it is apply's own); an existing root is
// left as it is (it may be a directory the user named).
func MakeAccountStateDir(root, baseURL, account string) (string, error) {
	if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(root, stateDirMode); err != nil {
			return "", fmt.Errorf("creating the state directory: %w", err)
		}
		// Best effort: the ignore file is a convenience, not a guarantee.
		_ = atomicfile.Write(filepath.Join(root, ".gitignore"), []byte("# mlabctl apply's state (journal, lock): never commit it\n*\n"), 0o600)
	} else if err != nil {
		return "", fmt.Errorf("state directory: %w", err)
	}
	dir := AccountStateDir(root, baseURL, account)
	if err := os.Mkdir(dir, stateDirMode); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("creating the state directory: %w", err)
	}
	if err := ownStateDir(dir, "state directory"); err != nil {
		return "", err
	}
	path := filepath.Join(dir, accountFileName)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		rec := AccountRecord{BaseURL: stateBaseURL(baseURL), Account: account, Created: time.Now().UTC().Format(time.RFC3339)}
		b, _ := json.MarshalIndent(rec, "", "  ")
		if err := atomicfile.Write(path, append(b, '\n'), 0o600); err != nil {
			return "", fmt.Errorf("state directory: %w", err)
		}
	}
	return dir, nil
}

// ReadAccountRecord reads the account.json of a state directory.
func ReadAccountRecord(dir string) (AccountRecord, error) {
	var rec AccountRecord
	b, err := os.ReadFile(filepath.Join(dir, accountFileName))
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, fmt.Errorf("%s: %w", filepath.Join(dir, accountFileName), err)
	}
	return rec, nil
}
