package plan

// accessTokens plans `access_tokens:` when present: every live token whose
// name matches no `keep` glob is revoked, except the token making the
// requests (Current), which is never revoked.
func (b *builder) accessTokens() error {
	at := b.spec.AccessTokens
	if at == nil {
		return nil
	}
	keep, err := compileGlobs("access_tokens.keep", at.Keep, false)
	if err != nil {
		return err
	}
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
