package plan

// UniqueAddresses returns, parallel to p.Changes, the address every
// renderer, --allow-delete, --target and the JSON plan name each change by:
// its Address, followed by "#" and its live id when another change of the
// plan has the same address. Two changes share an address when two live
// keys have one name (both deleted), when a pinned rename takes the name of
// a key that is deleted, or when a retiring predecessor is deleted beside
// its successor: then `api_key.production#101` and `api_key.production#102`
// tell them apart. A change without a live id (a create) keeps the plain
// address, which the others' suffixes leave to it alone.
//
// The address of the change itself stays Address (kind and name): the
// suffix is how the plan names it, not what it acts on (LiveID is).
func (p *Plan) UniqueAddresses() []string {
	count := make(map[string]int, len(p.Changes))
	plain := make([]string, len(p.Changes))
	for i, c := range p.Changes {
		plain[i] = c.Address.String()
		count[plain[i]]++
	}
	out := make([]string, len(p.Changes))
	for i, c := range p.Changes {
		out[i] = plain[i]
		if count[plain[i]] > 1 && c.LiveID != "" && c.Address.Kind != KindAccessToken {
			// An access token's address holds its id already.
			out[i] += "#" + c.LiveID
		}
	}
	return out
}

// ChangeRefs maps each unique address of p (UniqueAddresses) to the index
// of its change, for --allow-delete and --target matching.
func (p *Plan) ChangeRefs() map[string]int {
	refs := p.UniqueAddresses()
	m := make(map[string]int, len(refs))
	for i, r := range refs {
		m[r] = i
	}
	return m
}
