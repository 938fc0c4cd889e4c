package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"
)

// perPage is the page size the client asks for: the API's maximum.
const perPage = 100

// MaxListPages caps how many pages one list may have. At 100 items a page
// that is a million items, far past any real account; a server claiming
// more is broken or lying, and the client refuses instead of sending a
// million requests.
const MaxListPages = 10000

// MaxListItems caps how many items one list may have: a hundred thousand
// keys, members or tokens is far past any real account, so a total (or a
// count of pages) claiming more is refused before the pages are read.
const MaxListItems = 100_000

// listItem is what the client needs of a list's items: the id that
// addresses it in a URL, and a name for messages.
type listItem interface {
	listID() ID
	listName() string
}

func (k *APIKey) listID() ID           { return k.ID }
func (k *APIKey) listName() string     { return fmt.Sprintf("API key %q", k.Name) }
func (m *TeamMember) listID() ID       { return m.ID }
func (m *TeamMember) listName() string { return fmt.Sprintf("team member %q", m.Email) }
func (t *AccessToken) listID() ID      { return t.ID }
func (t *AccessToken) listName() string {
	return fmt.Sprintf("access token %q", t.Name)
}

// listAll reads every item of a list endpoint, whatever pagination shape
// the server uses (see list_page.go), and returns them in page order. The
// result is never nil. It refuses, naming what it saw:
//
//   - pagination that does not add up: negative counts, a last_page that
//     more pages than total items could fill, more than MaxListPages pages
//     or MaxListItems items, pages that disagree, a page that is not the
//     one asked for, fewer or more items than total;
//   - an id twice in the list (on one page or two: the list changed while
//     it was read, or the server ignores ?page and sent page 1 again);
//   - an id that cannot be put in a URL path ("", "." or ".."), since
//     acting on it would address another resource.
//
// With a last_page it reads pages 2..last_page concurrently (at most
// PageConcurrency at once); with only a next link, a total or a page size
// it reads the pages one after the other until the list says it ended.
func listAll[T any, P interface {
	*T
	listItem
}](ctx context.Context, c *Client, path string) ([]T, error) {
	l := &lister[T, P]{c: c, path: path, seen: map[ID]int{}, all: []T{}}
	first, info, err := l.page(ctx, 1)
	if err != nil {
		return nil, err
	}
	if err := l.add(1, first); err != nil {
		return nil, err
	}
	if info == nil {
		// No pagination at all: the whole list (API.md).
		return l.all, nil
	}
	if err := l.checkFirst(info, len(first)); err != nil {
		return nil, err
	}
	switch {
	case l.complete(info, len(first)):
	case info.lastPage > 1:
		err = l.concurrent(ctx, info, first)
	default:
		err = l.sequential(ctx, info)
	}
	if err != nil {
		return nil, err
	}
	if info.total >= 0 && len(l.all) != info.total {
		if l.pages == 1 {
			return nil, fmt.Errorf("GET %s: the server says the list has %d items on one page, but sent %d", path, info.total, len(l.all))
		}
		return nil, fmt.Errorf("GET %s: the server says the list has %d items, but its %d pages held %d; run the command again", path, info.total, l.pages, len(l.all))
	}
	return l.all, nil
}

// lister reads one list.
type lister[T any, P interface {
	*T
	listItem
}] struct {
	c    *Client
	path string
	all  []T
	// seen maps every id read to the page it was on.
	seen  map[ID]int
	pages int
}

// page reads page n.
func (l *lister[T, P]) page(ctx context.Context, n int) ([]T, *pageInfo, error) {
	rq := request{
		method: http.MethodGet,
		path:   l.path,
		query:  "page=" + strconv.Itoa(n) + "&per_page=" + strconv.Itoa(perPage),
	}
	env, err := l.c.send(ctx, rq)
	if err != nil {
		return nil, nil, err
	}
	raw, info, err := listPageData(env, l.path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", rq.method, rq.display(), err)
	}
	items := []T{}
	if !isNull(raw) {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, nil, fmt.Errorf("%s %s: decoding the list: %w", rq.method, rq.display(), explainDecodeError(err))
		}
	}
	if info != nil && info.page >= 0 && info.page != n {
		return nil, nil, fmt.Errorf("GET %s: asked for page %d, the server answered page %d", l.path, n, info.page)
	}
	return items, info, nil
}

// add appends page n's items, refusing ids that are twice in the list or
// that cannot be addressed.
func (l *lister[T, P]) add(n int, items []T) error {
	var twice []string
	for i := range items {
		it := P(&items[i])
		id := it.listID()
		switch id {
		case "", ".", "..":
			return fmt.Errorf("GET %s: %s (item %d of page %d) has the id %q, which cannot be put in a URL path (it would address another resource); mlabctl refuses to act on a list it cannot address safely: ask ModelsLab support about it", l.path, it.listName(), i+1, n, string(id))
		}
		if prev, dup := l.seen[id]; dup {
			if prev != n {
				return fmt.Errorf("GET %s: id %q is on page %d and page %d: the list changed while it was read, or the server ignores ?page; run the command again", l.path, id, prev, n)
			}
			twice = append(twice, strconv.Quote(string(id)))
			continue
		}
		l.seen[id] = n
	}
	if len(twice) > 0 {
		if len(twice) > 5 {
			twice = append(twice[:5], "…")
		}
		return fmt.Errorf("GET %s: page %d lists the same id more than once (%s); mlabctl cannot tell which entry is real, so it acts on neither: run the command again, and report it to ModelsLab if it persists", l.path, n, strings.Join(twice, ", "))
	}
	l.all = append(l.all, items...)
	l.pages++
	if len(l.all) > MaxListItems {
		return fmt.Errorf("GET %s: the list has more than %d items; refusing to read more (is the base URL a ModelsLab API?)", l.path, MaxListItems)
	}
	return nil
}

// checkFirst refuses pagination that is absurd or does not add up.
func (l *lister[T, P]) checkFirst(p *pageInfo, n int) error {
	if p.lastPage > MaxListPages {
		return fmt.Errorf("GET %s: the server claims %d pages; refusing to read more than %d (is the base URL a ModelsLab API?)", l.path, p.lastPage, MaxListPages)
	}
	if p.total > MaxListItems {
		return fmt.Errorf("GET %s: the server claims %d items; refusing to read more than %d (is the base URL a ModelsLab API?)", l.path, p.total, MaxListItems)
	}
	if p.perPage > 0 && p.lastPage > 1 && (p.lastPage-1) > MaxListItems/p.perPage {
		return fmt.Errorf("GET %s: the server claims %d pages of %d items; refusing to read more than %d items (is the base URL a ModelsLab API?)", l.path, p.lastPage, p.perPage, MaxListItems)
	}
	if p.total >= 0 && p.lastPage >= 0 {
		switch fill := pagesFor(p.total, p.perPage); {
		case p.lastPage > fill && p.perPage > 0:
			return fmt.Errorf("GET %s: the server's pagination does not add up: last_page %d, but %d items at %d per page fill %d pages", l.path, p.lastPage, p.total, p.perPage, fill)
		case p.lastPage > fill:
			return fmt.Errorf("GET %s: the server's pagination does not add up: last_page %d, but %d items cannot fill more than %d pages", l.path, p.lastPage, p.total, fill)
		}
	}
	if p.perPage > 0 && n > p.perPage {
		return fmt.Errorf("GET %s: the server's pagination does not add up: page 1 holds %d items, more than its per_page %d", l.path, n, p.perPage)
	}
	if p.total >= 0 && n > p.total {
		return fmt.Errorf("GET %s: the server says the list has %d items, but page 1 alone holds %d", l.path, p.total, n)
	}
	if p.lastPage >= 0 && p.lastPage <= 1 && p.nextKnown && p.hasNext {
		return fmt.Errorf("GET %s: the answer's pagination contradicts itself: last_page is %d, but %s says there is a next page", l.path, p.lastPage, p.source())
	}
	if p.nextPage > 0 && p.nextPage != 2 {
		return fmt.Errorf("GET %s: page 1 says the next page is %d, not 2; mlabctl reads pages in order and refuses to skip any", l.path, p.nextPage)
	}
	return nil
}

// pagesFor is how many pages total items fill at perPage a page (at one
// item a page when perPage is not known), and at least one.
func pagesFor(total, perPage int) int {
	if perPage <= 0 {
		return max(1, total)
	}
	return max(1, (total+perPage-1)/perPage)
}

// complete reports whether page 1, holding n items, is the whole list.
func (l *lister[T, P]) complete(p *pageInfo, n int) bool {
	switch {
	case p.nextKnown && p.hasNext:
		return false
	case p.lastPage >= 0:
		return p.lastPage <= 1
	case p.nextKnown:
		return true // "no next page"
	case p.total >= 0:
		return n >= p.total
	case n == 0:
		return true // an empty first page ends the list
	case p.perPage > 0:
		return n < p.perPage // a short page is the last
	}
	return false
}

// concurrent reads pages 2..last_page, at most PageConcurrency at once.
func (l *lister[T, P]) concurrent(ctx context.Context, p *pageInfo, first []T) error {
	last := p.lastPage
	pages := make([][]T, last+1)
	pages[1] = first
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(l.c.opts.PageConcurrency)
	for n := 2; n <= last; n++ {
		g.Go(func() error {
			items, pn, err := l.page(gctx, n)
			if err != nil {
				return err
			}
			if pn != nil && ((pn.total >= 0 && pn.total != p.total) || (pn.lastPage >= 0 && pn.lastPage != p.lastPage)) {
				return fmt.Errorf("GET %s: the list changed while it was read (page 1 said %d items on %d pages, page %d says %d on %d); run the command again",
					l.path, p.total, p.lastPage, n, pn.total, pn.lastPage)
			}
			if len(items) == 0 && n < last {
				return fmt.Errorf("GET %s: page %d of %d is empty: the list changed while it was read, or the server's pagination is wrong; run the command again", l.path, n, last)
			}
			pages[n] = items
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for n := 2; n <= last; n++ {
		if err := l.add(n, pages[n]); err != nil {
			return err
		}
	}
	return nil
}

// sequential reads pages 2, 3, … one after the other, for pagination that
// names no last page: until a page says there is no next one, the total
// is reached, a page is short or empty, or a page repeats ids (a server
// that ignores ?page: an error, never a loop).
func (l *lister[T, P]) sequential(ctx context.Context, first *pageInfo) error {
	p := first
	for page := 2; ; page++ {
		if page > MaxListPages {
			return fmt.Errorf("GET %s: the list goes on past %d pages; refusing to read more (is the base URL a ModelsLab API?)", l.path, MaxListPages)
		}
		items, pn, err := l.page(ctx, page)
		if err != nil {
			return err
		}
		if pn == nil {
			pn = newPageInfo()
		}
		if first.total >= 0 && pn.total >= 0 && pn.total != first.total {
			return fmt.Errorf("GET %s: the list changed while it was read (page 1 said %d items, page %d says %d); run the command again", l.path, first.total, page, pn.total)
		}
		if err := l.add(page, items); err != nil {
			return err
		}
		if pn.nextPage > 0 && pn.nextPage != page+1 {
			return fmt.Errorf("GET %s: page %d says the next page is %d, not %d; mlabctl reads pages in order and refuses to skip any", l.path, page, pn.nextPage, page+1)
		}
		n := len(items)
		switch {
		case n == 0:
			return nil
		case first.total >= 0 && len(l.all) >= first.total:
			return nil
		case pn.nextKnown:
			if !pn.hasNext {
				return nil
			}
		case first.linkHeader:
			// A Link header names the next page while there is one and
			// is left out on the last (RFC 8288 pagination).
			return nil
		case pn.lastPage >= 0 && page >= pn.lastPage:
			return nil
		case p.perPage > 0 && n < p.perPage, pn.perPage > 0 && n < pn.perPage:
			return nil
		}
		// Nothing says the list ended: read the next page (an empty one
		// ends it; one that repeats ids is an error).
		if !pn.empty() {
			p = pn
		}
	}
}
