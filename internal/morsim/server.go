package morsim

import (
	"crypto/sha1" //nolint:gosec // SHA-1 is what MOR's API hash is made of.
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"sigs.k8s.io/yaml"
)

// maxRequests bounds the request log: beyond it the oldest requests are dropped
// (assumed; keeps a long-running simulator's memory flat).
const maxRequests = 10000

// Server is an in-memory MOR. It is an http.Handler serving the API at
// /billing/api/<method> and /api/<method>, and test endpoints under /_sim/. It is safe
// for concurrent use: one mutex guards the state, the request log and the faults.
type Server struct {
	mu        sync.Mutex
	seed      State
	st        State
	idx       ruleIndex // rule ids per location of st; nil: rebuilt on the next use
	reqs      []Request
	counters  Counters
	faults    Faults
	latency   time.Duration // added to every API request; not a fault, so Reset keeps it
	stateFile string
	stateErr  error
	errorLog  *log.Logger
}

// New returns a Server holding a copy of seed.
func New(seed Seed) *Server {
	s := &Server{seed: seed.DeepCopy()}
	normalize(&s.seed)
	s.st = s.seed.DeepCopy()
	return s
}

// SetAdminSecret changes the admin's API secret key in the current state (Reset goes
// back to the seed's key).
func (s *Server) SetAdminSecret(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := adminOf(&s.st); a != nil {
		a.SecretKey = key
	}
	s.persistLocked()
}

// Snapshot returns a deep copy of the state.
func (s *Server) Snapshot() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.DeepCopy()
}

// Update lets fn change the state directly, as a person using MOR's GUI would (drift
// tests). fn runs under the server's lock: it must not call the Server.
func (s *Server) Update(fn func(st *State)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.st)
	normalize(&s.st)
	s.idx = nil // fn may have moved, added or removed any rule
	s.persistLocked()
}

// Requests returns the API requests received, oldest first (at most the last 10000).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	reqs := s.reqs
	if len(reqs) > maxRequests {
		reqs = reqs[len(reqs)-maxRequests:]
	}
	out := make([]Request, len(reqs))
	for i, r := range reqs {
		r.Params = masked(r.Params)
		out[i] = r
	}
	return out
}

// ResetRequests forgets the requests received.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = nil
}

// Reset returns the state to the seed and clears the requests, the counters and the
// faults (not the added latency).
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = s.seed.DeepCopy()
	s.idx = nil
	s.reqs = nil
	s.counters = Counters{}
	s.faults = Faults{}
	s.persistLocked()
}

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// SetLatency sets a fixed delay added to every API request (before any fault's
// latency), modelling the network and MOR's own work; Reset keeps it.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Latency returns the fixed delay added to every API request.
func (s *Server) Latency() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latency
}

// Faults returns the injected faults.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// SetErrorLog sets where failures to write the state file are logged (default: nowhere;
// see StateFileError).
func (s *Server) SetErrorLog(l *log.Logger) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errorLog = l
}

// SetStateFile makes the state survive restarts: if path exists (and is not empty) the
// state is loaded from it (YAML or JSON of State), and after every change (a successful
// API write, Update, Reset, SetAdminSecret) the state is written to it atomically (a
// temporary file in the same directory, then rename), as indented JSON, mode 0600 (it
// holds the API keys). A missing file is created at once.
func (s *Server) SetStateFile(path string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := os.ReadFile(path)
	switch {
	case err == nil && len(strings.TrimSpace(string(b))) > 0:
		var st State
		if err := yaml.Unmarshal(b, &st); err != nil {
			return fmt.Errorf("state file %s: %w", path, err)
		}
		normalize(&st)
		if err := validate(&st); err != nil {
			return fmt.Errorf("state file %s: %w", path, err)
		}
		s.st = st
		s.idx = nil
	case err == nil, errors.Is(err, fs.ErrNotExist):
	default:
		return err
	}
	s.stateFile = path
	s.persistLocked()
	return s.stateErr
}

// StateFileError returns the error of the last attempt to write the state file, or nil.
func (s *Server) StateFileError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stateErr
}

func (s *Server) persistLocked() {
	if s.stateFile == "" {
		return
	}
	s.stateErr = writeFileAtomic(s.stateFile, &s.st)
	if s.stateErr != nil && s.errorLog != nil {
		s.errorLog.Printf("morsim: writing the state file: %v", s.stateErr)
	}
}

func writeFileAtomic(path string, st *State) (err error) {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(append(b, '\n')); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// Sign computes the hash a caller sends for method: the lowercase hex SHA-1 of the
// values of the method's hash parameters in order (absent ones count as "") followed by
// key. A method outside the contract has no hash parameters.
func Sign(method string, params map[string]string, key string) string {
	var hp []string
	if m := methods[method]; m != nil {
		hp = m.hashParams
	}
	h := sha1.New() //nolint:gosec // MOR's API hash.
	for _, name := range hp {
		_, _ = io.WriteString(h, params[name])
	}
	_, _ = io.WriteString(h, key)
	return hex.EncodeToString(h.Sum(nil))
}

// ServeHTTP serves the API and the /_sim/ test endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.serveSim(w, r)
		return
	}
	name, ok := apiMethod(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.serveAPI(w, r, name)
}

func apiMethod(path string) (string, bool) {
	for _, prefix := range []string{"/billing/api/", "/api/"} {
		if rest, ok := strings.CutPrefix(path, prefix); ok && rest != "" && !strings.Contains(rest, "/") {
			return rest, true
		}
	}
	return "", false
}

func chance(rate float64) bool {
	return rate >= 1 || (rate > 0 && rand.Float64() < rate)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, name string) {
	params, perr := readParams(r)
	rec := Request{Method: name, Verb: r.Method, Params: masked(params)}
	s.mu.Lock()
	f, delay := s.faults, s.latency
	s.mu.Unlock()
	if f.Down {
		rec.Outcome = OutcomeFaultDown
		s.record(rec)
		abortConnection(w)
		return
	}
	if delay += f.Latency; delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			rec.Outcome = OutcomeFaultCanceled
			s.record(rec)
			return
		}
	}
	if chance(f.ErrorRate) {
		rec.Outcome = OutcomeFaultHTTP500
		s.record(rec)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, html500)
		return
	}
	if chance(f.TooManyRate) {
		rec.Outcome = OutcomeFaultTooMany
		s.record(rec)
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	if chance(f.NonXMLRate) {
		rec.Outcome = OutcomeFaultNonXML
		s.record(rec)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, htmlLogin)
		return
	}

	s.mu.Lock()
	res, xmlExt := s.answerLocked(r.Method, name, params, perr)
	rec.Outcome, rec.OK = res.outcome, res.ok
	s.recordLocked(rec)
	if res.wrote {
		s.persistLocked()
	}
	s.mu.Unlock()
	if res.wrote && chance(f.LostAnswerRate) { // done in MOR, never told
		abortConnection(w)
		return
	}

	h := w.Header()
	if xmlExt {
		h.Set("Content-Type", "text/xml; charset=utf-8")
	} else {
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Disposition", "attachment; filename=mor_api_response.html")
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, res.body)
}

// abortConnection closes the client's connection without an answer.
func abortConnection(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler) // HTTP/2: the server resets the stream
}

func (s *Server) record(rec Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recordLocked(rec)
}

func (s *Server) recordLocked(rec Request) {
	s.counters.add(rec)
	s.reqs = append(s.reqs, rec)
	if len(s.reqs) > 2*maxRequests {
		s.reqs = append([]Request(nil), s.reqs[len(s.reqs)-maxRequests:]...)
	}
}

// adminOf returns the admin user (the user of role admin, preferring the one named
// "admin").
func adminOf(st *State) *User {
	if u := st.Users["admin"]; u != nil && u.Role == RoleAdmin {
		return u
	}
	for _, name := range sortedKeys(st.Users) {
		if u := st.Users[name]; u.Role == RoleAdmin {
			return u
		}
	}
	return nil
}

// ownerOf returns whose settings apply to u: u itself, an accountant's owner, and for
// an unknown user the admin (assumed: the system-wide settings).
func ownerOf(st *State, u *User) *User {
	switch {
	case u == nil:
		return adminOf(st)
	case u.Role == RoleAccountant:
		return st.Users[u.Owner]
	}
	return u
}

// answerLocked runs the pre-checks of the contract in order, then the method.
func (s *Server) answerLocked(verb, name string, p map[string]string, perr error) (result, bool) {
	st := &s.st
	caller := st.Users[p["u"]]
	owner := ownerOf(st, caller)
	var set OwnerSettings
	if owner != nil {
		set = owner.Settings
	}
	m := methods[name]
	if m == nil || !hasMethod(st, name) {
		return failure(shapePage, TextUnknownMethod), set.XMLExtension
	}
	if perr != nil {
		return failure(m.errShape, TextBadBody), set.XMLExtension
	}
	// 1. API disabled for the owner.
	if set.APIDisabled {
		return failure(shapeBare, TextAPIDisabled), set.XMLExtension
	}
	// 2. GET while GET is not allowed.
	if (verb == http.MethodGet || verb == http.MethodHead) && !set.AllowGET {
		return failure(shapeBare, TextGETDisabled), set.XMLExtension
	}
	// An unknown user skips the hash check; the method answers Access Denied.
	if caller == nil {
		return failure(m.errShape, TextAccessDenied), set.XMLExtension
	}
	// 3. Secret key and hash, unless the owner disabled hash checking.
	if !set.HashCheckingDisabled {
		keys := signingKeys(st, caller, m)
		if len(keys) == 0 || keys[0] == "" {
			return failure(shapeBare, TextNoSecretKey), set.XMLExtension
		}
		sent := []byte(p["hash"])
		good := false
		for _, k := range keys {
			if k != "" && subtle.ConstantTimeCompare(sent, []byte(Sign(name, p, k))) == 1 {
				good = true
			}
		}
		if !good {
			return failure(shapeBare, TextIncorrectKey), set.XMLExtension
		}
	}
	if slices.Contains(caller.Unauthorized, name) {
		return failure(m.errShape, TextNotAuthorized), set.XMLExtension
	}
	c := &call{st: st, idx: s.indexLocked(), caller: caller, p: p, shape: m.errShape}
	return m.handle(c), set.XMLExtension
}

// signingKeys returns the keys a hash may be made with, the one that must exist first:
// the admin's for admin, accountant and conflines_update; for a reseller its own, then
// the admin's.
func signingKeys(st *State, caller *User, m *method) []string {
	adminKey := ""
	if a := adminOf(st); a != nil {
		adminKey = a.SecretKey
	}
	if caller.Role == RoleReseller && !m.adminKeyOnly {
		return []string{caller.SecretKey, adminKey}
	}
	return []string{adminKey}
}

// serveSim serves the unauthenticated test endpoints.
func (s *Server) serveSim(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, handEditPrefix) {
		s.serveHandEdit(w, r)
		return
	}
	switch r.URL.Path {
	case "/_sim/state":
		if !allow(w, r, http.MethodGet) {
			return
		}
		writeJSON(w, s.Snapshot())
	case "/_sim/requests":
		readOrClear(w, r, func() any { return s.Requests() }, s.ResetRequests)
	case "/_sim/counters":
		readOrClear(w, r, func() any { return s.Counters() }, s.ResetCounters)
	case "/_sim/reset":
		if !allow(w, r, http.MethodPost) {
			return
		}
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	case "/_sim/faults":
		if !allow(w, r, http.MethodGet, http.MethodPost, http.MethodPut) {
			return
		}
		if r.Method != http.MethodGet {
			var f Faults
			dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
			if err := dec.Decode(&f); err != nil {
				http.Error(w, "faults: "+err.Error(), http.StatusBadRequest)
				return
			}
			s.SetFaults(f)
		}
		writeJSON(w, s.Faults())
	default:
		http.NotFound(w, r)
	}
}

func allow(w http.ResponseWriter, r *http.Request, verbs ...string) bool {
	for _, v := range verbs {
		if r.Method == v {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(verbs, ", "))
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(b, '\n'))
}

// readOrClear serves a test endpoint that GET reads and DELETE clears.
func readOrClear(w http.ResponseWriter, r *http.Request, read func() any, empty func()) {
	if !allow(w, r, http.MethodGet, http.MethodDelete) {
		return
	}
	if r.Method == http.MethodDelete {
		empty()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, read())
}
