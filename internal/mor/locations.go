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
	err := c.listPages(ctx, LocationRulesGet, 0, Fields{"all": "1"}, "rules", func(env *envelope) (got, fresh int, err error) {
		for _, l := range env.root.findAll("location", nil) {
			idNode := l.child("id")
			if idNode == nil {
				return got, fresh, malformed(LocationRulesGet, "a <location> has no <id>")
			}
			id, err := strconv.ParseInt(idNode.value(), 10, 64)
			if err != nil {
				return got, fresh, malformed(LocationRulesGet, fmt.Sprintf("location <id> is %q", truncate(idNode.value(), 32)))
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
		return got, fresh, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
