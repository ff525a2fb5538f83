package morsim

import "slices"

// ruleIndex holds the rule ids of each location in id order, so a listing page is a
// slice and a uniqueness check scans one location, not the whole server: the
// simulator's cost must not be what a scale benchmark measures.
type ruleIndex map[int64][]int64

// buildIndex indexes every rule of st.
func buildIndex(st *State) ruleIndex {
	idx := ruleIndex{}
	for _, id := range sortedKeys(st.Rules) {
		r := st.Rules[id]
		idx[r.LocationID] = append(idx[r.LocationID], id)
	}
	return idx
}

// add indexes a rule; ids are usually handed out in increasing order, so this appends.
func (x ruleIndex) add(loc, id int64) {
	ids := x[loc]
	i, found := slices.BinarySearch(ids, id)
	if !found {
		x[loc] = slices.Insert(ids, i, id)
	}
}

// remove forgets a rule; a location left without rules is dropped.
func (x ruleIndex) remove(loc, id int64) {
	ids := x[loc]
	if i, found := slices.BinarySearch(ids, id); found {
		ids = slices.Delete(ids, i, i+1)
		if len(ids) == 0 {
			delete(x, loc)
			return
		}
		x[loc] = ids
	}
}

// indexLocked returns the index of s.st, rebuilding it after a change made outside the
// API methods (Update, Reset, a loaded state file), which set s.idx to nil.
func (s *Server) indexLocked() ruleIndex {
	if s.idx == nil {
		s.idx = buildIndex(&s.st)
	}
	return s.idx
}
