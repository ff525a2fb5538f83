package morsim

import (
	"net/http"
	"strconv"
	"strings"
)

// handEditPrefix is the test endpoint that changes a location rule as a person in MOR's
// GUI would: POST /_sim/rules/<id> with MOR parameter names as form fields (e.g.
// add=0044). It bypasses the API (no hash, not in the request log) and validates like
// location_rule_update, acting as the rule's owner. The demo uses it to make drift
// behind the operator's back.
const handEditPrefix = "/_sim/rules/"

func (s *Server) serveHandEdit(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodPost) {
		return
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, handEditPrefix), 10, 64)
	if err != nil {
		http.Error(w, "rule id: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "form: "+err.Error(), http.StatusBadRequest)
		return
	}
	params := map[string]string{}
	for k, v := range r.PostForm {
		params[k] = v[len(v)-1]
	}
	status, answer := s.handEdit(id, params)
	if status != http.StatusOK {
		http.Error(w, answer.(string), status)
		return
	}
	writeJSON(w, answer)
}

// handEdit applies params to rule id under the server's lock and returns the HTTP
// status and the edited rule (or the refusal's text). A hand edit never moves a rule to
// another location, so the rule index stays valid.
func (s *Server) handEdit(id int64, params map[string]string) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st
	rule := st.Rules[id]
	if rule == nil {
		return http.StatusNotFound, TextRuleNotFound
	}
	owner := &User{}
	if loc := st.Locations[rule.LocationID]; loc != nil && st.Users[loc.Owner] != nil {
		owner = st.Users[loc.Owner]
	}
	edited := *rule
	c := &call{st: st, idx: s.indexLocked(), caller: owner, p: params}
	if text, details := c.applyRule(&edited); text != "" {
		return http.StatusUnprocessableEntity, strings.Join(append([]string{text}, details...), "; ")
	}
	*rule = edited
	s.persistLocked()
	return http.StatusOK, edited
}
