package plan

import (
	"strings"

	"github.com/mlabctl/mlabctl/remote"
)

// accessTokens plans `access_tokens:` when present: every live token whose
// name matches no `keep` glob is revoked, except the token making the
// requests (Current), which is never revoked. When no live token is
// Current (a server that does not say, and a token whose id the client
// cannot prove), the plan fails rather than revoke blind: any of the
// tokens could be the one in use.
//
// For the mass-deletion rail every live token is a managed item, the
// current one included: `access_tokens:` governs them all (a kept token is
// like a declared key), and the rail measures how much of what the user
// has the plan takes away.
func (b *builder) accessTokens() error {
	at := b.spec.AccessTokens
	if at == nil {
		return nil
	}
	keep, err := compileGlobs("access_tokens.keep", at.Keep, false)
	if err != nil {
		return err
	}
	b.countManaged(sectionAccessTokens, len(b.live.Tokens))
	// Without a token marked current, any of them may be the one this run
	// uses: revoke none (API.md, last section: never revoke blind).
	known := remote.CurrentTokenKnown(b.live.Tokens)
	var blind []string
	for _, t := range b.live.Tokens {
		if t.Current {
			continue
		}
		if _, ok := keep.match(t.Name); ok {
			continue
		}
		if !known {
			blind = append(blind, Address{Kind: KindAccessToken, Name: t.Name, ID: t.ID.String()}.String())
			continue
		}
		note := "id " + t.ID.String()
		if t.CreatedAt != nil {
			note += ", created " + day(*t.CreatedAt)
		}
		if t.LastUsedAt != nil {
			note += ", last used " + day(*t.LastUsedAt)
		}
		b.add(Change{
			Address: Address{Kind: KindAccessToken, Name: t.Name, ID: t.ID.String()},
			Action:  Delete,
			Before:  map[string]any{"name": t.Name},
			LiveID:  t.ID.String(),
			Reason:  "matches no access_tokens.keep glob",
			Note:    note,
		})
	}
	if len(blind) > 0 {
		b.problem(at.Pos, "access_tokens: the API's token list does not say which token this run uses (no token is marked \"current\"), so mlabctl plans no revocation: any of %s may be the one in use; run with a token whose id it can read (a Sanctum token \"<id>|<secret>\"), keep those tokens in access_tokens.keep, or remove access_tokens from modelslab.yaml and revoke them by id with `mlabctl auth tokens revoke`",
			strings.Join(blind, ", "))
	}
	return nil
}
