package apply

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// settleNow is the clock of the Settle tests; the journal's entries are
// written an hour before unless a case says otherwise.
var settleNow = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

const (
	settleURL     = "https://modelslab.com"
	settleAccount = "acme-bot"
)

// writeJournal opens a journal in dir and lets write add records to it.
func writeJournal(t *testing.T, dir string, write func(j *Journal)) {
	t.Helper()
	j := openJournal(t, dir)
	write(j)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
}

// openJournal opens the journal in dir, failing the test if it cannot;
// the caller closes it.
func openJournal(t *testing.T, dir string) *Journal {
	t.Helper()
	j, err := OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// sent records a create of key name sent at, and returns its entry.
func sent(t *testing.T, j *Journal, name string, at time.Time, fill func(*journalRecord)) string {
	t.Helper()
	r := journalRecord{BaseURL: settleURL, Account: settleAccount, Address: "api_key." + name, Name: name, IdempotencyKey: "key-" + name, Step: StepCreate, Attempt: 1}
	if fill != nil {
		fill(&r)
	}
	e, err := j.begin(r, at)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func answered(t *testing.T, j *Journal, entry, id string, kept bool, at time.Time) {
	t.Helper()
	if err := j.finish(entry, evAnswer, at, func(r *journalRecord) { r.ID, r.Kept = id, kept }); err != nil {
		t.Fatal(err)
	}
}

func TestSettle(t *testing.T) {
	hourAgo := settleNow.Add(-time.Hour)
	lost := "its secret was never received (interrupted apply at 2026-12-03 11:00:00 UTC)"
	tests := []struct {
		name     string
		journal  func(t *testing.T, j *Journal)
		keys     []remote.APIKey
		team     []remote.TeamMember
		readOnly bool
		// want are the facts; report substrings; calls the mutations made;
		// kept how many records stay in the journal.
		want   []plan.SettledKey
		report []string
		calls  []string
		kept   int
	}{
		{
			name:    "empty journal: nothing",
			journal: func(t *testing.T, j *Journal) {},
		},
		{
			name: "a key whose secret was kept: done, cleared",
			journal: func(t *testing.T, j *Journal) {
				answered(t, j, sent(t, j, "ci", hourAgo, nil), "9", true, hourAgo)
			},
			keys: []remote.APIKey{{ID: "9", Name: "ci", CreatedAt: hourAgo}},
		},
		{
			name: "an interrupted rotation: the successor kept, the predecessor deleted",
			journal: func(t *testing.T, j *Journal) {
				e := sent(t, j, "ci", hourAgo, func(r *journalRecord) { r.Step, r.Replaces, r.Known = StepReplaceCreate, "102", []string{"102"} })
				answered(t, j, e, "9", true, hourAgo)
			},
			keys: []remote.APIKey{{ID: "102", Name: "ci", CreatedAt: hourAgo.Add(-100 * 24 * time.Hour)}, {ID: "9", Name: "ci", CreatedAt: hourAgo}},
			want: []plan.SettledKey{{ID: "9", Name: "ci", Fate: plan.FateKeep},
				{ID: "102", Name: "ci", Fate: plan.FateDelete, Reason: "predecessor of key id 9, which an interrupted apply at 2026-12-03 11:00:00 UTC created to replace it (its secret is kept)"}},
			report: []string{"the rotation an interrupted apply at 2026-12-03 11:00:00 UTC began is finished"},
			kept:   2,
		},
		{
			name: "a key without its secret, read-only: replaced, nothing sent",
			journal: func(t *testing.T, j *Journal) {
				sent(t, j, "ci", hourAgo, nil)
			},
			keys:     []remote.APIKey{{ID: "50", Name: "ci", CreatedAt: hourAgo.Add(time.Second)}},
			readOnly: true,
			want:     []plan.SettledKey{{ID: "50", Name: "ci", Fate: plan.FateReplace, Reason: lost}},
			report:   []string{"key id 50 exists but " + lost},
			kept:     1,
		},
		{
			name: "a key without its secret: sent again once; a server that ignores the key makes another, kept; the orphan deleted",
			journal: func(t *testing.T, j *Journal) {
				sent(t, j, "ci", hourAgo, nil)
			},
			keys:   []remote.APIKey{{ID: "50", Name: "ci", CreatedAt: hourAgo.Add(time.Second)}},
			calls:  []string{"CreateAPIKey ci"},
			want:   []plan.SettledKey{{ID: "9001", Name: "ci", Fate: plan.FateKeep}, {ID: "50", Name: "ci", Fate: plan.FateDelete, Reason: "made by an interrupted apply at 2026-12-03 11:00:00 UTC, and nobody holds its secret (key id 9001 does)"}},
			report: []string{"the server made key id 9001 instead"},
			kept:   4, // the send, the new send, resent and its answer: name ci
		},
		{
			name: "sent again already: replaced without sending",
			journal: func(t *testing.T, j *Journal) {
				e := sent(t, j, "ci", hourAgo, nil)
				if err := j.finish(e, evResent, hourAgo, nil); err != nil {
					t.Fatal(err)
				}
			},
			keys: []remote.APIKey{{ID: "50", Name: "ci", CreatedAt: hourAgo.Add(time.Second)}},
			want: []plan.SettledKey{{ID: "50", Name: "ci", Fate: plan.FateReplace, Reason: lost}},
			kept: 2,
		},
		{
			name: "a key known before the create is never taken for the one it made",
			journal: func(t *testing.T, j *Journal) {
				sent(t, j, "ci", hourAgo, func(r *journalRecord) { r.Known = []string{"50"} })
			},
			keys:   []remote.APIKey{{ID: "50", Name: "ci", CreatedAt: hourAgo.Add(time.Second)}},
			report: []string{"was not made; the plan creates it as usual"},
		},
		{
			name: "a key created long before the entry is not its",
			journal: func(t *testing.T, j *Journal) {
				sent(t, j, "ci", hourAgo, nil)
			},
			keys:   []remote.APIKey{{ID: "50", Name: "ci", CreatedAt: hourAgo.Add(-time.Hour)}},
			report: []string{"was not made"},
		},
		{
			name: "an entry of another account: reported, cleared",
			journal: func(t *testing.T, j *Journal) {
				sent(t, j, "ci", hourAgo, func(r *journalRecord) { r.Account = "someone-else" })
			},
			keys:   []remote.APIKey{{ID: "50", Name: "ci", CreatedAt: hourAgo.Add(time.Second)}},
			report: []string{`account "someone-else"`, "is not this account's; cleared"},
		},
		{
			name: "an entry older than the replay window: reported, cleared",
			journal: func(t *testing.T, j *Journal) {
				sent(t, j, "ci", settleNow.Add(-25*time.Hour), nil)
			},
			keys:   []remote.APIKey{{ID: "50", Name: "ci", CreatedAt: settleNow.Add(-25 * time.Hour)}},
			report: []string{"more than 24 hours ago", "cleared"},
		},
		{
			name: "duplicates of one name made by two attempts: the one whose secret is kept stays",
			journal: func(t *testing.T, j *Journal) {
				sent(t, j, "ci", hourAgo, nil)
				e := sent(t, j, "ci", hourAgo.Add(time.Minute), func(r *journalRecord) { r.Attempt = 2 })
				answered(t, j, e, "61", true, hourAgo.Add(time.Minute))
			},
			keys: []remote.APIKey{{ID: "60", Name: "ci", CreatedAt: hourAgo.Add(time.Second)}, {ID: "61", Name: "ci", CreatedAt: hourAgo.Add(time.Minute)}},
			want: []plan.SettledKey{{ID: "61", Name: "ci", Fate: plan.FateKeep},
				{ID: "60", Name: "ci", Fate: plan.FateDelete, Reason: "made by an interrupted apply at 2026-12-03 11:00:00 UTC, and nobody holds its secret (key id 61 does)"}},
			kept: 3,
		},
		{
			name: "an open invite the team shows: made, cleared",
			journal: func(t *testing.T, j *Journal) {
				sent(t, j, "dave@example.com", hourAgo, func(r *journalRecord) { r.Address = "team_member.dave@example.com" })
			},
			team:   []remote.TeamMember{{ID: "5", Email: "Dave@example.com"}},
			report: []string{"team_member.dave@example.com: the invite an interrupted apply at 2026-12-03 11:00:00 UTC sent was made (confirmed by reading the team)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeJournal(t, dir, func(j *Journal) { tt.journal(t, j) })
			f := &fakeClient{keys: tt.keys, team: tt.team}
			j := openJournal(t, dir)
			defer j.Close()
			st, err := Settle(context.Background(), j, f, SettleOptions{BaseURL: settleURL, Account: settleAccount, Secrets: &memSink{}, ReadOnly: tt.readOnly, Now: func() time.Time { return settleNow }})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, st.Keys); diff != "" {
				t.Errorf("facts (-want +got):\n%s", diff)
			}
			report := strings.Join(st.Report, "\n")
			for _, w := range tt.report {
				if !strings.Contains(report, w) {
					t.Errorf("report lacks %q:\n%s", w, report)
				}
			}
			if diff := cmp.Diff(tt.calls, f.Mutations()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if tt.readOnly {
				return
			}
			again := openJournal(t, dir)
			defer again.Close()
			if len(again.records) != tt.kept {
				t.Errorf("%d records stay in the journal, want %d: %+v", len(again.records), tt.kept, again.records)
			}
		})
	}
}

// TestJournalFile: the journal is 0600, holds no secret, skips (and
// reports) a torn last line, and OpenJournal removes a killed rewrite's
// temporary file.
func TestJournalFile(t *testing.T) {
	dir := t.TempDir()
	secret := remote.Secret("ml-0123456789abcdef-secret")
	sink := &memSink{}
	f := &fakeClient{}
	j := openJournal(t, dir)
	p := &plan.Plan{BaseURL: settleURL, Account: settleAccount, Changes: []plan.Change{{Address: addr(t, "api_key.ci"), Action: plan.Create, After: map[string]any{"name": "ci", "notes": "n"}}}}
	if _, err := Run(context.Background(), p, f, Options{Secrets: sink, Journal: j}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	path := filepath.Join(dir, JournalFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	for _, s := range append([]remote.Secret{secret}, sink.keys["ci"]) {
		if strings.Contains(string(b), s.Reveal()) {
			t.Errorf("the journal holds a secret:\n%s", b)
		}
	}
	if !strings.Contains(string(b), `"event":"send"`) || !strings.Contains(string(b), `"kept":true`) {
		t.Errorf("the journal lacks the send and the kept answer:\n%s", b)
	}
	// A torn line, and a temporary file of a killed rewrite.
	if err := os.WriteFile(path, append(b, []byte(`{"event":"send","entry":"x`)...), 0o600); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, journalTempPrefix+"123")
	if err := os.WriteFile(tmp, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err = OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("the leftover temporary file is still there: %v", err)
	}
	st, err := Settle(context.Background(), j, &fakeClient{keys: []remote.APIKey{{ID: "9001", Name: "ci"}}}, SettleOptions{BaseURL: settleURL, Account: settleAccount})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(st.Report, "\n"); !strings.Contains(got, "1 unreadable line(s) skipped") {
		t.Errorf("report %q does not mention the torn line", got)
	}
	if fmt.Sprint(st.Keys) != "[]" && len(st.Keys) != 0 {
		t.Errorf("facts %v, want none (the key's secret was kept)", st.Keys)
	}
}

// TestSettleFileSecretAmbiguous: the secrets file proves a live key's
// secret is kept only by the last four characters the list shows, so a
// tail that more than one live key of the name shares proves nothing. A
// rotation killed after its create was sent but before the new key's
// secret was saved leaves the predecessor's secret in the file; when the
// new key's masked tail happens to equal it, Settle must not take the new
// key for held (it would keep the key nobody holds and delete the
// predecessor, whose secret the file does hold). Found by review: the
// match used to look at the one candidate key only.
func TestSettleFileSecretAmbiguous(t *testing.T) {
	hourAgo := settleNow.Add(-time.Hour)
	const oldSecret = "ml-0123456789abcdef0123456789ab1234"
	tests := []struct {
		name string
		keys []remote.APIKey
		// wantKeep is the id Settle keeps; calls its mutations;
		// predecessors whether the file's secret is in truth the
		// predecessor's (the rotation died before the save).
		wantKeep    string
		calls       []string
		predecessor bool
	}{
		{
			name: "new key's tail equals the predecessor's: not proof, sent again",
			keys: []remote.APIKey{
				{ID: "102", Name: "ci", Key: "ml-…1234", CreatedAt: hourAgo.Add(-100 * 24 * time.Hour)},
				{ID: "50", Name: "ci", Key: "ml-…1234", CreatedAt: hourAgo.Add(time.Second)},
			},
			wantKeep:    "9001", // the key the resend made; its secret is saved
			calls:       []string{"CreateAPIKey ci"},
			predecessor: true,
		},
		{
			name: "only the new key's tail matches: its secret is in the file, kept, nothing sent",
			keys: []remote.APIKey{
				{ID: "102", Name: "ci", Key: "ml-…ffff", CreatedAt: hourAgo.Add(-100 * 24 * time.Hour)},
				{ID: "50", Name: "ci", Key: "ml-…1234", CreatedAt: hourAgo.Add(time.Second)},
			},
			wantKeep: "50",
		},
		{
			name: "a list showing whole keys: the one equal to the file's is held",
			keys: []remote.APIKey{
				{ID: "102", Name: "ci", Key: "ml-ffffffffffffffffffffffffffff1234", CreatedAt: hourAgo.Add(-100 * 24 * time.Hour)},
				{ID: "50", Name: "ci", Key: oldSecret, CreatedAt: hourAgo.Add(time.Second)},
			},
			wantKeep: "50",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			secrets := NewSecretsFile(filepath.Join(t.TempDir(), "secrets.json"))
			if err := secrets.Save("ci", remote.Secret(oldSecret)); err != nil {
				t.Fatal(err)
			}
			writeJournal(t, dir, func(j *Journal) {
				sent(t, j, "ci", hourAgo, func(r *journalRecord) { r.Step, r.Replaces, r.Known = StepReplaceCreate, "102", []string{"102"} })
			})
			j := openJournal(t, dir)
			defer j.Close()
			f := &fakeClient{keys: tt.keys}
			st, err := Settle(context.Background(), j, f, SettleOptions{BaseURL: settleURL, Account: settleAccount, Secrets: secrets, Now: func() time.Time { return settleNow }})
			if err != nil {
				t.Fatal(err)
			}
			var keep string
			for _, k := range st.Keys {
				if k.Fate == plan.FateKeep {
					keep = k.ID
				}
			}
			if keep != tt.wantKeep {
				t.Errorf("Settle keeps key id %q, want %q; facts %+v\nreport:\n%s", keep, tt.wantKeep, st.Keys, strings.Join(st.Report, "\n"))
			}
			if diff := cmp.Diff(tt.calls, f.Mutations()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			got, _, _ := secrets.Lookup("ci")
			held := tt.predecessor && got.Reveal() == oldSecret
			for _, k := range st.Keys {
				if k.ID == "102" && k.Fate == plan.FateDelete && held {
					t.Errorf("Settle deletes the predecessor 102 while the secrets file still holds its secret: facts %+v", st.Keys)
				}
			}
		})
	}
}

// TestJournalAppendAfterTornLine: a run killed while writing a record
// leaves a line without its newline; the next run's first record must
// start a line of its own, or it is glued to the torn one and lost with
// it (Settle's own records, fsynced before a create is sent again, come
// before it rewrites the journal). Found by review: OpenJournal appended
// straight after the torn bytes.
func TestJournalAppendAfterTornLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, JournalFile)
	if err := os.WriteFile(path, []byte(`{"event":"send","entry":"a-1","run":"a"}`+"\n"+`{"event":"send","entry":"b-1","ru`), 0o600); err != nil {
		t.Fatal(err)
	}
	j := openJournal(t, dir)
	entry := sent(t, j, "ci", settleNow, nil)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := ReadJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	var entries []string
	for _, r := range again.records {
		entries = append(entries, r.Entry)
	}
	if diff := cmp.Diff([]string{"a-1", entry}, entries); diff != "" {
		t.Errorf("entries read back (-want +got):\n%s", diff)
	}
	if again.skipped != 1 {
		t.Errorf("%d lines skipped, want 1 (the torn one)", again.skipped)
	}
}

// TestSettleMoreKeysThanCreates: one create, sent once, makes at most one
// key (remote never repeats a create, nor lets net/http repeat it). When
// more new keys of the name are live than open entries could have made,
// some are another run's or a person's, whose secret someone holds, and
// Settle cannot tell which: it deletes none, sends nothing, and says so.
// Found by review: every such key was taken for the entry's orphan, and
// all but the one kept were deleted.
func TestSettleMoreKeysThanCreates(t *testing.T) {
	hourAgo := settleNow.Add(-time.Hour)
	dir := t.TempDir()
	writeJournal(t, dir, func(j *Journal) { sent(t, j, "ci", hourAgo, nil) })
	j := openJournal(t, dir)
	defer j.Close()
	f := &fakeClient{keys: []remote.APIKey{
		{ID: "50", Name: "ci", CreatedAt: hourAgo.Add(time.Second)},
		{ID: "51", Name: "ci", CreatedAt: hourAgo.Add(time.Minute)},
	}}
	st, err := Settle(context.Background(), j, f, SettleOptions{BaseURL: settleURL, Account: settleAccount, Secrets: &memSink{}, Now: func() time.Time { return settleNow }})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range st.Keys {
		if k.Fate == plan.FateDelete || k.Fate == plan.FateReplace {
			t.Errorf("Settle plans to %s key id %s, which it cannot prove its own: facts %+v", k.Fate, k.ID, st.Keys)
		}
	}
	for _, c := range f.Calls() {
		if strings.HasPrefix(c, "Create") || strings.HasPrefix(c, "Delete") {
			t.Errorf("Settle made a call: %s", c)
		}
	}
	report := strings.Join(st.Report, "\n")
	if !strings.Contains(report, "key ids 50, 51") || !strings.Contains(report, "cannot tell") {
		t.Errorf("report does not name the keys it cannot attribute:\n%s", report)
	}
}

// TestSettleResendSurvivesCtrlC: the create Settle sends again is a call
// whose answer carries a secret; like Run's calls, once started it is not
// cut short by an interrupt (ctx), so its answer, and the secret, are
// kept. Found by review: the resend ran under ctx itself.
func TestSettleResendSurvivesCtrlC(t *testing.T) {
	hourAgo := settleNow.Add(-time.Hour)
	dir := t.TempDir()
	writeJournal(t, dir, func(j *Journal) { sent(t, j, "ci", hourAgo, nil) })
	j := openJournal(t, dir)
	defer j.Close()
	f := &fakeClient{keys: []remote.APIKey{{ID: "50", Name: "ci", CreatedAt: hourAgo.Add(time.Second)}},
		gate: make(chan struct{}), started: make(chan string, 1)}
	sink := &memSink{}
	ctx, interrupt := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := Settle(ctx, j, f, SettleOptions{BaseURL: settleURL, Account: settleAccount, Secrets: sink, Now: func() time.Time { return settleNow }})
		done <- err
	}()
	if c := <-f.started; c != "CreateAPIKey ci" {
		t.Fatalf("first mutation %q, want the create sent again", c)
	}
	interrupt()
	close(f.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	cut := f.cancelledInside
	f.mu.Unlock()
	if cut != 0 {
		t.Errorf("the create sent again saw its context cancelled by the interrupt")
	}
	if _, ok := sink.keys["ci"]; !ok {
		t.Errorf("the secret of the create sent again was not kept")
	}
}

// TestSettleNoResendIntoABrokenSecretsFile: a create sent again is worth
// it only if its secret can be kept; into a secrets file that cannot take
// it, a server that ignores idempotency keys would make one more key
// nobody holds on every apply. Settle checks the file first and sends
// nothing. Found by review: the file was first checked after the prompt,
// long after settling had sent the create.
func TestSettleNoResendIntoABrokenSecretsFile(t *testing.T) {
	hourAgo := settleNow.Add(-time.Hour)
	dir := t.TempDir()
	writeJournal(t, dir, func(j *Journal) { sent(t, j, "ci", hourAgo, nil) })
	j := openJournal(t, dir)
	defer j.Close()
	path := filepath.Join(t.TempDir(), "secrets.json")
	if err := os.WriteFile(path, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &fakeClient{keys: []remote.APIKey{{ID: "50", Name: "ci", CreatedAt: hourAgo.Add(time.Second)}}}
	st, err := Settle(context.Background(), j, f, SettleOptions{BaseURL: settleURL, Account: settleAccount, Secrets: NewSecretsFile(path), Now: func() time.Time { return settleNow }})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Calls() {
		if strings.HasPrefix(c, "Create") {
			t.Errorf("Settle sent %s although the secrets file cannot keep its secret", c)
		}
	}
	if want := []plan.SettledKey{{ID: "50", Name: "ci", Fate: plan.FateReplace, Reason: "its secret was never received (interrupted apply at 2026-12-03 11:00:00 UTC)"}}; !cmp.Equal(want, st.Keys) {
		t.Errorf("facts %+v, want %+v", st.Keys, want)
	}
	if report := strings.Join(st.Report, "\n"); !strings.Contains(report, "not sent again") {
		t.Errorf("report does not say why the create was not sent again:\n%s", report)
	}
}

// teamFails is a fakeClient whose team cannot be read.
type teamFails struct{ *fakeClient }

func (teamFails) ListTeam(context.Context) ([]remote.TeamMember, error) {
	return nil, errors.New("503 from GET /teams")
}

// TestSettleReadsBeforeItSends: Settle fails, changing nothing, when the
// account cannot be read; so it reads all it needs (keys and team) before
// it sends any create again. Found by review: the team was read after the
// resends, and its failure returned no Settlement, so the command said
// "nothing was changed" (exit 1) about a key the resend had made.
func TestSettleReadsBeforeItSends(t *testing.T) {
	hourAgo := settleNow.Add(-time.Hour)
	dir := t.TempDir()
	writeJournal(t, dir, func(j *Journal) {
		sent(t, j, "ci", hourAgo, nil)
		sent(t, j, "dave@example.com", hourAgo, func(r *journalRecord) { r.Address = "team_member.dave@example.com" })
	})
	j := openJournal(t, dir)
	defer j.Close()
	f := &fakeClient{keys: []remote.APIKey{{ID: "50", Name: "ci", CreatedAt: hourAgo.Add(time.Second)}}}
	if _, err := Settle(context.Background(), j, teamFails{f}, SettleOptions{BaseURL: settleURL, Account: settleAccount, Secrets: &memSink{}, Now: func() time.Time { return settleNow }}); err == nil {
		t.Fatal("Settle succeeded although the team could not be read")
	}
	for _, c := range f.Calls() {
		if strings.HasPrefix(c, "Create") {
			t.Errorf("Settle sent %s and then failed on a read", c)
		}
	}
}

// TestSettleKeepsANotYetMadeCreate: a create in flight when its run died
// may be committed by the server after the next run has listed the keys.
// So an open entry whose key is not live yet stays in the journal for a
// while: when the key appears after the next run made its own, the run
// after that deletes it (nobody holds its secret) instead of refusing two
// keys of one name forever. Found by review: such an entry was cleared at
// once ("not made"), the late key was then nobody's, and every later plan
// refused the name (the 3-of-5 duplicates).
func TestSettleKeepsANotYetMadeCreate(t *testing.T) {
	dead := settleNow.Add(-time.Minute)
	dir := t.TempDir()
	writeJournal(t, dir, func(j *Journal) { sent(t, j, "ci", dead, nil) })
	settle := func(keys []remote.APIKey, extra func(j *Journal)) *Settlement {
		t.Helper()
		j := openJournal(t, dir)
		defer j.Close()
		st, err := Settle(context.Background(), j, &fakeClient{keys: keys}, SettleOptions{BaseURL: settleURL, Account: settleAccount, Secrets: &memSink{}, Now: func() time.Time { return settleNow }})
		if err != nil {
			t.Fatal(err)
		}
		if extra != nil {
			extra(j)
		}
		return st
	}
	// The next run: the key is not live yet; it creates its own, 61.
	if st := settle(nil, func(j *Journal) {
		answered(t, j, sent(t, j, "ci", settleNow, func(r *journalRecord) { r.Run = "next" }), "61", true, settleNow)
	}); len(st.Keys) != 0 {
		t.Fatalf("facts %+v, want none (nothing live yet)", st.Keys)
	}
	// Then the dead run's create is committed (key 60), late.
	st := settle([]remote.APIKey{{ID: "60", Name: "ci", CreatedAt: settleNow}, {ID: "61", Name: "ci", CreatedAt: settleNow}}, nil)
	want := []plan.SettledKey{{ID: "61", Name: "ci", Fate: plan.FateKeep},
		{ID: "60", Name: "ci", Fate: plan.FateDelete, Reason: "made by an interrupted apply at 2026-12-03 11:59:00 UTC, and nobody holds its secret (key id 61 does)"}}
	if diff := cmp.Diff(want, st.Keys); diff != "" {
		t.Errorf("facts once the late key is live (-want +got):\n%s\nreport:\n%s", diff, strings.Join(st.Report, "\n"))
	}
}
