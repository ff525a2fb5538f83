package plugin

import (
	"bufio"
	"context"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/lookup"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
)

// TestExportRoundTrip: 300 hand-made rules are exported with every value MOR reports,
// byte-identical on a second export, and decode back to exactly MOR's values, names
// resolving (as the operator resolves them) to MOR's ids.
func TestExportRoundTrip(t *testing.T) {
	const n = 300
	sim, api, _ := newSim(t, handSeed(n), 1e6)
	o := ExportOptions{Namespace: "mor", DIDs: []int64{3, 1}, Defaults: true}
	first := exportString(t, api, o)
	sim.ResetRequests()
	if second := exportString(t, api, o); second != first {
		t.Fatal("second export differs from the first")
	}
	for _, r := range sim.Requests() {
		if !strings.HasSuffix(r.Method, "_get") {
			t.Errorf("export called %s: it must only read", r.Method)
		}
	}

	st := sim.Snapshot()
	lookups := lookup.New(api, time.Hour)
	names := map[string]bool{}
	var rules, dids, defaults int
	for _, doc := range yamlDocuments(t, first) {
		b := []byte(doc)
		var u struct {
			Kind     string            `json:"kind"`
			Metadata metav1.ObjectMeta `json:"metadata"`
		}
		mustDecode(t, b, &u)
		if errs := validation.IsDNS1123Label(u.Metadata.Name); len(errs) > 0 || names[u.Metadata.Name] || u.Metadata.Namespace != "mor" {
			t.Errorf("%s %q: not a unique DNS-1123 label in namespace mor (%v)", u.Kind, u.Metadata.Name, errs)
		}
		names[u.Metadata.Name] = true
		switch u.Kind {
		case "MorDefaults":
			defaults++
		case "DIDRate":
			dids++
			var d v1alpha1.DIDRate
			mustDecode(t, b, &d)
			resolveNames(t, lookups, &d.Spec)
			want := st.DIDs[*d.Spec.DIDID]
			if *d.Spec.ProviderTariffID != want.ProviderTariffID || *d.Spec.OwnerTariffID != want.OwnerTariffID ||
				*d.Spec.AllowCallReject != (want.AllowCallReject == 1) || *d.Spec.AllowCallRejectProvider != (want.AllowCallRejectProvider == 1) {
				t.Errorf("DID %d: exported %+v, MOR has %+v", *d.Spec.DIDID, d.Spec, want)
			}
		case "LocationRule":
			rules++
			var lr v1alpha1.LocationRule
			mustDecode(t, b, &lr)
			resolveNames(t, lookups, &lr.Spec)
			checkRule(t, &lr, st.Rules[*lr.Spec.RuleID])
		}
	}
	if rules != n || dids != 2 || defaults != 0 {
		t.Errorf("exported %d rules, %d DIDs, %d MorDefaults; want %d, 2, 0 (the skeleton is a comment)", rules, dids, defaults, n)
	}
}

// TestExportStreamSkeleton: applying a whole exported stream must not wipe a MorDefaults
// a user manages, so in a stream the MorDefaults skeleton is comment lines only (the
// stream holds no applyable MorDefaults), with or without other documents; in
// --output-dir its file stays out of kustomization.yaml.
func TestExportStreamSkeleton(t *testing.T) {
	_, api, _ := newSim(t, handSeed(3), 1e6)
	for _, tt := range []struct {
		name      string
		o         ExportOptions
		applyable int
	}{
		{"with rules and a DID", ExportOptions{Namespace: "mor", DIDs: []int64{3}, Defaults: true}, 4},
		{"skeleton only", ExportOptions{Namespace: "mor", Locations: []int64{2}, Defaults: true, Server: "other"}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.o.Locations != nil { // location 2 of handSeed(3) has one rule: leave it out
				tt.o.SkipManaged, tt.o.Managed = true, map[int64]bool{6: true}
			}
			out := exportString(t, api, tt.o)
			docs := yamlDocuments(t, out)
			if len(docs) != tt.applyable {
				t.Errorf("%d applyable documents, want %d", len(docs), tt.applyable)
			}
			for _, doc := range docs {
				var u struct{ Kind string }
				mustDecode(t, []byte(doc), &u)
				if u.Kind == "MorDefaults" {
					t.Errorf("the stream holds an applyable MorDefaults:\n%s", doc)
				}
			}
			if !strings.Contains(out, "# kind: MorDefaults\n") || !strings.Contains(out, "# spec:") {
				t.Errorf("the skeleton is not in the stream as a comment:\n%s", out)
			}
		})
	}
}

// yamlDocuments splits a stream as kubectl apply does, dropping documents that are only
// comments (they decode to nothing).
func yamlDocuments(t *testing.T, stream string) []string {
	t.Helper()
	r := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(stream)))
	var out []string
	for {
		doc, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		var v any
		mustDecode(t, doc, &v)
		if v != nil {
			out = append(out, string(doc))
		}
	}
}

func checkRule(t *testing.T, lr *v1alpha1.LocationRule, want *morsim.Rule) {
	t.Helper()
	s := lr.Spec
	id := func(v int64) int64 {
		if v == 0 {
			return -1
		}
		return v
	}
	type pair struct{ got, want any }
	for field, p := range map[string]pair{
		"locationID": {s.LocationID, want.LocationID}, "name": {*s.Name, want.Name},
		"enabled": {*s.Enabled, want.Enabled == 1}, "type": {string(*s.Type), want.LrType},
		"cut": {*s.Cut, want.Cut}, "add": {*s.Add, want.Add}, "srcCut": {*s.SrcCut, want.SrcCut}, "srcAdd": {*s.SrcAdd, want.SrcAdd},
		"minLen": {int(*s.MinLen), want.MinLen}, "maxLen": {int(*s.MaxLen), want.MaxLen},
		"srcMinLen": {int(*s.SrcMinLen), want.SrcMinLen}, "srcMaxLen": {int(*s.SrcMaxLen), want.SrcMaxLen},
		"tariffID": {*s.TariffID, id(want.TariffID)}, "lcrID": {*s.LCRID, id(want.LcrID)},
		"didID": {*s.DIDID, id(want.DidID)}, "deviceID": {*s.DeviceID, id(want.DeviceID)},
		"changeCallerIDName": {*s.ChangeCallerIDName, want.ChangeCallerIDName == 1},
		"managementPolicy":   {*s.ManagementPolicy, v1alpha1.ManagementPolicyObserveOnly},
		"deletionPolicy":     {*s.DeletionPolicy, v1alpha1.DeletionPolicyOrphan},
	} {
		if p.got != p.want {
			t.Errorf("rule %d %s: exported %#v, MOR has %#v", want.ID, field, p.got, p.want)
		}
	}
	if s.ServerRef != nil {
		t.Errorf("rule %d: serverRef %v written for the default server", want.ID, s.ServerRef)
	}
}

// resolveNames turns the names of spec back into ids, as the operator resolves them.
func resolveNames(t *testing.T, lookups *lookup.Cache, spec any) {
	t.Helper()
	v := reflect.ValueOf(spec).Elem()
	for _, ref := range mor.ReferencesOf(spec) {
		kind, _ := lookup.KindOf(ref.Lookup)
		id, err := lookups.Resolve(context.Background(), kind, ref.Name)
		if err != nil {
			t.Fatalf("%s: %v", ref.Field, err)
		}
		twin := map[string]string{"spec.tariffName": "TariffID", "spec.lcrName": "LCRID", "spec.didNumber": "DIDID",
			"spec.providerTariffName": "ProviderTariffID", "spec.ownerTariffName": "OwnerTariffID"}[ref.Field]
		v.FieldByName(twin).Set(reflect.ValueOf(&id))
	}
}

func mustDecode(t *testing.T, b []byte, into any) {
	t.Helper()
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatal(err)
	}
}

// TestExportSkipsOwnedRules: a rule a Manage LocationRule of the MorServer already
// writes is left out with a warning naming it, unless that LocationRule is the very
// resource the export writes (a re-export); ObserveOnly resources and another
// MorServer's resources own nothing.
func TestExportSkipsOwnedRules(t *testing.T) {
	sim, api, url := newSim(t, handSeed(3), 1e6) // rules 3, 6, 9 in locations 1, 2, 3
	st := sim.Snapshot()
	manage := func(name string, statusRule int64, server string) *v1alpha1.LocationRule {
		r := rule(name, 1, nil, v1alpha1.ResourceStatus{})
		r.Spec.ManagementPolicy = ptr.To(v1alpha1.ManagementPolicyManage)
		r.Status.RuleID = &statusRule
		if server != "" {
			r.Spec.ServerRef = &v1alpha1.ServerReference{Name: server}
		}
		return r
	}
	observer := rule("observer", 3, ptr.To[int64](9), v1alpha1.ResourceStatus{})
	c := clusterWith(url,
		manage("hand-written", 3, ""),                       // owns rule 3 under another name
		manage(ruleName("", 2, 6, st.Rules[6].Name), 6, ""), // the exported resource itself
		manage("elsewhere", 9, "other"),                     // rule 9 of another MorServer
		observer)
	owners, err := serverOwners(context.Background(), c, "mor", v1alpha1.DefaultServerName)
	if err != nil {
		t.Fatal(err)
	}
	docs, warnings, err := Export(context.Background(), api, ExportOptions{Namespace: "mor", Owners: owners})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range docs {
		got = append(got, d.Name)
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], "l2-") || !strings.HasPrefix(got[1], "l3-") {
		t.Errorf("exported %v, want the rules of locations 2 and 3", got)
	}
	want := `rule 3: left out: LocationRule "hand-written" already manages it (a second resource adopting it would be Stalled with reason Conflict)`
	if !slices.Contains(warnings, want) {
		t.Errorf("warnings %q lack %q", warnings, want)
	}
}
