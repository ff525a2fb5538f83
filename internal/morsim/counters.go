package morsim

import "maps"

// Counters count every API request since the start or the last ResetCounters, by
// method and outcome. Unlike the request log they are never trimmed, so a benchmark can
// read exact totals from them however long it runs.
type Counters struct {
	Total   int64                    `json:"total"`
	Methods map[string]*MethodCounts `json:"methods"`
}

// MethodCounts are the requests of one method: in all, those that succeeded (OK), and
// per outcome (see Request.Outcome).
type MethodCounts struct {
	Total    int64            `json:"total"`
	OK       int64            `json:"ok"`
	Outcomes map[string]int64 `json:"outcomes"`
}

func (c *Counters) add(rec Request) {
	if c.Methods == nil {
		c.Methods = map[string]*MethodCounts{}
	}
	m := c.Methods[rec.Method]
	if m == nil {
		m = &MethodCounts{Outcomes: map[string]int64{}}
		c.Methods[rec.Method] = m
	}
	c.Total++
	m.Total++
	if rec.OK {
		m.OK++
	}
	m.Outcomes[rec.Outcome]++
}

// deepCopy returns a copy sharing nothing with c; Methods is never nil.
func (c *Counters) deepCopy() Counters {
	out := Counters{Total: c.Total, Methods: make(map[string]*MethodCounts, len(c.Methods))}
	for name, m := range c.Methods {
		out.Methods[name] = &MethodCounts{Total: m.Total, OK: m.OK, Outcomes: maps.Clone(m.Outcomes)}
	}
	return out
}

// Of returns the requests of method (0 when none came).
func (c Counters) Of(method string) int64 {
	if m := c.Methods[method]; m != nil {
		return m.Total
	}
	return 0
}

// Counters returns the request counts since the start or the last ResetCounters.
func (s *Server) Counters() Counters {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counters.deepCopy()
}

// ResetCounters sets every request count to zero.
func (s *Server) ResetCounters() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counters = Counters{}
}
