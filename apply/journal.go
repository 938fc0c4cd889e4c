package apply

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The journal.
//
// A create (an API key, the new key of a replace, an invite) is the one call
// whose loss loses something: the API shows a key's secret only in the
// create's answer, and a create repeated blindly makes a second key. So
// before each create is sent, apply appends a record of it to the journal
// and fsyncs it; each answer is recorded once it is safe (for a key, once its
// secret is in the SecretSink); a create the server refused is recorded as
// not made. A run that dies (kill -9, a second Ctrl-C, a CI cancel) leaves
// entries open, and the next run settles them against the live account
// (Settle) before it plans. The journal never holds a secret: names, e-mail
// addresses, ids, idempotency keys and times only.

// JournalFile is the journal's name in its directory (the account's state
// directory, AccountStateDir).
const JournalFile = "journal.jsonl"

// journalMode is the journal's mode: it names keys and people.
const journalMode = 0o600

// The events of the journal.
const (
	evSend    = "send"    // a create is about to be sent
	evAnswer  = "answer"  // its answer: the id, and for a key whether its secret was kept
	evRefused = "refused" // the server refused it: nothing was made
	evResent  = "resent"  // Settle sent it again once (a key without its secret)
)

// journalRecord is one line of the journal. Entry ties the records of one
// attempt of one create together.
type journalRecord struct {
	Event   string    `json:"event"`
	Entry   string    `json:"entry"`
	Run     string    `json:"run"`
	Time    time.Time `json:"time"`
	BaseURL string    `json:"base_url,omitempty"`
	Account string    `json:"account,omitempty"`
	// Address is the plan's address ("api_key.ci"); Name the key's name or
	// the invitee's e-mail.
	Address string `json:"address,omitempty"`
	Name    string `json:"name,omitempty"`
	// Notes are a key's notes as sent (never a secret), so that Settle can
	// send the same body again under the same idempotency key.
	Notes          string `json:"notes,omitempty"`
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	Step           Step   `json:"step,omitempty"`
	Attempt        int    `json:"attempt,omitempty"`
	// Replaces is the old key of a replace; Overlap marks a replace whose
	// old key retires later (rotate_overlap), which is never deleted now.
	Replaces string `json:"replaces,omitempty"`
	Overlap  bool   `json:"overlap,omitempty"`
	// Known are the live keys of the name the plan knew before the create:
	// never the key it made.
	Known []string `json:"known,omitempty"`
	// ID is the object an answer names; Kept that its secret is in the
	// SecretSink (only then is a key's answer recorded as kept).
	ID   string `json:"id,omitempty"`
	Kept bool   `json:"kept,omitempty"`
	// Why is a refusal's or a lost answer's reason (never a secret).
	Why string `json:"why,omitempty"`
}

// Journal is the append-only, fsynced record of the creates of applies of
// one account (OpenJournal). Its methods are safe for concurrent use.
type Journal struct {
	dir  string
	path string
	mu   sync.Mutex
	f    *os.File
	run  string
	seq  int
	// records are the records read when it was opened (Settle's input).
	records []journalRecord
	// skipped counts lines that could not be read (a torn last line of a
	// killed run, say); Settle reports them.
	skipped int
}

// OpenJournal opens (creating it 0600, and fsyncing dir when it does)
// dir/journal.jsonl for appending, reads what it holds for Settle, and
// removes what a killed run left behind in dir: temporary files of atomic
// writes. dir must exist (MakeAccountStateDir).
func OpenJournal(dir string) (*Journal, error) {
	path := filepath.Join(dir, JournalFile)
	cleanTemporaries(dir)
	_, statErr := os.Lstat(path)
	created := errors.Is(statErr, fs.ErrNotExist)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, journalMode)
	if err != nil {
		return nil, fmt.Errorf("opening the apply journal: %w", err)
	}
	if err := f.Chmod(journalMode); err != nil {
		f.Close()
		return nil, fmt.Errorf("apply journal: %w", err)
	}
	if created {
		if err := syncDir(dir); err != nil {
			f.Close()
			return nil, fmt.Errorf("apply journal: %w", err)
		}
	}
	j := &Journal{dir: dir, path: path, f: f, run: newRunID()}
	if err := j.load(); err != nil {
		f.Close()
		return nil, err
	}
	if err := endTornLine(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("apply journal: %w", err)
	}
	return j, nil
}

// endTornLine ends the journal's last line when a killed run left it
// without its newline (load skipped it): otherwise the next record would
// be glued to it and skipped with it by the next load, although it was
// fsynced before its call.
func endTornLine(f *os.File) error {
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return err
	}
	last := make([]byte, 1)
	if _, err := f.ReadAt(last, fi.Size()-1); err != nil {
		return err
	}
	if last[0] == '\n' {
		return nil
	}
	if _, err := f.Write([]byte{'\n'}); err != nil {
		return err
	}
	return f.Sync()
}

// ReadJournal reads dir/journal.jsonl for a read-only Settle (plan):
// nothing is created, cleaned or locked, and the journal returned cannot be
// appended to. A missing directory or journal is an empty journal (nil).
func ReadJournal(dir string) (*Journal, error) {
	path := filepath.Join(dir, JournalFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	j := &Journal{dir: dir, path: path}
	if err := j.load(); err != nil {
		return nil, err
	}
	return j, nil
}

// Path is the journal file's path.
func (j *Journal) Path() string { return j.path }

// Close closes the file (a nil Journal: nothing). Entries stay: the next
// run settles them.
func (j *Journal) Close() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// load reads the records present when the journal was opened. A line that
// does not parse (the torn last line of a run killed mid-write) is counted
// and skipped: it was never fsynced whole, so its call was never sent.
func (j *Journal) load() error {
	b, err := os.ReadFile(j.path)
	if err != nil {
		return fmt.Errorf("reading the apply journal: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var r journalRecord
		if json.Unmarshal(line, &r) != nil || r.Entry == "" {
			j.skipped++
			continue
		}
		j.records = append(j.records, r)
	}
	return nil
}

// append writes r as one line and fsyncs it: when append returns nil, the
// record survives a crash of this process or of the machine.
func (j *Journal) append(r journalRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("the apply journal is closed")
	}
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("writing the apply journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("syncing the apply journal: %w", err)
	}
	return nil
}

// begin records a create about to be sent and returns its entry id.
func (j *Journal) begin(r journalRecord, now time.Time) (string, error) {
	j.mu.Lock()
	j.seq++
	r.Entry = fmt.Sprintf("%s-%d", j.run, j.seq)
	j.mu.Unlock()
	r.Event, r.Run, r.Time = evSend, j.run, now.UTC()
	return r.Entry, j.append(r)
}

// finish records the outcome of an entry begun with begin.
func (j *Journal) finish(entry, event string, now time.Time, fill func(*journalRecord)) error {
	r := journalRecord{Event: event, Entry: entry, Run: j.run, Time: now.UTC()}
	if fill != nil {
		fill(&r)
	}
	return j.append(r)
}

// rewrite replaces the journal with keep (Settle clears what it settled):
// written to a temporary file, fsynced, renamed over the journal, the
// directory fsynced, and the journal opened again for appending.
func (j *Journal) rewrite(keep []journalRecord) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	var b bytes.Buffer
	for _, r := range keep {
		line, err := json.Marshal(r)
		if err != nil {
			return err
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	tmp, err := os.CreateTemp(j.dir, journalTempPrefix+"*")
	if err != nil {
		return fmt.Errorf("rewriting the apply journal: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(journalMode); err == nil {
		_, err = tmp.Write(b.Bytes())
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), j.path)
		}
		if err == nil {
			err = syncDir(j.dir)
		}
		if err != nil {
			return fmt.Errorf("rewriting the apply journal: %w", err)
		}
	} else {
		tmp.Close()
		return fmt.Errorf("rewriting the apply journal: %w", err)
	}
	if j.f != nil {
		j.f.Close()
	}
	f, err := os.OpenFile(j.path, os.O_RDWR|os.O_APPEND, journalMode)
	if err != nil {
		j.f = nil
		return fmt.Errorf("opening the apply journal again: %w", err)
	}
	j.f = f
	j.records = keep
	return nil
}

// journalTempPrefix names the journal's temporary files, which a killed
// rewrite leaves behind (and OpenJournal removes).
const journalTempPrefix = ".journal.jsonl.tmp-"

// cleanTemporaries removes the temporary files a killed run left in the
// state directory: the journal's own. Errors are ignored: a leftover is
// harmless, it is only clutter.
func cleanTemporaries(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), journalTempPrefix) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// syncDir fsyncs a directory, so that a file created or renamed in it is
// there after a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// newRunID is a random id of one apply, in the journal only.
func newRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
