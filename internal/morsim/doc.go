// Package morsim is an in-memory MOR (Kolmisoft billing) server that serves the API
// contract of docs/mor-api.md: users and per-owner settings, the pre-checks and
// hash, the exact texts, the envelope shapes, the validation rules of conflines_update,
// did_rates_details_get/_update, location_rule_create/_get/_update/_delete,
// location_rules_get, system_version_get and the lookups tariffs_get, lcrs_get and
// dids_get. Tests use it in-process through
// net/http/httptest; hack/morsim runs it as a program.
//
// # Routes
//
//   - /billing/api/<method> and /api/<method>: the API. Parameters come from the query
//     string, a form body, a multipart body or a JSON object body (body values win over
//     the query). Every API answer is HTTP 200 with an XML body, content type
//     "text/html; charset=utf-8" with "Content-Disposition: attachment;
//     filename=mor_api_response.html", or "text/xml; charset=utf-8" when the owner's
//     XMLExtension is on.
//   - GET /_sim/state: the State as JSON. GET /_sim/requests: []Request as JSON;
//     DELETE /_sim/requests forgets them. GET /_sim/counters: Counters as JSON (API
//     requests per method and outcome, never trimmed); DELETE /_sim/counters zeroes
//     them. POST /_sim/reset: back to the seed (clears requests, counters and faults,
//     keeps the added latency).
//     GET /_sim/faults, POST (or PUT) /_sim/faults: the Faults as JSON, latency written
//     as a Go duration string ("250ms"), read from a string or from nanoseconds.
//     No authentication: never expose the simulator beyond a test network.
//
// # Pre-checks (in order)
//
// The owner is the caller, or an accountant's owner; for an unknown or missing u it is
// the admin (assumed: the system-wide settings apply). 1. owner's APIDisabled → "API
// Requests are disabled"; 2. GET (or HEAD) while the owner's AllowGET is off → "GET
// Requests are disabled"; an unknown u then gets the method's "Access Denied"; 3. unless
// the owner's HashCheckingDisabled: the key that must exist missing → "API must have
// Secret Key", else a hash matching none of the accepted keys → "Incorrect hash". Keys:
// admin and accountant → the admin's; reseller → its own (must exist), or the admin's;
// conflines_update → the admin's for everyone. All four answer the bare
// <status><error>…</error></status>. Hashes are compared exactly (lowercase hex).
//
// # Choices the contract leaves open (assumed)
//
// All texts are constants in texts.go; those marked "(assumed)" there are choices.
// Besides those:
//
//   - Error shapes per method: location rule methods and system_version_get
//     <page><status><error>T</error></status></page>; did_rates_details_* and the
//     lookups <page><error>T</error></page>; conflines_update
//     <page><status><error><message>T</message></error></status></page>; an unknown
//     method <page><error>Unknown API method</error></page>; "Rule must be unique" is
//     followed by a sibling <message>Conflicts with rule N</message>.
//   - An unparseable body answers "Invalid request parameters" (after the unknown-method
//     check, before the pre-checks).
//   - Location rule methods: admin and reseller only (an accountant gets Access
//     Denied). Foreign rule: get → "Location rule was not found", update → "Location
//     error", delete → "Rule was not found"; location_rules_get of a foreign location →
//     "Location was not found". Check order is documented on applyRule.
//   - conflines_update: a blank (whitespace-only) value leaves a setting unchanged;
//     values are otherwise taken as sent (no trimming); numbers are plain decimals;
//     quick-forward rule, tariff and location must be the caller's own; codec names are
//     trimmed and lower-cased, duplicates dropped.
//   - did_rates_details_update: the tariffs must exist (any owner, any purpose);
//     blank parameters are left unchanged; the 0/1 flags have their own texts.
//   - Lookups (lookups.go): who sees what, the order, dids_get's 1-based from, "No DIDs
//     found", and the fixed values of fields not modelled. A user's Unauthorized
//     methods answer "You are not authorized to use this functionality".
//   - Request.Outcome of a successful read is "ok"; the request log keeps the last
//     10000 requests (the counters keep counting).
//   - SetLatency adds a fixed delay to every API request (a model of the network and of
//     MOR's own work, for benchmarks); it is not a fault and survives Reset.
//   - Faults apply to API routes only, in the order Down, Latency, ErrorRate,
//     TooManyRate, NonXMLRate (LostAnswerRate after a write); fractional rates are
//     random per request.
//   - Rules are indexed per location: a location_rules_get page and a uniqueness check
//     cost the rules of the listed locations, not all the server's, so a scale
//     benchmark does not measure the simulator.
package morsim
