package mor

import (
	"context"
	"fmt"
	"strconv"
)

// Location is one MOR location with its rules, as location_rules_get answers them.
type Location struct {
	ID    int64
	Name  string
	Rules []Fields
}

// ListAllLocations returns every location the caller owns with all their rules, reading
// location_rules_get with all=1 page by page. from and max_results count rules across
// all locations (assumed, as the simulator does), so a location can span pages; it is
// merged by id. Locations without rules are included (their <location> still appears).
func (c *Client) ListAllLocations(ctx context.Context) ([]Location, error) {
	var out []Location
	index := map[int64]int{}
	seen := map[string]bool{}
	for page := 0; ; page++ {
		if page == maxListPages {
			return nil, malformed(LocationRulesGet, fmt.Sprintf("more than %d pages", maxListPages))
		}
		params := Fields{
			"all":         "1",
			"from":        strconv.Itoa(page * listPageSize),
			"max_results": strconv.Itoa(listPageSize),
		}
		env, err := c.callPage(ctx, LocationRulesGet, params, page > 0)
		if err != nil {
			return nil, err
		}
		got, fresh := 0, 0
		for _, l := range env.root.findAll("location", nil) {
			idNode := l.child("id")
			if idNode == nil {
				return nil, malformed(LocationRulesGet, "a <location> has no <id>")
			}
			id, err := strconv.ParseInt(idNode.value(), 10, 64)
			if err != nil {
				return nil, malformed(LocationRulesGet, fmt.Sprintf("location <id> is %q", truncate(idNode.value(), 32)))
			}
			i, ok := index[id]
			if !ok {
				name := ""
				if n := l.child("name"); n != nil {
					name = n.value()
				}
				i = len(out)
				index[id] = i
				out = append(out, Location{ID: id, Name: name})
			}
			for _, r := range l.children {
				if r.name != "location_rule" {
					continue
				}
				got++
				f := r.fields()
				if rid := f["id"]; rid != "" {
					if seen[rid] {
						continue
					}
					seen[rid] = true
				}
				fresh++
				out[i].Rules = append(out[i].Rules, f)
			}
		}
		if got < listPageSize {
			return out, nil
		}
		if fresh == 0 {
			return nil, malformed(LocationRulesGet, "paging does not advance: a full page repeated known rules")
		}
	}
}
