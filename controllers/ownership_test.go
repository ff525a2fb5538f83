package controllers

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// morServers: "default" and "alias" are the same MOR (URL and user), "other" is not.
func morServers() []client.Object {
	s := func(name, url string) *v1alpha1.MorServer {
		return &v1alpha1.MorServer{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: v1alpha1.MorServerSpec{URL: url, Username: "admin"}}
	}
	return []client.Object{s("default", "https://mor-a/billing"), s("alias", "https://mor-a/billing"), s("other", "https://mor-b/billing")}
}

func TestOneOwnerPerMORObject(t *testing.T) {
	now := time.Now()
	did := func(name string, age time.Duration, server string, observeOnly bool) *v1alpha1.DIDRate {
		d := &v1alpha1.DIDRate{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: rigNS, CreationTimestamp: metav1.NewTime(now.Add(-age))},
			Spec: v1alpha1.DIDRateSpec{DIDID: ptrTo(int64(3)), ServerRef: &v1alpha1.ServerReference{Name: server}, OwnerTariffID: ptrTo(int64(4))}}
		if observeOnly {
			d.Spec.ManagementPolicy = ptrTo(v1alpha1.ManagementPolicyObserveOnly)
		}
		return d
	}
	rule := func(name string, age time.Duration, mutate func(*v1alpha1.LocationRuleSpec)) *v1alpha1.LocationRule {
		spec := seedRule1Spec()
		mutate(&spec)
		return &v1alpha1.LocationRule{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: rigNS,
			CreationTimestamp: metav1.NewTime(now.Add(-age))}, Spec: spec}
	}
	adopt := func(s *v1alpha1.LocationRuleSpec) { s.RuleID = ptrTo(int64(1)) }
	create := func(s *v1alpha1.LocationRuleSpec) {}
	for _, tc := range []struct {
		name     string
		me       managed.Resource
		others   []client.Object
		conflict string // the owner named, "" for none
	}{
		{name: "DID: the older one owns it", me: did("me", time.Minute, "default", false),
			others: []client.Object{did("older", time.Hour, "default", false)}, conflict: `DIDRate "older" already manages DID 3`},
		{name: "DID: a younger one does not", me: did("me", time.Hour, "default", false),
			others: []client.Object{did("younger", time.Minute, "default", false)}},
		{name: "DID: another MorServer of the same MOR counts", me: did("me", time.Minute, "default", false),
			others: []client.Object{did("older", time.Hour, "alias", false)}, conflict: `"older"`},
		{name: "DID: another MOR does not", me: did("me", time.Minute, "default", false),
			others: []client.Object{did("older", time.Hour, "other", false)}},
		{name: "DID: an ObserveOnly one never writes, so never owns", me: did("me", time.Minute, "default", false),
			others: []client.Object{did("older", time.Hour, "default", true)}},
		{name: "rule: the same spec.ruleID", me: rule("me", time.Minute, adopt),
			others: []client.Object{rule("older", time.Hour, adopt)}, conflict: `LocationRule "older" already manages rule 1`},
		{name: "rule: the same identity in the same location", me: rule("me", time.Minute, create),
			others: []client.Object{rule("older", time.Hour, create)}, conflict: `LocationRule "older" already manages the rule of location 1`},
		{name: "rule: another identity", me: rule("me", time.Minute, create),
			others: []client.Object{rule("older", time.Hour, func(s *v1alpha1.LocationRuleSpec) { s.Cut = ptrTo("0099") })}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			r := newRig(t, append(append(morServers(), tc.others...), tc.me)...)
			var err error
			switch me := tc.me.(type) {
			case *v1alpha1.DIDRate:
				_, err = ownAndObserve(didRates(r), me, mustConnect(t, didRates(r), me))
			case *v1alpha1.LocationRule:
				_, err = ownAndObserve(locationRules(r), me, mustConnect(t, locationRules(r), me))
			}
			if tc.conflict == "" {
				g.Expect(stalledReason(err)).NotTo(Equal(verdict.ReasonConflict), "error: %v", err)
				return
			}
			g.Expect(stalledReason(err)).To(Equal(verdict.ReasonConflict))
			g.Expect(err.Error()).To(ContainSubstring(tc.conflict))
		})
	}
}
