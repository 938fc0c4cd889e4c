package remote

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mlabctl/mlabctl/emulator"
)

// These tests drive every endpoint of API.md against the emulator, playing
// each reading of emulator.Matrix, and check the answers against the
// emulator's own view of its state.

func TestEmulatorAuthLifecycle(t *testing.T) { forEachVariant(t, testEmulatorAuthLifecycle) }

func testEmulatorAuthLifecycle(t *testing.T, e *emu) {
	ctx := context.Background()
	anon := e.client(t, "", nil)

	// Signup, then verify with the mailed code.
	su, err := anon.Signup(ctx, SignupRequest{Email: "new@example.com", Password: "first-password-1", Name: "New User"})
	if err != nil {
		t.Fatalf("Signup: %v", err)
	}
	if su.User.Email != "new@example.com" || su.Message == "" {
		t.Errorf("Signup = %+v, want the user and a message", su)
	}
	if _, err := anon.ResendVerification(ctx, "new@example.com"); err != nil {
		t.Fatalf("ResendVerification: %v", err)
	}
	code := e.lastMail(t, "new@example.com", "verification")
	ver, err := anon.VerifyEmail(ctx, code)
	if err != nil {
		t.Fatalf("VerifyEmail: %v", err)
	}
	if ver.AccessToken.IsZero() || ver.User == nil || ver.User.Email != "new@example.com" {
		t.Fatalf("VerifyEmail = %+v, want a token and the user", ver)
	}

	// Login with scopes and an expiry.
	li, err := anon.Login(ctx, LoginRequest{Email: "new@example.com", Password: "first-password-1", DeviceName: "laptop", TokenExpiry: "1_week", Scopes: []string{"profile:read", "tokens:read"}})
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if diff := cmp.Diff([]string{"profile:read", "tokens:read"}, li.Scopes); diff != "" {
		t.Errorf("Login scopes (-want +got):\n%s", diff)
	}
	if li.TokenExpiry != "1_week" || li.ExpiresAt == nil {
		t.Errorf("Login expiry = %q %v, want 1_week with a date", li.TokenExpiry, li.ExpiresAt)
	}
	user := anon.WithToken(li.AccessToken)
	me, err := user.Me(ctx)
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	if me.Email != "new@example.com" || me.Name != "New User" {
		t.Errorf("Me = %+v", me)
	}
	toks, err := user.ListTokens(ctx)
	if err != nil {
		t.Fatalf("ListTokens: %v", err)
	}
	var current []string
	for _, tk := range toks {
		if tk.Current {
			current = append(current, tk.Name)
		}
	}
	if diff := cmp.Diff([]string{"laptop"}, current); diff != "" {
		t.Errorf("current tokens (-want +got):\n%s", diff)
	}

	// Refresh revokes the old token.
	ref, err := user.Refresh(ctx, RefreshRequest{TokenExpiry: "1_month"})
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if _, err := user.Me(ctx); !IsUnauthenticated(err) {
		t.Errorf("Me with the refreshed-away token: %v, want 401", err)
	}
	user = user.WithToken(ref.AccessToken)
	if _, err := user.Me(ctx); err != nil {
		t.Fatalf("Me with the new token: %v", err)
	}
	// Logout revokes it.
	if err := user.Logout(ctx); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	if _, err := user.Me(ctx); !IsUnauthenticated(err) {
		t.Errorf("Me after logout: %v, want 401", err)
	}

	// Forgot and reset the password, then log in with the new one.
	if err := anon.ForgotPassword(ctx, "new@example.com"); err != nil {
		t.Fatalf("ForgotPassword: %v", err)
	}
	if err := anon.ForgotPassword(ctx, "nobody@example.com"); err != nil {
		t.Errorf("ForgotPassword of an unknown email: %v, want success (no enumeration)", err)
	}
	reset := e.lastMail(t, "new@example.com", "password_reset")
	if err := anon.ResetPassword(ctx, ResetPasswordRequest{Email: "new@example.com", Token: Secret(reset), Password: "second-password-2"}); err != nil {
		t.Fatalf("ResetPassword: %v", err)
	}
	if _, err := anon.Login(ctx, LoginRequest{Email: "new@example.com", Password: "first-password-1", DeviceName: "x"}); !IsUnauthenticated(err) {
		t.Errorf("Login with the old password: %v, want 401", err)
	}
	l2, err := anon.Login(ctx, LoginRequest{Email: "new@example.com", Password: "second-password-2", DeviceName: "x"})
	if err != nil {
		t.Fatalf("Login with the new password: %v", err)
	}
	if _, err := anon.Login(ctx, LoginRequest{Email: "new@example.com", Password: "second-password-2", DeviceName: "y"}); err != nil {
		t.Fatalf("second Login: %v", err)
	}

	// Logout-all revokes every token of the user.
	u2 := anon.WithToken(l2.AccessToken)
	if err := u2.LogoutAll(ctx); err != nil {
		t.Fatalf("LogoutAll: %v", err)
	}
	if _, err := u2.Me(ctx); !IsUnauthenticated(err) {
		t.Errorf("Me after logout-all: %v, want 401", err)
	}

	// Scopes need no token.
	scopes, err := anon.Scopes(ctx)
	if err != nil {
		t.Fatalf("Scopes: %v", err)
	}
	if !slices.ContainsFunc(scopes, func(s ScopeInfo) bool { return s.Scope == "api-keys:read" && s.Description != "" }) {
		t.Errorf("Scopes = %v, want api-keys:read with a description", scopes)
	}
}

func TestEmulatorProfile(t *testing.T) { forEachVariant(t, testEmulatorProfile) }

func testEmulatorProfile(t *testing.T, e *emu) {
	ctx := context.Background()
	str := func(s string) *string { return &s }
	yes, no, ten := true, false, 10.0

	p, err := e.c.UpdateProfile(ctx, ProfileUpdate{Name: str("Acme Automation"), AboutMe: str("Pipelines.")})
	if err != nil {
		t.Fatalf("UpdateProfile: %v", err)
	}
	if p.Name != "Acme Automation" || p.AboutMe != "Pipelines." || p.Username != e.demo.Username {
		t.Errorf("UpdateProfile = %+v", p)
	}
	p, err = e.c.UpdateSocials(ctx, SocialsUpdate{GitHub: str("acme"), Website: str("https://acme.example")})
	if err != nil {
		t.Fatalf("UpdateSocials: %v", err)
	}
	wantSocials := Socials{GitHub: "acme", Website: "https://acme.example"}
	if e.v.Socials == "documented" {
		// The server drops website: it is not reported, so not known.
		wantSocials = Socials{GitHub: "acme", Unreported: []string{"website"}}
	}
	if diff := cmp.Diff(wantSocials, p.Socials); diff != "" {
		t.Errorf("socials (-want +got):\n%s", diff)
	}
	p, err = e.c.UpdatePreferences(ctx, PreferencesUpdate{NSFWContent: &no, WalletNotificationEnabled: &yes, WalletNotificationThreshold: &ten})
	if err != nil {
		t.Fatalf("UpdatePreferences: %v", err)
	}
	if diff := cmp.Diff(Preferences{WalletNotificationEnabled: true, WalletNotificationThreshold: 10}, p.Preferences); diff != "" {
		t.Errorf("preferences (-want +got):\n%s", diff)
	}

	me, err := e.c.Me(ctx)
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	snap := e.snapshot(t)
	want := Profile{
		ID: ID(itoa(snap.ID)), Name: snap.Name, Username: snap.Username, Email: snap.Email, AboutMe: snap.AboutMe,
		Verified: snap.Verified, WalletBalance: snap.WalletBalance,
		Socials: Socials{Facebook: snap.Socials["facebook"], GitHub: snap.Socials["github"], Twitter: snap.Socials["twitter"],
			Instagram: snap.Socials["instagram"], Discord: snap.Socials["discord"], Website: snap.Socials["website"], Unreported: wantSocials.Unreported},
		Preferences: Preferences(snap.Preferences),
	}
	if diff := cmp.Diff(want, *me); diff != "" {
		t.Errorf("Me vs the emulator's state (-want +got):\n%s", diff)
	}

	if err := e.c.UpdatePassword(ctx, Secret(e.demo.Password), "a-new-password-9"); err != nil {
		t.Fatalf("UpdatePassword: %v", err)
	}
	anon := e.client(t, "", nil)
	if _, err := anon.Login(ctx, LoginRequest{Email: e.demo.Email, Password: "a-new-password-9", DeviceName: "t"}); err != nil {
		t.Errorf("Login with the changed password: %v", err)
	}
	if err := e.c.UpdatePassword(ctx, "wrong-current-pw", "another-one-10"); !IsValidation(err) && !IsUnauthenticated(err) {
		t.Errorf("UpdatePassword with a wrong current password: %v, want 422 or 401", err)
	}
}

func TestEmulatorAPIKeys(t *testing.T) { forEachVariant(t, testEmulatorAPIKeys) }

func testEmulatorAPIKeys(t *testing.T, e *emu) {
	ctx := context.Background()
	notes := "Used by CI"

	created, err := e.c.CreateAPIKey(ctx, APIKeyCreate{Name: "ci-new", Notes: &notes})
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	var stored emulator.Key
	for _, k := range e.snapshot(t).APIKeys {
		if k.Name == "ci-new" {
			stored = k
		}
	}
	if created.Key.Reveal() != stored.Key || stored.Key == "" {
		t.Errorf("created key is not the whole secret the emulator stored")
	}
	if created.Name != "ci-new" || created.Notes != notes || created.ID != ID(itoa(stored.ID)) {
		t.Errorf("CreateAPIKey = %+v", created)
	}

	got, err := e.c.GetAPIKey(ctx, created.ID)
	if err != nil {
		t.Fatalf("GetAPIKey: %v", err)
	}
	switch {
	case e.v.WholeKeysInLists && got.Key.Reveal() != stored.Key:
		t.Errorf("GetAPIKey key is not the whole key the server sent")
	case !e.v.WholeKeysInLists && (got.Key.Reveal() == stored.Key || !strings.HasSuffix(got.Key.Reveal(), stored.Key[len(stored.Key)-4:])):
		t.Errorf("GetAPIKey key is not masked to its last four characters")
	}

	newName := "ci-renamed"
	up, err := e.c.UpdateAPIKey(ctx, created.ID, APIKeyUpdate{Name: &newName})
	if err != nil {
		t.Fatalf("UpdateAPIKey: %v", err)
	}
	if up.Name != newName || up.Notes != notes {
		t.Errorf("UpdateAPIKey = %+v, want the new name and the old notes", up)
	}

	list, err := e.c.ListAPIKeys(ctx)
	if err != nil {
		t.Fatalf("ListAPIKeys: %v", err)
	}
	snap := e.snapshot(t)
	var want, gotNames []string
	for _, k := range snap.APIKeys {
		want = append(want, itoa(k.ID)+" "+k.Name)
	}
	storedKeys := map[string]string{}
	for _, k := range snap.APIKeys {
		storedKeys[itoa(k.ID)] = k.Key
	}
	for _, k := range list {
		gotNames = append(gotNames, k.ID.String()+" "+k.Name)
		switch {
		case e.v.WholeKeysInLists && k.Key.Reveal() != storedKeys[k.ID.String()]:
			// A server whose lists show whole keys: read as sent (a Secret).
			t.Errorf("listed key %q is not the whole stored key", k.Name)
		case !e.v.WholeKeysInLists && k.Key.Reveal() != "" && !strings.Contains(k.Key.Reveal(), "…"):
			t.Errorf("listed key %q is not masked", k.Name)
		}
	}
	if diff := cmp.Diff(want, gotNames); diff != "" {
		t.Errorf("ListAPIKeys (-want +got):\n%s", diff)
	}

	if err := e.c.DeleteAPIKey(ctx, created.ID); err != nil {
		t.Fatalf("DeleteAPIKey: %v", err)
	}
	if _, err := e.c.GetAPIKey(ctx, created.ID); !IsNotFound(err) {
		t.Errorf("GetAPIKey after delete: %v, want 404", err)
	}
	if err := e.c.DeleteAPIKey(ctx, created.ID); !IsNotFound(err) {
		t.Errorf("second DeleteAPIKey: %v, want 404", err)
	}
}

func TestEmulatorTeam(t *testing.T) { forEachVariant(t, testEmulatorTeam) }

func testEmulatorTeam(t *testing.T, e *emu) {
	ctx := context.Background()

	inv, err := e.c.InviteMember(ctx, InviteRequest{Email: "dave@example.com", Role: "member", Permissions: []string{"api-keys"}})
	if err != nil {
		t.Fatalf("InviteMember: %v", err)
	}
	if inv.Status != StatusPending || inv.InviteID == "" || inv.Email != "dave@example.com" {
		t.Fatalf("InviteMember = %+v, want a pending invite with an invite id", inv)
	}
	if code := e.lastMail(t, "dave@example.com", "invite"); code != inv.InviteID {
		t.Errorf("mailed invite code %q, want the invite id %q", code, inv.InviteID)
	}
	got, err := e.c.GetMember(ctx, inv.ID)
	if err != nil {
		t.Fatalf("GetMember: %v", err)
	}
	if diff := cmp.Diff(*inv, *got, cmpopts.EquateApproxTime(0)); diff != "" {
		t.Errorf("GetMember vs the invite (-want +got):\n%s", diff)
	}
	role := "admin"
	perms := []string{}
	up, err := e.c.UpdateMember(ctx, inv.ID, MemberUpdate{Role: &role, Permissions: &perms})
	if err != nil {
		t.Fatalf("UpdateMember: %v", err)
	}
	if up.Role != "admin" || len(up.Permissions) != 0 {
		t.Errorf("UpdateMember = %+v, want admin without permissions", up)
	}
	if _, err := e.c.ResendInvite(ctx, inv.ID); err != nil {
		t.Fatalf("ResendInvite: %v", err)
	}

	// The invitee accepts with their own token.
	e.srv.AddUser(emulator.UserSeed{Email: "dave@example.com", Username: "dave", Verified: true})
	dave := e.client(t, e.srv.IssueToken("dave", "dave-laptop", []string{"*"}, 0), nil)
	if _, err := e.c.AcceptInvite(ctx, inv.InviteID); err == nil {
		t.Errorf("AcceptInvite with the inviter's token succeeded; want a refusal")
	}
	acc, err := dave.AcceptInvite(ctx, inv.InviteID)
	if err != nil {
		t.Fatalf("AcceptInvite: %v", err)
	}
	if acc.Status != StatusActive {
		t.Errorf("accepted member status = %q, want active", acc.Status)
	}
	if _, err := e.c.ResendInvite(ctx, inv.ID); !IsConflict(err) {
		t.Errorf("ResendInvite to an active member: %v, want 409", err)
	}

	list, err := e.c.ListTeam(ctx)
	if err != nil {
		t.Fatalf("ListTeam: %v", err)
	}
	var want, gotEmails []string
	for _, m := range e.snapshot(t).Team {
		want = append(want, m.Email+" "+m.Status)
	}
	for _, m := range list {
		gotEmails = append(gotEmails, m.Email+" "+m.Status)
	}
	if diff := cmp.Diff(want, gotEmails); diff != "" {
		t.Errorf("ListTeam (-want +got):\n%s", diff)
	}

	if err := e.c.RemoveMember(ctx, inv.ID); err != nil {
		t.Fatalf("RemoveMember: %v", err)
	}
	if _, err := e.c.GetMember(ctx, inv.ID); !IsNotFound(err) {
		t.Errorf("GetMember after remove: %v, want 404", err)
	}
}

func TestEmulatorTokensAndSwitch(t *testing.T) { forEachVariant(t, testEmulatorTokensAndSwitch) }

func testEmulatorTokensAndSwitch(t *testing.T, e *emu) {
	ctx := context.Background()

	other := e.token("other-laptop", "*")
	toks, err := e.c.ListTokens(ctx)
	if err != nil {
		t.Fatalf("ListTokens: %v", err)
	}
	var names []string
	var otherID ID
	for _, tk := range toks {
		names = append(names, tk.Name)
		if tk.Name == "other-laptop" {
			otherID = tk.ID
		}
	}
	var want []string
	for _, tk := range e.snapshot(t).Tokens {
		want = append(want, tk.Name)
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("ListTokens (-want +got):\n%s", diff)
	}
	if err := e.c.RevokeToken(ctx, otherID); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if _, err := e.client(t, other, nil).Me(ctx); !IsUnauthenticated(err) {
		t.Errorf("Me with the revoked token: %v, want 401", err)
	}
	e.token("third", "*")
	n, err := e.c.RevokeOtherTokens(ctx)
	if err != nil {
		t.Fatalf("RevokeOtherTokens: %v", err)
	}
	if n < 1 {
		t.Errorf("RevokeOtherTokens = %d, want at least 1", n)
	}
	if left := e.snapshot(t).Tokens; len(left) != 1 {
		t.Errorf("tokens left = %d, want 1 (the caller's)", len(left))
	}

	// Switch into a team account the demo user is an active member of.
	e.srv.AddUser(emulator.UserSeed{Email: "team@acme.example", Username: "acme-team", Team: true})
	e.srv.AddMember("acme-team", emulator.Member{Email: e.demo.Email, Role: "admin", Status: "active"})
	sw, err := e.c.SwitchAccount(ctx, "acme-team", []string{"api-keys:read", "profile:read"})
	if err != nil {
		t.Fatalf("SwitchAccount: %v", err)
	}
	if sw.Account.Username != "acme-team" || sw.AccessToken.IsZero() {
		t.Fatalf("SwitchAccount = %+v", sw)
	}
	team := e.c.WithToken(sw.AccessToken)
	me, err := team.Me(ctx)
	if err != nil {
		t.Fatalf("Me as the team: %v", err)
	}
	if me.Username != "acme-team" {
		t.Errorf("Me as the team = %q, want acme-team", me.Username)
	}
	if _, err := team.ListTeam(ctx); err == nil {
		t.Errorf("ListTeam with a token without teams:read succeeded")
	} else if s, ok := InsufficientScope(err); !ok || s != "teams:read" {
		t.Errorf("ListTeam error = %v, want insufficient scope teams:read", err)
	}
	if _, err := e.c.SwitchAccount(ctx, "no-such-team", nil); !IsNotFound(err) {
		t.Errorf("SwitchAccount to an unknown team: %v, want 404", err)
	}
}

// itoa formats an emulator id the way the API sends it.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
