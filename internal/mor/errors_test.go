package mor

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestClassifyText(t *testing.T) {
	tests := []struct {
		text string
		want Class
	}{
		{"Incorrect hash", Authentication},
		{"Access Denied", Authentication},
		{"API Requests are disabled", Authentication},
		{"GET Requests are disabled", Authentication},
		{"API must have Secret Key", Authentication},
		{"Tariff was not found", Rejected},
		{"Rule must be unique", Rejected},
		{"DID was not found", Rejected},
		{"", Rejected},
	}
	for _, tt := range tests {
		if got := classifyText(tt.text); got != tt.want {
			t.Errorf("classifyText(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestIsNotFound(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"rule get", &Error{Class: Rejected, Method: LocationRuleGet, Text: "Location rule was not found"}, true},
		{"rule delete", &Error{Class: Rejected, Method: LocationRuleDelete, Text: "Rule was not found"}, true},
		{"did get", &Error{Class: Rejected, Method: DIDRatesDetailsGet, Text: "DID was not found"}, true},
		{"did update", &Error{Class: Rejected, Method: DIDRatesDetailsUpdate, Text: "DID was not found"}, true},
		{"wrapped", fmt.Errorf("observe: %w", &Error{Class: Rejected, Method: LocationRuleGet, Text: "Location rule was not found"}), true},
		{"no method: text decides", &Error{Class: Rejected, Text: "DID was not found"}, true},
		{"did_id of a rule update points nowhere", &Error{Class: Rejected, Method: LocationRuleUpdate, Text: "DID was not found"}, false},
		{"location of rules_get", &Error{Class: Rejected, Method: LocationRulesGet, Text: "Location was not found"}, false},
		{"other rejection", &Error{Class: Rejected, Method: LocationRuleGet, Text: "Tariff was not found"}, false},
		{"not Rejected", &Error{Class: Transient, Method: LocationRuleGet, Text: "Location rule was not found"}, false},
		{"plain error", errors.New("Rule was not found"), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsNotFound(tt.err); got != tt.want {
				t.Errorf("IsNotFound = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestClassOf(t *testing.T) {
	tests := []struct {
		err  error
		want Class
	}{
		{&Error{Class: Authentication}, Authentication},
		{fmt.Errorf("x: %w", &Error{Class: Transient}), Transient},
		{&Error{Class: Rejected}, Rejected},
		{errors.New("plain"), 0},
		{nil, 0},
	}
	for _, tt := range tests {
		if got := ClassOf(tt.err); got != tt.want {
			t.Errorf("ClassOf(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{"999999999", maxRetryAfter},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), maxRetryAfter},
		{"Sunday, 01-Mar-26 12:00:30 GMT", 30 * time.Second}, // RFC 850
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.header, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}
