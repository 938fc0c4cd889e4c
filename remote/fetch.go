package remote

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// Fetch reads the live state a plan needs with the fewest requests: one GET
// /me, and the list pages of the sections opts asks for, all in parallel
// (each list reads its page 1, then its other pages at most
// PageConcurrency at once). Sections not asked for are nil in the State;
// sections asked for are non-nil, possibly empty. The first failure cancels
// the rest and is returned.
func (c *Client) Fetch(ctx context.Context, opts FetchOptions) (*State, error) {
	st := &State{BaseURL: c.root}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		p, err := c.Me(gctx)
		if err != nil {
			return err
		}
		st.Profile = *p
		return nil
	})
	if opts.APIKeys {
		g.Go(func() (err error) {
			st.APIKeys, err = c.ListAPIKeys(gctx)
			return err
		})
	}
	if opts.Team {
		g.Go(func() (err error) {
			st.Team, err = c.ListTeam(gctx)
			return err
		})
	}
	if opts.Tokens {
		g.Go(func() (err error) {
			st.Tokens, err = c.ListTokens(gctx)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return st, nil
}
