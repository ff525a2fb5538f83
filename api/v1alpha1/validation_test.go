package v1alpha1_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1 "github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/kindconfig"
	"github.com/mor-operator/mor-operator/internal/morsim"
)

func ptr[T any](v T) *T { return &v }

// Builders of valid minimal objects; each case mutates one thing.

func morServer(mutate func(*v1.MorServerSpec)) *v1.MorServer {
	o := &v1.MorServer{Spec: v1.MorServerSpec{
		URL:          "https://mor.example.com/billing",
		Username:     "admin",
		SecretKeyRef: v1.SecretKeySelector{Name: "mor-api-key", Key: "secretKey"},
	}}
	if mutate != nil {
		mutate(&o.Spec)
	}
	return o
}

func morDefaults(mutate func(*v1.MorDefaultsSpec)) *v1.MorDefaults {
	o := &v1.MorDefaults{}
	if mutate != nil {
		mutate(&o.Spec)
	}
	return o
}

func user(mutate func(*v1.DefaultUser)) func(*v1.MorDefaultsSpec) {
	return func(s *v1.MorDefaultsSpec) {
		s.User = &v1.DefaultUser{}
		mutate(s.User)
	}
}

func device(mutate func(*v1.DefaultDevice)) func(*v1.MorDefaultsSpec) {
	return func(s *v1.MorDefaultsSpec) {
		s.Device = &v1.DefaultDevice{}
		mutate(s.Device)
	}
}

func didRate(mutate func(*v1.DIDRateSpec)) *v1.DIDRate {
	o := &v1.DIDRate{Spec: v1.DIDRateSpec{DIDID: ptr(int64(3))}}
	if mutate != nil {
		mutate(&o.Spec)
	}
	return o
}

func locationRule(mutate func(*v1.LocationRuleSpec)) *v1.LocationRule {
	o := &v1.LocationRule{Spec: v1.LocationRuleSpec{
		LocationID: 1,
		Name:       ptr("Lithuania to E.164"),
		Cut:        ptr("00370"),
		Add:        ptr("+370"),
	}}
	if mutate != nil {
		mutate(&o.Spec)
	}
	return o
}

// named gives an object a namespace and a name unique in it.
func named(o client.Object, ns string, i int) client.Object {
	o.SetNamespace(ns)
	o.SetName(fmt.Sprintf("obj-%d", i))
	return o
}

// expectInvalidAt asserts that err is the API server's Invalid answer and that one of
// its causes is reported at field (so kubectl prints "field: Invalid value: ...").
// CEL rules on a parent object use fieldPath to point at the field they are about.
func expectInvalidAt(g Gomega, err error, field string) {
	g.Expect(err).To(HaveOccurred(), "expected %s to be rejected", field)
	g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected an Invalid error, got %v", err)
	g.Expect(err.Error()).To(ContainSubstring(field))
	var status apierrors.APIStatus
	g.Expect(errors.As(err, &status)).To(BeTrue())
	details := status.Status().Details
	g.Expect(details).NotTo(BeNil())
	fields := make([]string, 0, len(details.Causes))
	for _, c := range details.Causes {
		fields = append(fields, c.Field)
	}
	g.Expect(fields).To(ContainElement(field), "causes: %+v", details.Causes)
}

type invalidCase struct {
	name   string
	obj    client.Object
	field  string // the path the rejection must name
	msg    string // optional: text the error must contain
	notMsg string // optional: text it must not (a rule that does not apply)
}

// bad is an invalid case: obj must be rejected at field; msgs are, optionally, text the
// error must contain and text it must not.
func bad(name string, obj client.Object, field string, msgs ...string) invalidCase {
	tc := invalidCase{name: name, obj: obj, field: field}
	if len(msgs) > 0 {
		tc.msg = msgs[0]
	}
	if len(msgs) > 1 {
		tc.notMsg = msgs[1]
	}
	return tc
}

func invalidCases() []invalidCase {
	return []invalidCase{
		// MorServer
		bad("MorServer http without allowInsecureHTTP", morServer(func(s *v1.MorServerSpec) {
			s.URL = "http://mor.example.com/billing"
		}), "spec.url", "unless spec.allowInsecureHTTP is true"),
		bad("MorServer http with allowInsecureHTTP false", morServer(func(s *v1.MorServerSpec) {
			s.URL, s.AllowInsecureHTTP = "http://127.0.0.1:8086/billing", false
		}), "spec.url"),
		// Not http://: only the URL pattern speaks, not the allowInsecureHTTP rule.
		bad("MorServer ftp url", morServer(func(s *v1.MorServerSpec) { s.URL = "ftp://x" }), "spec.url", "should match", "allowInsecureHTTP"),
		bad("MorServer ftp url with allowInsecureHTTP", morServer(func(s *v1.MorServerSpec) {
			s.URL, s.AllowInsecureHTTP = "ftp://x", true
		}), "spec.url"),
		bad("MorServer url without host", morServer(func(s *v1.MorServerSpec) { s.URL = "https://" }), "spec.url"),
		bad("MorServer url with space", morServer(func(s *v1.MorServerSpec) { s.URL = "https://mor example/billing" }), "spec.url"),
		bad("MorServer url with query", morServer(func(s *v1.MorServerSpec) { s.URL = "https://mor.example.com/billing?u=admin" }), "spec.url"),
		bad("MorServer empty username", morServer(func(s *v1.MorServerSpec) { s.Username = "" }), "spec.username"),
		bad("MorServer empty secret name", morServer(func(s *v1.MorServerSpec) { s.SecretKeyRef.Name = "" }), "spec.secretKeyRef.name"),
		bad("MorServer empty secret key", morServer(func(s *v1.MorServerSpec) { s.SecretKeyRef.Key = "" }), "spec.secretKeyRef.key"),
		bad("MorServer rateLimit 0", morServer(func(s *v1.MorServerSpec) {
			s.RateLimit = &v1.RateLimit{RequestsPerSecond: ptr(int32(0))}
		}), "spec.rateLimit.requestsPerSecond"),
		bad("MorServer rateLimit 1001", morServer(func(s *v1.MorServerSpec) {
			s.RateLimit = &v1.RateLimit{RequestsPerSecond: ptr(int32(1001))}
		}), "spec.rateLimit.requestsPerSecond"),
		bad("MorServer burst 0", morServer(func(s *v1.MorServerSpec) {
			s.RateLimit = &v1.RateLimit{Burst: ptr(int32(0))}
		}), "spec.rateLimit.burst"),
		bad("MorServer negative timeout", morServer(func(s *v1.MorServerSpec) {
			s.Timeout = &metav1.Duration{Duration: -time.Second}
		}), "spec.timeout"),
		bad("MorServer timeout of years", morServer(func(s *v1.MorServerSpec) {
			s.Timeout = &metav1.Duration{Duration: 999999 * time.Hour}
		}), "spec.timeout", "at most 1m"),
		bad("MorServer zero timeout", morServer(func(s *v1.MorServerSpec) {
			s.Timeout = &metav1.Duration{Duration: 0}
		}), "spec.timeout"),
		bad("MorServer empty CA bundle secret", morServer(func(s *v1.MorServerSpec) {
			s.TLS = &v1.TLSConfig{CABundleSecretRef: &v1.SecretKeySelector{Name: "ca", Key: ""}}
		}), "spec.tls.caBundleSecretRef.key"),

		// MorDefaults
		bad("MorDefaults passwordLength 5", morDefaults(user(func(u *v1.DefaultUser) { u.PasswordLength = ptr(int32(5)) })), "spec.user.passwordLength"),
		bad("MorDefaults passwordLength 31", morDefaults(user(func(u *v1.DefaultUser) { u.PasswordLength = ptr(int32(31)) })), "spec.user.passwordLength"),
		bad("MorDefaults credit -2", morDefaults(user(func(u *v1.DefaultUser) { u.Credit = ptr("-2") })), "spec.user.credit"),
		bad("MorDefaults credit -1.5", morDefaults(user(func(u *v1.DefaultUser) { u.Credit = ptr("-1.5") })), "spec.user.credit"),
		bad("MorDefaults credit empty", morDefaults(user(func(u *v1.DefaultUser) { u.Credit = ptr("") })), "spec.user.credit"),
		bad("MorDefaults balance abc", morDefaults(user(func(u *v1.DefaultUser) { u.Balance = ptr("abc") })), "spec.user.balance"),
		bad("MorDefaults balance 1e3", morDefaults(user(func(u *v1.DefaultUser) { u.Balance = ptr("1e3") })), "spec.user.balance"),
		bad("MorDefaults currency usd", morDefaults(user(func(u *v1.DefaultUser) { u.Currency = ptr("usd") })), "spec.user.currency"),
		bad("MorDefaults currency EURO", morDefaults(user(func(u *v1.DefaultUser) { u.Currency = ptr("EURO") })), "spec.user.currency"),
		bad("MorDefaults callLimit -1", morDefaults(user(func(u *v1.DefaultUser) { u.CallLimit = ptr(int32(-1)) })), "spec.user.callLimit"),
		bad("MorDefaults empty timeZone", morDefaults(user(func(u *v1.DefaultUser) { u.TimeZone = ptr("") })), "spec.user.timeZone"),
		bad("MorDefaults quickForwardsRuleID -1", morDefaults(user(func(u *v1.DefaultUser) { u.QuickForwardsRuleID = ptr(int64(-1)) })), "spec.user.quickForwardsRuleID"),
		bad("MorDefaults user tariffID 0", morDefaults(user(func(u *v1.DefaultUser) { u.TariffID = ptr(int64(0)) })), "spec.user.tariffID"),
		bad("MorDefaults qualify 999", morDefaults(device(func(d *v1.DefaultDevice) { d.Qualify = ptr("999") })), "spec.device.qualify"),
		bad("MorDefaults qualify yes", morDefaults(device(func(d *v1.DefaultDevice) { d.Qualify = ptr("yes") })), "spec.device.qualify"),
		bad("MorDefaults qualify leading zero", morDefaults(device(func(d *v1.DefaultDevice) { d.Qualify = ptr("01000") })), "spec.device.qualify"),
		bad("MorDefaults canReinvite maybe", morDefaults(device(func(d *v1.DefaultDevice) { d.CanReinvite = ptr("maybe") })), "spec.device.canReinvite"),
		bad("MorDefaults canReinvite nonat,update", morDefaults(device(func(d *v1.DefaultDevice) { d.CanReinvite = ptr("nonat,update") })), "spec.device.canReinvite"),
		bad("MorDefaults nat on", morDefaults(device(func(d *v1.DefaultDevice) { d.NAT = ptr("on") })), "spec.device.nat"),
		bad("MorDefaults unknown audio codec", morDefaults(device(func(d *v1.DefaultDevice) {
			d.AudioCodecs = []v1.AudioCodec{"alaw", "opus"}
		})), "spec.device.audioCodecs[1]"),
		bad("MorDefaults unknown video codec", morDefaults(device(func(d *v1.DefaultDevice) {
			d.VideoCodecs = []v1.VideoCodec{"vp8"}
		})), "spec.device.videoCodecs[0]"),
		bad("MorDefaults device callLimit -1", morDefaults(device(func(d *v1.DefaultDevice) { d.CallLimit = ptr(int32(-1)) })), "spec.device.callLimit"),
		bad("MorDefaults graceTime -1", morDefaults(device(func(d *v1.DefaultDevice) { d.GraceTime = ptr(int32(-1)) })), "spec.device.graceTime"),
		bad("MorDefaults device locationID 0", morDefaults(device(func(d *v1.DefaultDevice) { d.LocationID = ptr(int64(0)) })), "spec.device.locationID"),
		bad("MorDefaults negative reapplyInterval", morDefaults(func(s *v1.MorDefaultsSpec) {
			s.ReapplyInterval = &metav1.Duration{Duration: -time.Hour}
		}), "spec.reapplyInterval"),
		bad("MorDefaults reapplyInterval over 30 days", morDefaults(func(s *v1.MorDefaultsSpec) {
			s.ReapplyInterval = &metav1.Duration{Duration: 721 * time.Hour}
		}), "spec.reapplyInterval"),
		bad("MorDefaults empty serverRef name", morDefaults(func(s *v1.MorDefaultsSpec) {
			s.ServerRef = &v1.ServerReference{}
		}), "spec.serverRef.name"),

		// DIDRate
		bad("DIDRate didID 0", didRate(func(s *v1.DIDRateSpec) { s.DIDID = ptr(int64(0)) }), "spec.didID"),
		bad("DIDRate didID -1", didRate(func(s *v1.DIDRateSpec) { s.DIDID = ptr(int64(-1)) }), "spec.didID"),
		bad("DIDRate neither didID nor didNumber", didRate(func(s *v1.DIDRateSpec) { s.DIDID = nil }), "spec",
			"exactly one of spec.didID and spec.didNumber must be set"),
		bad("DIDRate didID and didNumber", didRate(func(s *v1.DIDRateSpec) { s.DIDNumber = ptr("37052000001") }), "spec",
			"exactly one of spec.didID and spec.didNumber must be set"),
		bad("DIDRate empty didNumber", didRate(func(s *v1.DIDRateSpec) { s.DIDID, s.DIDNumber = nil, ptr("") }), "spec.didNumber"),
		bad("DIDRate providerTariffID and providerTariffName", didRate(func(s *v1.DIDRateSpec) {
			s.ProviderTariffID, s.ProviderTariffName = ptr(int64(3)), ptr("Provider tariff")
		}), "spec.providerTariffName", "cannot both be set"),
		bad("DIDRate ownerTariffID and ownerTariffName", didRate(func(s *v1.DIDRateSpec) {
			s.OwnerTariffID, s.OwnerTariffName = ptr(int64(0)), ptr("Retail")
		}), "spec.ownerTariffName", "cannot both be set"),
		bad("DIDRate providerTariffID 0", didRate(func(s *v1.DIDRateSpec) { s.ProviderTariffID = ptr(int64(0)) }), "spec.providerTariffID"),
		bad("DIDRate ownerTariffID -1", didRate(func(s *v1.DIDRateSpec) { s.OwnerTariffID = ptr(int64(-1)) }), "spec.ownerTariffID"),
		bad("DIDRate managementPolicy Sometimes", didRate(func(s *v1.DIDRateSpec) {
			s.ManagementPolicy = ptr(v1.ManagementPolicy("Sometimes"))
		}), "spec.managementPolicy"),

		// LocationRule
		bad("LocationRule locationID 0", locationRule(func(s *v1.LocationRuleSpec) { s.LocationID = 0 }), "spec.locationID"),
		bad("LocationRule ruleID 0", locationRule(func(s *v1.LocationRuleSpec) { s.RuleID = ptr(int64(0)) }), "spec.ruleID"),
		bad("LocationRule minLen > maxLen", locationRule(func(s *v1.LocationRuleSpec) {
			s.MinLen, s.MaxLen = ptr(int32(16)), ptr(int32(15))
		}), "spec.minLen", "less than or equal to spec.maxLen"),
		bad("LocationRule srcMinLen > srcMaxLen", locationRule(func(s *v1.LocationRuleSpec) {
			s.SrcMinLen, s.SrcMaxLen = ptr(int32(9)), ptr(int32(3))
		}), "spec.srcMinLen", "less than or equal to spec.srcMaxLen"),
		bad("LocationRule maxLen 101", locationRule(func(s *v1.LocationRuleSpec) { s.MaxLen = ptr(int32(101)) }), "spec.maxLen"),
		bad("LocationRule minLen -1", locationRule(func(s *v1.LocationRuleSpec) { s.MinLen = ptr(int32(-1)) }), "spec.minLen"),
		bad("LocationRule cut and add both empty", locationRule(func(s *v1.LocationRuleSpec) {
			s.Cut, s.Add = ptr(""), ptr("")
		}), "spec.cut", "spec.cut and spec.add cannot both be empty"),
		bad("LocationRule cut and add both omitted", locationRule(func(s *v1.LocationRuleSpec) {
			s.Cut, s.Add = nil, nil
		}), "spec.cut"),
		bad("LocationRule combined with cut and add empty", locationRule(func(s *v1.LocationRuleSpec) {
			s.Type, s.Cut, s.Add, s.SrcCut = ptr(v1.LocationRuleType("combined")), ptr(""), nil, ptr("0")
		}), "spec.cut"),
		bad("LocationRule cut with space", locationRule(func(s *v1.LocationRuleSpec) { s.Cut = ptr("00 370") }), "spec.cut"),
		bad("LocationRule srcAdd with dash", locationRule(func(s *v1.LocationRuleSpec) { s.SrcAdd = ptr("44-") }), "spec.srcAdd"),
		bad("LocationRule without name and ruleID", locationRule(func(s *v1.LocationRuleSpec) { s.Name = nil }), "spec.name", "unless spec.ruleID"),
		bad("LocationRule empty name", locationRule(func(s *v1.LocationRuleSpec) { s.Name = ptr("") }), "spec.name"),
		bad("LocationRule blank name", locationRule(func(s *v1.LocationRuleSpec) { s.Name = ptr("  ") }), "spec.name"),
		bad("LocationRule name with CR (XML turns it into LF)", locationRule(func(s *v1.LocationRuleSpec) { s.Name = ptr("a\r\nb") }), "spec.name", "control characters"),
		bad("LocationRule name with NUL", locationRule(func(s *v1.LocationRuleSpec) { s.Name = ptr("a\x00b") }), "spec.name"),
		bad("LocationRule name with ESC", locationRule(func(s *v1.LocationRuleSpec) { s.Name = ptr("a\x1bb") }), "spec.name", "control characters"),
		bad("LocationRule name with DEL", locationRule(func(s *v1.LocationRuleSpec) { s.Name = ptr("a\x7fb") }), "spec.name", "control characters"),
		bad("LocationRule name with U+FFFF", locationRule(func(s *v1.LocationRuleSpec) { s.Name = ptr("a\uffffb") }), "spec.name", "control characters"),
		bad("LocationRule tariffID and tariffName", locationRule(func(s *v1.LocationRuleSpec) {
			s.TariffID, s.TariffName = ptr(int64(-1)), ptr("Retail")
		}), "spec.tariffName", "cannot both be set"),
		bad("LocationRule lcrID and lcrName", locationRule(func(s *v1.LocationRuleSpec) {
			s.LCRID, s.LCRName = ptr(int64(2)), ptr("Primary")
		}), "spec.lcrName", "cannot both be set"),
		bad("LocationRule didID and didNumber", locationRule(func(s *v1.LocationRuleSpec) {
			s.DIDID, s.DIDNumber = ptr(int64(2)), ptr("37052000001")
		}), "spec.didNumber", "cannot both be set"),
		bad("LocationRule empty tariffName", locationRule(func(s *v1.LocationRuleSpec) { s.TariffName = ptr("") }), "spec.tariffName"),
		bad("LocationRule tariffID 0", locationRule(func(s *v1.LocationRuleSpec) { s.TariffID = ptr(int64(0)) }), "spec.tariffID"),
		bad("LocationRule lcrID 0", locationRule(func(s *v1.LocationRuleSpec) { s.LCRID = ptr(int64(0)) }), "spec.lcrID"),
		bad("LocationRule didID 0", locationRule(func(s *v1.LocationRuleSpec) { s.DIDID = ptr(int64(0)) }), "spec.didID"),
		bad("LocationRule deviceID -2", locationRule(func(s *v1.LocationRuleSpec) { s.DeviceID = ptr(int64(-2)) }), "spec.deviceID"),
		bad("LocationRule unknown type", locationRule(func(s *v1.LocationRuleSpec) { s.Type = ptr(v1.LocationRuleType("both")) }), "spec.type"),
		bad("LocationRule deletionPolicy Keep", locationRule(func(s *v1.LocationRuleSpec) {
			s.DeletionPolicy = ptr(v1.DeletionPolicy("Keep"))
		}), "spec.deletionPolicy"),
		bad("LocationRule managementPolicy Sometimes", locationRule(func(s *v1.LocationRuleSpec) {
			s.ManagementPolicy = ptr(v1.ManagementPolicy("Sometimes"))
		}), "spec.managementPolicy"),
	}
}

func TestInvalidSpecsAreRejected(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	for i, tc := range invalidCases() {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			err := k8s.Create(ctx, named(tc.obj, ns, i))
			t.Log(err)
			expectInvalidAt(g, err, tc.field)
			g.Expect(err.Error()).To(ContainSubstring(tc.msg))
			if tc.notMsg != "" {
				g.Expect(err.Error()).NotTo(ContainSubstring(tc.notMsg))
			}
		})
	}
}

type updateCase struct {
	name   string
	obj    client.Object
	mutate func(client.Object)
	field  string // "" for an update that must be accepted
}

func updateCases() []updateCase {
	return []updateCase{
		{"DIDRate didID change", didRate(nil), func(o client.Object) {
			o.(*v1.DIDRate).Spec.DIDID = ptr(int64(4))
		}, "spec.didID"},
		{"DIDRate didNumber change", didRate(func(s *v1.DIDRateSpec) { s.DIDID, s.DIDNumber = nil, ptr("37052000001") }), func(o client.Object) {
			o.(*v1.DIDRate).Spec.DIDNumber = ptr("37052000002")
		}, "spec.didNumber"},
		{"DIDRate didID swapped for the didNumber", didRate(nil), func(o client.Object) {
			o.(*v1.DIDRate).Spec.DIDID, o.(*v1.DIDRate).Spec.DIDNumber = nil, ptr("37052000001")
		}, "spec.didNumber"},
		{"DIDRate tariff id swapped for a name", didRate(func(s *v1.DIDRateSpec) { s.OwnerTariffID = ptr(int64(2)) }), func(o client.Object) {
			o.(*v1.DIDRate).Spec.OwnerTariffID, o.(*v1.DIDRate).Spec.OwnerTariffName = nil, ptr("Retail")
		}, ""},
		{"LocationRule locationID change", locationRule(nil), func(o client.Object) {
			o.(*v1.LocationRule).Spec.LocationID = 2
		}, "spec.locationID"},
		{"LocationRule ruleID added after creation", locationRule(nil), func(o client.Object) {
			o.(*v1.LocationRule).Spec.RuleID = ptr(int64(21))
		}, "spec.ruleID"},
		{"LocationRule ruleID changed", locationRule(func(s *v1.LocationRuleSpec) { s.RuleID = ptr(int64(5)) }), func(o client.Object) {
			o.(*v1.LocationRule).Spec.RuleID = ptr(int64(6))
		}, "spec.ruleID"},
		{"LocationRule ruleID removed", locationRule(func(s *v1.LocationRuleSpec) { s.RuleID = ptr(int64(5)) }), func(o client.Object) {
			o.(*v1.LocationRule).Spec.RuleID = nil
		}, "spec.ruleID"},
		{"LocationRule serverRef set", locationRule(nil), func(o client.Object) {
			o.(*v1.LocationRule).Spec.ServerRef = &v1.ServerReference{Name: "other"}
		}, "spec.serverRef"},
		{"LocationRule serverRef changed", locationRule(func(s *v1.LocationRuleSpec) {
			s.ServerRef = &v1.ServerReference{Name: "one"}
		}), func(o client.Object) {
			o.(*v1.LocationRule).Spec.ServerRef.Name = "two"
		}, "spec.serverRef"},
		{"LocationRule serverRef removed", locationRule(func(s *v1.LocationRuleSpec) {
			s.ServerRef = &v1.ServerReference{Name: "one"}
		}), func(o client.Object) {
			o.(*v1.LocationRule).Spec.ServerRef = nil
		}, "spec.serverRef"},

		// Updates the rules must allow.
		{"DIDRate tariffs and serverRef change", didRate(nil), func(o client.Object) {
			s := &o.(*v1.DIDRate).Spec
			s.OwnerTariffID, s.AllowCallReject = ptr(int64(2)), ptr(false)
			s.ServerRef = &v1.ServerReference{Name: "other"}
		}, ""},
		{"LocationRule mutable fields change", locationRule(nil), func(o client.Object) {
			s := &o.(*v1.LocationRule).Spec
			s.Name, s.Cut, s.Add = ptr("renamed"), ptr("0037"), ptr("")
			s.MinLen, s.MaxLen, s.Enabled = ptr(int32(8)), ptr(int32(12)), ptr(false)
			s.DeletionPolicy = ptr(v1.DeletionPolicyOrphan)
		}, ""},
		{"LocationRule serverRef default made explicit", locationRule(nil), func(o client.Object) {
			o.(*v1.LocationRule).Spec.ServerRef = &v1.ServerReference{Name: v1.DefaultServerName}
		}, ""},
		{"LocationRule adopted rule keeps ruleID", locationRule(func(s *v1.LocationRuleSpec) {
			s.RuleID, s.Name, s.Cut, s.Add = ptr(int64(5)), nil, nil, nil
		}), func(o client.Object) {
			o.(*v1.LocationRule).Spec.MaxLen = ptr(int32(20))
		}, ""},
		{"MorServer url and credentials change", morServer(nil), func(o client.Object) {
			s := &o.(*v1.MorServer).Spec
			s.URL, s.AllowInsecureHTTP, s.Username = "http://127.0.0.1:8086/billing", true, "accountant"
		}, ""},
		{"MorDefaults serverRef change", morDefaults(nil), func(o client.Object) {
			o.(*v1.MorDefaults).Spec.ServerRef = &v1.ServerReference{Name: "other"}
		}, ""},
	}
}

func TestUpdates(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	for i, tc := range updateCases() {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			obj := named(tc.obj, ns, i)
			g.Expect(k8s.Create(ctx, obj)).To(Succeed())
			tc.mutate(obj)
			err := k8s.Update(ctx, obj)
			if err != nil {
				t.Log(err)
			}
			if tc.field == "" {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			expectInvalidAt(g, err, tc.field)
		})
	}
}

func TestValidSpecsAreAccepted(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	cases := []struct {
		name string
		obj  client.Object
	}{
		{"MorServer minimal", morServer(nil)},
		{"LocationRule name XML can carry exactly", locationRule(func(s *v1.LocationRuleSpec) {
			s.Name = ptr("  Zürich\t& <x> ]]> \"q\" +44=0044\n\ufeff ")
		})},
		{"MorServer full", morServer(func(s *v1.MorServerSpec) {
			s.URL = "https://mor.example.com:8443/billing/"
			s.TLS = &v1.TLSConfig{CABundleSecretRef: &v1.SecretKeySelector{Name: "mor-ca", Key: "ca.crt"}}
			s.RateLimit = &v1.RateLimit{RequestsPerSecond: ptr(int32(1000)), Burst: ptr(int32(1))}
			s.Timeout = &metav1.Duration{Duration: 45 * time.Second}
		})},
		{"MorServer https host only", morServer(func(s *v1.MorServerSpec) { s.URL = "https://10.0.0.7" })},
		{"MorServer http with allowInsecureHTTP", morServer(func(s *v1.MorServerSpec) {
			s.URL, s.AllowInsecureHTTP = "http://127.0.0.1:8086/billing", true
		})},
		{"MorServer https with allowInsecureHTTP and skip-verify", morServer(func(s *v1.MorServerSpec) {
			s.AllowInsecureHTTP = true
			s.TLS = &v1.TLSConfig{InsecureSkipVerify: true}
		})},

		{"MorDefaults minimal", morDefaults(nil)},
		{"MorDefaults full", morDefaults(func(s *v1.MorDefaultsSpec) {
			s.ServerRef = &v1.ServerReference{Name: "default"}
			s.ReapplyInterval = &metav1.Duration{Duration: 90 * time.Minute}
			s.User = &v1.DefaultUser{
				PasswordLength: ptr(int32(30)), Credit: ptr("-1"), Balance: ptr("-12.50"),
				Postpaid: ptr(true), AllowLossCalls: ptr(false), CallLimit: ptr(int32(0)),
				TimeZone: ptr("Atlantic Time (Canada)"), Currency: ptr("EUR"),
				QuickForwardsRuleID: ptr(int64(0)), RecordingEnabled: ptr(true),
				RecordingForcedEnabled: ptr(false), TariffID: ptr(int64(2)),
			}
			s.Device = &v1.DefaultDevice{
				CallLimit: ptr(int32(0)), CanReinvite: ptr("update,nonat"), NAT: ptr("force_rport"),
				Qualify: ptr("1000"), GraceTime: ptr(int32(0)),
				AudioCodecs: []v1.AudioCodec{"alaw", "ulaw", "g723", "g726", "g729", "gsm", "ilbc", "lpc10", "speex", "slin"},
				VideoCodecs: []v1.VideoCodec{"h261", "h263", "h263p", "h264"},
				LocationID:  ptr(int64(1)),
			}
		})},
		{"MorDefaults credit and balance forms", morDefaults(user(func(u *v1.DefaultUser) {
			u.PasswordLength, u.Credit, u.Balance = ptr(int32(6)), ptr("0.5"), ptr("100")
		}))},
		{"MorDefaults qualify no, empty codec list", morDefaults(device(func(d *v1.DefaultDevice) {
			d.Qualify, d.CanReinvite, d.NAT = ptr("no"), ptr("no"), ptr("no")
			d.AudioCodecs = []v1.AudioCodec{}
		}))},

		{"DIDRate minimal", didRate(nil)},
		{"DIDRate full", didRate(func(s *v1.DIDRateSpec) {
			s.ServerRef = &v1.ServerReference{Name: "default"}
			s.ProviderTariffID, s.AllowCallRejectProvider = ptr(int64(3)), ptr(true)
			s.OwnerTariffID, s.AllowCallReject = ptr(int64(0)), ptr(false)
			s.ManagementPolicy = ptr(v1.ManagementPolicyObserveOnly)
		})},
		{"MorDefaults nat never (seed)", morDefaults(device(func(d *v1.DefaultDevice) { d.NAT = ptr("never") }))},
		{"MorDefaults nat route (seed)", morDefaults(device(func(d *v1.DefaultDevice) { d.NAT = ptr("route") }))},

		{"LocationRule minimal", locationRule(func(s *v1.LocationRuleSpec) { s.Add = nil })},
		{"LocationRule add only", locationRule(func(s *v1.LocationRuleSpec) { s.Cut = ptr("") })},
		{"LocationRule adopt by ruleID", locationRule(func(s *v1.LocationRuleSpec) {
			s.RuleID, s.Name, s.Cut, s.Add = ptr(int64(5)), nil, nil, nil
		})},
		{"LocationRule src without cut and add", locationRule(func(s *v1.LocationRuleSpec) {
			s.Type, s.Cut, s.Add, s.SrcCut, s.SrcAdd = ptr(v1.LocationRuleType("src")), nil, nil, ptr("8"), ptr("370")
		})},
		{"LocationRule equal lengths", locationRule(func(s *v1.LocationRuleSpec) {
			s.MinLen, s.MaxLen, s.SrcMinLen, s.SrcMaxLen = ptr(int32(11)), ptr(int32(11)), ptr(int32(0)), ptr(int32(0))
		})},
		{"LocationRule unassign everything", locationRule(func(s *v1.LocationRuleSpec) {
			s.TariffID, s.LCRID, s.DIDID, s.DeviceID = ptr(int64(-1)), ptr(int64(-1)), ptr(int64(-1)), ptr(int64(-1))
		})},
		{"LocationRule full", locationRule(func(s *v1.LocationRuleSpec) {
			s.ServerRef = &v1.ServerReference{Name: "default"}
			s.Enabled, s.Type = ptr(true), ptr(v1.LocationRuleType("combined"))
			s.Cut, s.Add, s.MinLen, s.MaxLen = ptr("00"), ptr("+"), ptr(int32(10)), ptr(int32(15))
			s.SrcCut, s.SrcAdd, s.SrcMinLen, s.SrcMaxLen = ptr("0"), ptr("44"), ptr(int32(1)), ptr(int32(100))
			s.TariffID, s.LCRID, s.DIDID, s.DeviceID = ptr(int64(2)), ptr(int64(1)), ptr(int64(2)), ptr(int64(3))
			s.ChangeCallerIDName = ptr(true)
			s.DeletionPolicy = ptr(v1.DeletionPolicyOrphan)
			s.ManagementPolicy = ptr(v1.ManagementPolicyManage)
		})},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			NewWithT(t).Expect(k8s.Create(ctx, named(tc.obj, ns, i))).To(Succeed())
		})
	}
}

// loadSamples decodes every file of config/samples in the order the kustomization
// lists them, and checks that the kustomization lists every file.
func loadSamples(g Gomega) []client.Object {
	dir := filepath.Join("..", "..", "config", "samples")
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	// Strict: the tests use the files as they are, so a kustomization that patched or
	// renamed them would need these tests to learn to render it first.
	var kustomization struct {
		metav1.TypeMeta `json:",inline"`
		Resources       []string `json:"resources"`
	}
	g.Expect(yaml.UnmarshalStrict(raw, &kustomization)).To(Succeed())

	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	var listed []string
	for _, f := range files {
		if filepath.Base(f) != "kustomization.yaml" {
			listed = append(listed, filepath.Base(f))
		}
	}
	g.Expect(kustomization.Resources).To(ConsistOf(listed), "every sample is in kustomization.yaml")

	var objs []client.Object
	for _, name := range kustomization.Resources {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		g.Expect(err).NotTo(HaveOccurred(), name)
		var meta metav1.TypeMeta
		g.Expect(yaml.Unmarshal(raw, &meta)).To(Succeed(), name)
		obj, err := scheme.New(meta.GroupVersionKind())
		g.Expect(err).NotTo(HaveOccurred(), name)
		// Strict: a misspelt field would otherwise be dropped without a word.
		g.Expect(yaml.UnmarshalStrict(raw, obj)).To(Succeed(), name)
		cobj := obj.(client.Object)
		g.Expect(cobj.GetNamespace()).To(BeEmpty(), "%s: samples take the namespace they are applied to", name)
		objs = append(objs, cobj)
	}
	return objs
}

// TestSamplesAreAccepted creates every object of config/samples, so the samples stay
// valid as the schema changes.
func TestSamplesAreAccepted(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	kinds := map[string]bool{}
	for _, obj := range loadSamples(g) {
		kind := obj.GetObjectKind().GroupVersionKind().Kind
		obj.SetNamespace(ns)
		g.Expect(k8s.Create(ctx, obj)).To(Succeed(), "%s %s", kind, obj.GetName())
		kinds[kind] = true
	}
	want := map[string]bool{"Secret": true} // a sample of every kind, and the key's Secret
	crds, err := kindconfig.CRDs("../../config")
	g.Expect(err).NotTo(HaveOccurred())
	for _, c := range crds {
		want[c.Kind] = true
	}
	g.Expect(kinds).To(Equal(want))
}

// TestSamplesMatchSimulatorSeed checks that the samples would become Ready against the
// MOR simulator's default seed (what `make demo` runs): the key, the ids they point at,
// and a LocationRule that cannot collide with a seeded rule ("Rule must be unique").
func TestSamplesMatchSimulatorSeed(t *testing.T) {
	g := NewWithT(t)
	seed := morsim.DefaultSeed()
	var (
		secret *corev1.Secret
		server *v1.MorServer
	)
	for _, obj := range loadSamples(g) {
		switch o := obj.(type) {
		case *corev1.Secret:
			secret = o
		case *v1.MorServer:
			server = o
		case *v1.MorDefaults:
			g.Expect(v1.ServerName(o.Spec.ServerRef)).To(Equal(v1.DefaultServerName))
			if o.Spec.User == nil {
				break
			}
			if id := o.Spec.User.TariffID; id != nil {
				tariff := seed.Tariffs[*id]
				g.Expect(tariff).NotTo(BeNil(), "MorDefaults tariff %d", *id)
				g.Expect(tariff.Purpose).To(BeElementOf(morsim.PurposeUser, morsim.PurposeUserWholesale))
			}
			if tz := o.Spec.User.TimeZone; tz != nil {
				g.Expect(seed.TimeZones).To(ContainElement(*tz))
			}
			if c := o.Spec.User.Currency; c != nil {
				g.Expect(seed.Currencies).To(ContainElement(*c))
			}
		case *v1.DIDRate:
			g.Expect(v1.ServerName(o.Spec.ServerRef)).To(Equal(v1.DefaultServerName))
			did := o.Spec.DIDID
			if n := o.Spec.DIDNumber; n != nil {
				for id, d := range seed.DIDs {
					if d.Number == *n {
						did = &id
					}
				}
			}
			g.Expect(did).NotTo(BeNil(), "DID %v", o.Spec.DIDNumber)
			g.Expect(seed.DIDs).To(HaveKey(*did))
			g.Expect(seed.DIDs[*did].Owner).To(Equal("admin"))
			for _, id := range []*int64{o.Spec.OwnerTariffID, o.Spec.ProviderTariffID} {
				if id != nil && *id != 0 {
					g.Expect(seed.Tariffs).To(HaveKey(*id))
				}
			}
			for name, provider := range map[*string]bool{o.Spec.OwnerTariffName: false, o.Spec.ProviderTariffName: true} {
				if name == nil {
					continue
				}
				var ids []int64
				for id, t := range seed.Tariffs {
					if t.Name == *name && t.Owner == "admin" && (t.Purpose == morsim.PurposeProvider) == provider {
						ids = append(ids, id)
					}
				}
				g.Expect(ids).To(HaveLen(1), "tariff %q resolves to one tariff", *name)
			}
		case *v1.LocationRule:
			s := o.Spec
			g.Expect(v1.ServerName(s.ServerRef)).To(Equal(v1.DefaultServerName))
			g.Expect(seed.Locations).To(HaveKey(s.LocationID))
			g.Expect(seed.Locations[s.LocationID].Owner).To(Equal("admin"))
			g.Expect(s.RuleID).To(BeNil(), "the sample creates its rule")
			for id, r := range seed.Rules {
				same := r.LocationID == s.LocationID && r.LrType == string(deref(s.Type, "dst")) &&
					r.Cut == deref(s.Cut, "") && r.Add == deref(s.Add, "") &&
					r.MinLen == int(deref(s.MinLen, 1)) && r.MaxLen == int(deref(s.MaxLen, 99))
				g.Expect(same).To(BeFalse(), "the sample LocationRule duplicates seeded rule %d", id)
			}
		default:
			t.Errorf("sample %s %s: no check against the simulator's seed", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName())
		}
	}
	g.Expect(secret).NotTo(BeNil())
	g.Expect(server).NotTo(BeNil())
	g.Expect(server.Name).To(Equal(v1.DefaultServerName))
	g.Expect(server.Spec.SecretKeyRef.Name).To(Equal(secret.Name))
	g.Expect(secret.StringData).To(HaveKeyWithValue(server.Spec.SecretKeyRef.Key, morsim.DefaultAdminSecret))
	g.Expect(seed.Users).To(HaveKey(server.Spec.Username))
	g.Expect(seed.Users[server.Spec.Username].SecretKey).To(Equal(morsim.DefaultAdminSecret))
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
