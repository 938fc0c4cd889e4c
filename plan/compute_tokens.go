package plan

// accessTokens plans `access_tokens:` when present: every live token whose
// name matches no `keep` glob is revoked, except the token making the
// requests (Current), which is never revoked.
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
	for _, t := range b.live.Tokens {
		if t.Current {
			continue
		}
		if _, ok := keep.match(t.Name); ok {
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
	return nil
}
