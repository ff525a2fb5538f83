// Package claim says which MOR objects a resource writes, and which of the resources
// claiming one owns it: the rule the operator enforces (controllers/ownership.go) and
// kubectl mor predicts (export leaves out what another resource owns, plan shows who
// would be Stalled).
//
// One owner per MOR object: of the resources of a namespace that would write the same
// MOR object on the same MOR, the oldest (creationTimestamp, then name) owns it and the
// others are Stalled with reason Conflict until it goes. ObserveOnly resources never
// write, so they neither own nor conflict.
package claim

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/mor"
)

// Rule is the claim on the MOR rule of id.
func Rule(id int64) string { return fmt.Sprintf("rule %d", id) }

// DID is the claim on the rate details of the DID of id.
func DID(id int64) string { return fmt.Sprintf("DID %d", id) }

// LocationRule: the rule a LocationRule writes, by id once known, and — for one that
// creates its rule — by identity in its location.
func LocationRule(r *v1alpha1.LocationRule) []string {
	var claims []string
	if id := r.Spec.RuleID; id != nil {
		return []string{Rule(*id)}
	}
	if id := r.Status.RuleID; id != nil {
		claims = append(claims, Rule(*id))
	}
	fields := mor.ParamsOf(&r.Spec).Fields()
	key := fmt.Sprintf("the rule of location %d identified by", r.Spec.LocationID)
	for _, f := range RuleIdentity {
		v, ok := fields[f.Param]
		if !ok {
			v = f.CreateDefault
		}
		key += fmt.Sprintf(" %s=%q", f.Param, v)
	}
	return append(claims, key)
}

// RuleIdentity is what a rule the operator created is recognised by when its id was
// lost (a crash between create and status write), with MOR's create-time defaults for
// the fields the spec leaves out.
var RuleIdentity = []struct {
	Param, CreateDefault string
	Numeric              bool // compared as numbers, set in the spec or not
}{
	{"name", "", false}, {"lr_type", "dst", false}, {"cut", "", false}, {"add", "", false},
	{"minlen", "1", true}, {"maxlen", "99", true},
}

// DIDRate: a DIDRate writes one DID's rate details, named by id or by a number once
// resolved, so that the two of one DID conflict.
func DIDRate(d *v1alpha1.DIDRate) []string {
	if id := d.DID(); id != nil {
		return []string{DID(*id)}
	}
	return nil
}

// MorDefaults: a MOR has one set of Default User/Device settings per user.
func MorDefaults(*v1alpha1.MorDefaults) []string {
	return []string{"the Default User/Device settings"}
}

// Claimant is a resource that may write MOR objects.
type Claimant interface {
	metav1.Object
	ObserveOnly() bool
}

// Contends reports whether o competes for what it claims: it writes (Manage) and is
// not going.
func Contends(o Claimant) bool { return !o.ObserveOnly() && o.GetDeletionTimestamp() == nil }

// Precedes reports whether a owns a MOR object both claim before b: the older, then the
// first by name.
func Precedes(a, b metav1.Object) bool {
	ta, tb := a.GetCreationTimestamp(), b.GetCreationTimestamp()
	if !ta.Equal(&tb) {
		return ta.Before(&tb)
	}
	return a.GetName() < b.GetName()
}
