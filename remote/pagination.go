package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"golang.org/x/sync/errgroup"
)

// perPage is the page size the client asks for: the API's maximum.
const perPage = 100

// MaxListPages caps how many pages one list may have. At 100 items a page
// that is a million items, far past any real account; a server claiming
// more is broken or lying, and the client refuses instead of sending a
// million requests.
const MaxListPages = 10000

// listAll reads every item of a list endpoint: page 1 first, then pages
// 2..last_page concurrently (at most PageConcurrency at once), assembled in
// page order. An answer without meta.pagination (a bare array included) is
// the complete list. The result is never nil. idOf names an item for the
// duplicate check.
func listAll[T any](ctx context.Context, c *Client, path string, idOf func(*T) ID) ([]T, error) {
	first, p, err := listPage[T](ctx, c, path, 1)
	if err != nil {
		return nil, err
	}
	if first == nil {
		first = []T{}
	}
	if p == nil {
		return first, nil
	}
	if err := checkPagination(path, p); err != nil {
		return nil, err
	}
	if p.LastPage <= 1 {
		if p.Total > 0 && int(p.Total) != len(first) {
			return nil, fmt.Errorf("GET %s: the server says the list has %d items on one page, but sent %d", path, p.Total, len(first))
		}
		return first, nil
	}
	last := int(p.LastPage)

	pages := make([][]T, last+1)
	pages[1] = first
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.opts.PageConcurrency)
	for n := 2; n <= last; n++ {
		g.Go(func() error {
			items, pn, err := listPage[T](gctx, c, path, n)
			if err != nil {
				return err
			}
			if pn != nil && (pn.Total != p.Total || pn.LastPage != p.LastPage) {
				return fmt.Errorf("GET %s: the list changed while it was read (page 1 said %d items on %d pages, page %d says %d on %d); run the command again",
					path, p.Total, p.LastPage, n, pn.Total, pn.LastPage)
			}
			if pn != nil && pn.Page != 0 && int(pn.Page) != n {
				return fmt.Errorf("GET %s: asked for page %d, the server answered page %d", path, n, pn.Page)
			}
			pages[n] = items
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	all := make([]T, 0, int(p.Total))
	seen := make(map[ID]int, int(p.Total))
	for n := 1; n <= last; n++ {
		for i := range pages[n] {
			if id := idOf(&pages[n][i]); id != "" {
				if prev, dup := seen[id]; dup {
					return nil, fmt.Errorf("GET %s: id %q is on page %d and page %d: the list changed while it was read, or the server ignores ?page; run the command again", path, id, prev, n)
				}
				seen[id] = n
			}
		}
		all = append(all, pages[n]...)
	}
	if p.Total > 0 && len(all) != int(p.Total) {
		return nil, fmt.Errorf("GET %s: the server says the list has %d items, but its %d pages held %d; run the command again", path, p.Total, last, len(all))
	}
	return all, nil
}

// checkPagination refuses a last_page that is absurd or disagrees with
// total and per_page.
func checkPagination(path string, p *pagination) error {
	if p.LastPage > MaxListPages {
		return fmt.Errorf("GET %s: the server claims %d pages; refusing to read more than %d (is the base URL a ModelsLab API?)", path, p.LastPage, MaxListPages)
	}
	if p.Total > 0 && p.PerPage > 0 {
		want := (p.Total + p.PerPage - 1) / p.PerPage
		if p.LastPage > want {
			return fmt.Errorf("GET %s: the server's pagination does not add up: last_page %d, but %d items at %d per page fill %d pages", path, p.LastPage, p.Total, p.PerPage, want)
		}
	}
	return nil
}

// listPage reads one page of a list.
func listPage[T any](ctx context.Context, c *Client, path string, page int) ([]T, *pagination, error) {
	rq := request{
		method: http.MethodGet,
		path:   path,
		query:  "page=" + strconv.Itoa(page) + "&per_page=" + strconv.Itoa(perPage),
	}
	env, err := c.send(ctx, rq)
	if err != nil {
		return nil, nil, err
	}
	var items []T
	if !isNull(env.Data) {
		if err := json.Unmarshal(env.Data, &items); err != nil {
			return nil, nil, fmt.Errorf("%s %s: decoding the list: %w", rq.method, rq.display(), explainDecodeError(err))
		}
	}
	if p := env.Pagination; p != nil && p.LastPage == 0 && p.Total > 0 && p.PerPage > 0 {
		// Pagination without last_page: derive it.
		p.LastPage = (p.Total + p.PerPage - 1) / p.PerPage
	}
	return items, env.Pagination, nil
}
