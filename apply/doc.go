// Package apply executes a plan.Plan against the live account, as data: the
// changes a reviewer saw are exactly the calls it makes, in the phases of
// CONTRACT.md (account, key creates, key updates, key deletes, team invites,
// team updates, team removals, token revocations), up to Options.Parallelism
// calls at a time within a phase, printed in a deterministic order.
//
// It owns what makes apply safe to run and to re-run: the rails checked
// before any change (CheckRails), an Idempotency-Key on every mutation
// derived from the plan and the action (IdempotencyKey), reading the live
// state before deciding when a create's response was lost (and deleting a
// key made that way, whose secret nobody can ever read, so that a re-run
// creates it afresh instead of finding two keys of one name), noticing
// idempotent replays (an identical plan applied again within the server's
// 24 hours gets the first answers back, stale if someone reverted the
// change by hand) and reading the live state to make a stale one again,
// right after the replayed call and before its step's one line; skipping the delete half of a replace whose
// create failed, finishing in-flight calls on
// Ctrl-C, and handing each new API key secret to a SecretSink the moment it
// exists (SecretsFile writes them 0600, merged atomically under a lock that
// other processes writing the same file respect). Its state outlives a run
// in a directory per API and account (StateRoot, AccountStateDir,
// MakeAccountStateDir): the account lock there (LockAccount, an flock the
// system drops when its holder dies) keeps two applies of one account on
// one machine apart, and the journal beside it lets the next run settle
// what a dead one left.
//
// It also owns what makes apply lose nothing when the server ignores
// Idempotency-Key or the run dies (docs/apply-safety.md):
//
//   - The journal (OpenJournal, Options.Journal; journal.go): every create
//     (key, replacement key, invite) is appended and fsynced before it is
//     sent, its answer once safe (a key's only after its secret is in the
//     SecretSink, or, with none, after its line has shown it), a refusal
//     as not made; never a secret, mode 0600.
//
//   - Settle (settle.go), which the command runs after locking the account
//     and reading it, before planning:
//
//     Settle(ctx, j *Journal, client Client, opts SettleOptions) (*Settlement, error)
//
//     It settles each open or unfinished entry against the live account
//     (a key whose secret is kept is done; one without is sent once more
//     under its idempotency key, else replaced; a rotation cut off between
//     create and delete is finished; keys of one name made twice are
//     resolved by which secret is kept; more new keys of a name than its
//     open entries can have made are nobody's to delete; entries of
//     another account or past the 24-hour replay window are reported and
//     cleared) and returns Settlement.Keys, facts by live key id for
//     plan.Options.Settled (the plan stays pure and gives each fact's
//     reason), Settlement.Report, one line per entry for the user, and
//     Settlement.Made, the keys a create sent again made anew (the account
//     changed before any plan was shown: the command then never exits 1
//     or 3). SettleOptions.ReadOnly sends nothing and leaves the journal
//     as it is.
//
//   - No blind creates (exec.go): remote never repeats a create that may
//     have reached the server; a lost answer is settled by reading the keys
//     or the team, and the create is made again by apply, bounded and
//     journaled; a key made without its answer is sent once more, then
//     deleted. A create answered without a whole secret
//     (*remote.SecretNotReturnedError) fails its step.
//
//   - Overlaps (journal_run.go): after the key creates, keys of those names
//     that this run did not make and the plan did not know are reported in
//     Result.Overlaps (exit 4).
//
//   - Forced stops (Options.Forced, ForceGrace): the steps still running
//     after the grace are Outcome Unknown, counted as changes
//     (Result.Forced, Result.Unknown).
//
// It must not compute plans (package plan does), build URLs or read response
// envelopes (package remote does), switch accounts (the command's connection
// does), or let a secret reach its output, its errors or its Result: the only
// ways out for a new key are the SecretSink, the GitHub Actions mask and, when
// the caller asks for it on a terminal, one clearly marked line. Nor may it
// print live data raw: names and server messages go through plan's cleaners
// (SanitizeLine for text, MarkdownCode and MarkdownText for the step summary),
// so an account cannot forge lines of a terminal, a CI log or a job page.
package apply
