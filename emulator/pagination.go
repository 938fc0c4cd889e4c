package emulator

import (
	"fmt"
	"strconv"
)

// Pagination of the list endpoints (GET /api-keys, /teams, /auth/tokens):
// ?page and ?per_page in, meta.pagination out (reshaped by
// Variants.Pagination; "none" answers the whole list here).

// maxPerPage bounds per_page.
const maxPerPage = 100

// pageParams reads ?page and ?per_page; bad values are 422s.
func (c *call) pageParams() (page, perPage int, e *apiError) {
	q := c.r.URL.Query()
	fe := fieldErrors{}
	page, perPage = 1, c.s.DefaultPageSize
	if perPage <= 0 {
		perPage = 50
	}
	if v := q.Get("page"); q.Has("page") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			fe.add("page", fmt.Sprintf("must be a whole number of at least 1, not %q", v))
		}
		page = n
	}
	if v := q.Get("per_page"); q.Has("per_page") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPerPage {
			fe.add("per_page", fmt.Sprintf("must be a whole number from 1 to %d, not %q", maxPerPage, v))
		}
		perPage = n
	}
	return page, perPage, fe.err()
}

// paginate answers one page of a list of n items; item(i) renders the i-th.
// Only the page's items are rendered, so a page costs O(per_page).
func paginate[T any](c *call, n int, item func(i int) T) reply {
	page, perPage, e := c.pageParams()
	if e != nil {
		return fail(e)
	}
	if c.s.Pagination == "none" {
		// The whole list, whatever page is asked for, without pagination.
		out := make([]T, n)
		for i := range n {
			out[i] = item(i)
		}
		return ok(out)
	}
	last := (n + perPage - 1) / perPage
	if last < 1 {
		last = 1
	}
	out := []T{}
	if start := (page - 1) * perPage; start < n && page <= last {
		end := min(start+perPage, n)
		out = make([]T, 0, end-start)
		for i := start; i < end; i++ {
			out = append(out, item(i))
		}
	}
	r := ok(out)
	r.page = &pagination{Page: page, PerPage: perPage, Total: n, LastPage: last}
	return r
}
