package remote

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// This file reads one answer of a list endpoint: its items and what it
// says about the list's other pages, in every shape API.md's last section
// names (meta.pagination; Laravel's meta.{current_page, last_page,
// per_page, total} and links.next; data: {items, pagination}; Laravel's
// paginator with its numbers beside data; no pagination at all). A hint of
// more pages in any other shape (a cursor, a has_more flag with a cursor
// beside it, a Link header that is not a page number) is an error naming
// what was seen: a list mlabctl cannot page through is never complete.

// pageInfo is what one answer says about the list's pages. A count of -1
// was not given.
type pageInfo struct {
	// where names the members the numbers were read from, for messages
	// ("meta.pagination", "meta and links.next").
	where                          []string
	page, perPage, total, lastPage int
	// nextKnown reports that the answer says whether a next page exists
	// (links.next, next_page_url, has_more); hasNext is what it says, and
	// nextPage the number of that page when the answer gives one (0 =
	// not said: the page after this one).
	nextKnown, hasNext bool
	nextPage           int
	// linkHeader reports that the next page came from a Link header.
	linkHeader bool
}

func newPageInfo() *pageInfo {
	return &pageInfo{page: -1, perPage: -1, total: -1, lastPage: -1}
}

// source names where the numbers were read from.
func (p *pageInfo) source() string {
	if len(p.where) == 0 {
		return "the answer"
	}
	return strings.Join(p.where, " and ")
}

// empty reports that nothing about pages was found.
func (p *pageInfo) empty() bool {
	return p.page < 0 && p.perPage < 0 && p.total < 0 && p.lastPage < 0 && !p.nextKnown
}

// Names of the members that carry page numbers, in the shapes the client
// understands. The first name of each list is the canonical one.
var (
	pageKeys     = []string{"page", "current_page"}
	perPageKeys  = []string{"per_page", "page_size"}
	totalKeys    = []string{"total", "total_count", "total_items"}
	lastPageKeys = []string{"last_page", "total_pages", "page_count"}
	// nextKeys point to the next page: a URL, a page number or null.
	nextKeys = []string{"next_page_url", "next_page", "next"}
	// moreKeys say whether there is a next page, without saying which.
	moreKeys = []string{"has_more", "has_next", "has_next_page", "has_more_pages"}
	// cursorKeys page by an opaque cursor, which the client does not
	// follow (it pages by number only): a non-empty one is an error.
	cursorKeys = []string{"next_cursor", "cursor", "next_page_token", "page_token", "continuation_token", "continuation", "after", "starting_after", "next_token", "scroll_id"}
)

// listPageData splits one list answer into its items and its pagination
// (nil when it says nothing about pages). path is the list's path, which a
// links.next must point to.
func listPageData(env *envelope, path string) (items json.RawMessage, info *pageInfo, err error) {
	info = newPageInfo()
	data := bytes.TrimSpace(env.Data)
	switch {
	case isNull(data):
	case data[0] == '[':
		items = data
	case data[0] == '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(data, &obj); err != nil {
			return nil, nil, fmt.Errorf("decoding the list: %w", err)
		}
		var ok bool
		if items, ok = listMember(obj); !ok {
			return nil, nil, fmt.Errorf("the answer's data is an object (members %s), not a list, and holds no list under \"items\" or \"data\"", memberNames(obj))
		}
		if err := info.read("data.pagination", obj["pagination"], path); err != nil {
			return nil, nil, err
		}
		if err := info.readObject("data", obj, path); err != nil {
			return nil, nil, err
		}
		if err := info.readLinks("data.links", obj["links"], path); err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, fmt.Errorf("the answer's data is a JSON %s, not a list", jsonKind(data[0]))
	}
	if !isNull(env.Meta) {
		var meta map[string]json.RawMessage
		if json.Unmarshal(env.Meta, &meta) == nil {
			if err := info.read("meta.pagination", meta["pagination"], path); err != nil {
				return nil, nil, err
			}
			if err := info.readObject("meta", meta, path); err != nil {
				return nil, nil, err
			}
		}
	}
	if err := info.readLinks("links", env.Links, path); err != nil {
		return nil, nil, err
	}
	if len(env.Object) > 0 {
		var top map[string]json.RawMessage
		if json.Unmarshal(env.Object, &top) == nil {
			// "links" and "meta" were read above, "data" is the items.
			delete(top, "links")
			delete(top, "meta")
			delete(top, "data")
			if err := info.readObject("the top level", top, path); err != nil {
				return nil, nil, err
			}
		}
	}
	if err := info.readLinkHeader(env.Header.Values("Link"), path); err != nil {
		return nil, nil, err
	}
	if info.empty() {
		return items, nil, nil
	}
	return items, info, nil
}

// listMember finds the items of a list whose data is an object: under
// "items" (data: {items, pagination}) or "data" (a Laravel paginator put
// in the envelope's data).
func listMember(obj map[string]json.RawMessage) (json.RawMessage, bool) {
	for _, k := range []string{"items", "data"} {
		if v, ok := obj[k]; ok {
			t := bytes.TrimSpace(v)
			if isNull(t) {
				return nil, true
			}
			if t[0] == '[' {
				return t, true
			}
		}
	}
	return nil, false
}

// memberNames lists an object's member names for a message.
func memberNames(obj map[string]json.RawMessage) string {
	names := make([]string, 0, len(obj))
	for k := range obj {
		names = append(names, strconv.Quote(oneLine([]byte(k), 40)))
	}
	sort.Strings(names)
	if len(names) > 8 {
		names = append(names[:8], "…")
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// read reads a pagination object (meta.pagination, data.pagination); an
// absent or null one is nothing, anything but an object is an error.
func (p *pageInfo) read(where string, raw json.RawMessage, path string) error {
	if isNull(raw) {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return fmt.Errorf("%s is %s, not an object of page numbers; mlabctl cannot tell whether the list is complete", where, oneLine(raw, 60))
	}
	return p.readObject(where, obj, path)
}

// readObject reads the page numbers an object holds among its other
// members (Laravel puts them in meta, or beside data), and refuses a
// cursor it cannot follow.
func (p *pageInfo) readObject(where string, obj map[string]json.RawMessage, path string) error {
	found := false
	for _, f := range []struct {
		keys []string
		dst  *int
	}{{pageKeys, &p.page}, {perPageKeys, &p.perPage}, {totalKeys, &p.total}, {lastPageKeys, &p.lastPage}} {
		for _, k := range f.keys {
			raw, ok := obj[k]
			if !ok || isNull(raw) {
				continue
			}
			n, err := pageNumber(raw)
			if err != nil {
				return fmt.Errorf("%s.%s is %s, not a count of 0 or more; mlabctl cannot tell whether the list is complete", where, k, oneLine(raw, 40))
			}
			if *f.dst >= 0 && *f.dst != n {
				return fmt.Errorf("the answer's pagination contradicts itself: %s.%s is %d, but %s said %d", where, k, n, p.source(), *f.dst)
			}
			*f.dst = n
			found = true
		}
	}
	for _, k := range nextKeys {
		if raw, ok := obj[k]; ok {
			if err := p.readNext(where+"."+k, raw, path); err != nil {
				return err
			}
			found = true
		}
	}
	for _, k := range moreKeys {
		raw, ok := obj[k]
		if !ok || isNull(raw) {
			continue
		}
		var more flexBool
		if err := json.Unmarshal(raw, &more); err != nil {
			return fmt.Errorf("%s.%s is %s, not a boolean; mlabctl cannot tell whether the list is complete", where, k, oneLine(raw, 40))
		}
		if err := p.setNext(where+"."+k, bool(more), 0); err != nil {
			return err
		}
		found = true
	}
	for _, k := range cursorKeys {
		raw, ok := obj[k]
		if !ok || isNull(raw) || bytes.Equal(bytes.TrimSpace(raw), []byte(`""`)) {
			continue
		}
		return fmt.Errorf("%s.%s is %s: the server pages this list by cursor, which mlabctl does not follow; it refuses to treat page 1 as the whole list", where, k, oneLine(raw, 60))
	}
	if found {
		p.where = append(p.where, where)
	}
	return nil
}

// readLinks reads links.next of a links object (Laravel's first, last,
// prev, next); links that are a list (Laravel's meta.links for page
// buttons) say nothing the numbers do not.
func (p *pageInfo) readLinks(where string, raw json.RawMessage, path string) error {
	t := bytes.TrimSpace(raw)
	if isNull(t) || t[0] != '{' {
		return nil
	}
	var links map[string]json.RawMessage
	if err := json.Unmarshal(t, &links); err != nil {
		return nil
	}
	next, ok := links["next"]
	if !ok {
		return nil
	}
	if err := p.readNext(where+".next", next, path); err != nil {
		return err
	}
	p.where = append(p.where, where+".next")
	return nil
}

// readLinkHeader reads an RFC 8288 Link header's rel="next".
func (p *pageInfo) readLinkHeader(values []string, path string) error {
	for _, v := range values {
		for _, link := range strings.Split(v, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(link), ";")
			if !ok || !strings.Contains(strings.ReplaceAll(params, " ", ""), `rel="next"`) && !strings.Contains(strings.ReplaceAll(params, " ", ""), "rel=next") {
				continue
			}
			target = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(target), "<"), ">")
			raw, _ := json.Marshal(target)
			if err := p.readNext(`the Link header's rel="next"`, raw, path); err != nil {
				return err
			}
			p.where = append(p.where, "the Link header")
			p.linkHeader = true
		}
	}
	return nil
}

// readNext reads a pointer to the next page: null or "" (no next page), a
// page number, or a URL of this list whose only parameters are page and
// per_page. Any other URL (a cursor, another path) is an error: following
// it is not something the client does, and ignoring it could leave the
// list partial.
func (p *pageInfo) readNext(where string, raw json.RawMessage, path string) error {
	t := bytes.TrimSpace(raw)
	switch {
	case isNull(t), bytes.Equal(t, []byte(`""`)), bytes.Equal(t, []byte("false")):
		return p.setNext(where, false, 0)
	case bytes.Equal(t, []byte("true")):
		return p.setNext(where, true, 0)
	case t[0] != '"':
		n, err := pageNumber(t)
		if err != nil || n < 1 {
			return fmt.Errorf("%s is %s, neither a page number nor a URL; mlabctl cannot tell whether the list is complete", where, oneLine(t, 60))
		}
		return p.setNext(where, true, n)
	}
	var s string
	if err := json.Unmarshal(t, &s); err != nil {
		return fmt.Errorf("%s is not a string: %w", where, err)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n >= 1 {
		return p.setNext(where, true, n)
	}
	n, err := nextPageOf(s, path)
	if err != nil {
		return fmt.Errorf("%s is %q: %w; mlabctl refuses to treat page 1 as the whole list", where, oneLine([]byte(s), 120), err)
	}
	return p.setNext(where, true, n)
}

// setNext records whether there is a next page; two members that disagree
// are an error.
func (p *pageInfo) setNext(where string, has bool, page int) error {
	if p.nextKnown && (p.hasNext != has || (page > 0 && p.nextPage > 0 && p.nextPage != page)) {
		return fmt.Errorf("the answer's pagination contradicts itself: %s says %s, but %s said %s", where, nextText(has, page), p.source(), nextText(p.hasNext, p.nextPage))
	}
	p.nextKnown, p.hasNext = true, has
	if page > 0 {
		p.nextPage = page
	}
	return nil
}

func nextText(has bool, page int) string {
	switch {
	case !has:
		return "there is no next page"
	case page > 0:
		return fmt.Sprintf("the next page is %d", page)
	}
	return "there is a next page"
}

// nextPageOf returns the page number a next-page URL asks for. The URL
// must name the list's own path (or none) and no parameter but page and
// per_page.
func nextPageOf(raw, path string) (int, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return 0, fmt.Errorf("not a URL")
	}
	if p := strings.TrimSuffix(u.Path, "/"); p != "" && !strings.HasSuffix(p, path) {
		return 0, fmt.Errorf("it points to another path than %s", path)
	}
	q := u.Query()
	var other []string
	for k := range q {
		if k != "page" && k != "per_page" {
			other = append(other, k)
		}
	}
	if len(other) > 0 {
		slices.Sort(other)
		return 0, fmt.Errorf("it pages by %s, which mlabctl does not follow (it pages by number only)", strings.Join(other, ", "))
	}
	n, err := strconv.Atoi(q.Get("page"))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("it names no page number")
	}
	return n, nil
}

// pageNumber reads a count sent as a number or a numeric string; negative
// and fractional values are errors.
func pageNumber(raw json.RawMessage) (int, error) {
	var f flexFloat
	if err := f.UnmarshalJSON(raw); err != nil {
		return 0, err
	}
	v := float64(f)
	if v < 0 || v != float64(int64(v)) || v > 1<<53 {
		return 0, fmt.Errorf("%v is not a count", v)
	}
	return int(v), nil
}
