package apply

import (
	"context"
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
	j, err := OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	write(j)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
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
			j, err := OpenJournal(dir)
			if err != nil {
				t.Fatal(err)
			}
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
			var mutations []string
			for _, c := range f.Calls() {
				if !strings.HasPrefix(c, "List") && !strings.HasPrefix(c, "Get") {
					mutations = append(mutations, c)
				}
			}
			if diff := cmp.Diff(tt.calls, mutations); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if tt.readOnly {
				return
			}
			again, err := OpenJournal(dir)
			if err != nil {
				t.Fatal(err)
			}
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
	j, err := OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
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
