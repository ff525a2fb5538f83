// Package environments_test checks the two-environment sample (docs/environments.md):
// the base writes every MOR reference by name, and the overlays add only what tells
// one MOR from another.
package environments_test

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
)

var overlays = []string{"staging", "production"}

// build renders dir as `kubectl apply -k` would, keyed by kind/name.
func build(g Gomega, dir string) map[string]*unstructured.Unstructured {
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	g.Expect(err).NotTo(HaveOccurred(), "kustomize build %s", dir)
	out := map[string]*unstructured.Unstructured{}
	for _, r := range m.Resources() {
		b, err := r.MarshalJSON()
		g.Expect(err).NotTo(HaveOccurred())
		u := &unstructured.Unstructured{}
		g.Expect(u.UnmarshalJSON(b)).To(Succeed())
		out[u.GetKind()+"/"+u.GetName()] = u
	}
	return out
}

// namedFields maps each kind whose spec can name MOR objects to its named fields (tagged
// `lookup`) and the id field each is the alternative to: tariffName → tariffID,
// didNumber → didID.
func namedFields(g Gomega) map[string]map[string]string {
	out := map[string]map[string]string{}
	for kind, spec := range map[string]any{"LocationRule": v1alpha1.LocationRuleSpec{}, "DIDRate": v1alpha1.DIDRateSpec{}} {
		t := reflect.TypeOf(spec)
		jsonNames := map[string]bool{}
		for i := range t.NumField() {
			jsonNames[jsonName(t.Field(i))] = true
		}
		out[kind] = map[string]string{}
		for i := range t.NumField() {
			f := t.Field(i)
			if _, ok := f.Tag.Lookup("lookup"); !ok {
				continue
			}
			name := jsonName(f)
			stem, ok := strings.CutSuffix(name, "Name")
			if !ok {
				stem, ok = strings.CutSuffix(name, "Number")
			}
			g.Expect(ok).To(BeTrue(), "%s.spec.%s: a named field ends in Name or Number", kind, name)
			g.Expect(jsonNames).To(HaveKey(stem+"ID"), "%s.spec.%s: its id twin %sID", kind, name, stem)
			out[kind][name] = stem + "ID"
		}
	}
	return out
}

func jsonName(f reflect.StructField) string { return strings.Split(f.Tag.Get("json"), ",")[0] }

// TestBaseUsesNamesOnly: no id where a name can be written, every named field shown
// once, and no MorServer: which MOR is the overlays' business.
func TestBaseUsesNamesOnly(t *testing.T) {
	g := NewWithT(t)
	fields := namedFields(g)
	used := map[string]bool{}
	for key, obj := range build(g, "base") {
		g.Expect(obj.GetNamespace()).To(BeEmpty(), "%s: the overlay chooses the namespace", key)
		named, ok := fields[obj.GetKind()]
		g.Expect(ok).To(BeTrue(), "%s: the base holds only kinds that reference MOR objects", key)
		spec, _, _ := unstructured.NestedMap(obj.Object, "spec")
		g.Expect(spec).NotTo(HaveKey("serverRef"), "%s: the overlay's MorServer \"default\" is the server", key)
		for name, id := range named {
			g.Expect(spec).NotTo(HaveKey(id), "%s: spec.%s is an id, which differs per MOR; write spec.%s", key, id, name)
			if _, ok := spec[name]; ok {
				used[obj.GetKind()+".spec."+name] = true
			}
		}
	}
	for kind, named := range fields {
		for name := range named {
			g.Expect(used).To(HaveKey(kind+".spec."+name), "the base shows every named field")
		}
	}
}

// TestOverlaysDifferOnlyInTheServer: each overlay is the base, unchanged, plus a
// MorServer "default" and its key's Secret, all in the overlay's namespace; the two
// MorServers point at different MORs.
func TestOverlaysDifferOnlyInTheServer(t *testing.T) {
	g := NewWithT(t)
	base := build(g, "base")
	var urls []string
	for _, overlay := range overlays {
		objs := build(g, overlay)
		ns := ""
		for key, obj := range objs {
			if ns == "" {
				ns = obj.GetNamespace()
			}
			g.Expect(obj.GetNamespace()).To(And(Equal(ns), Not(BeEmpty())), "%s/%s: one namespace per overlay", overlay, key)
		}
		server, secret := objs["MorServer/"+v1alpha1.DefaultServerName], objs["Secret/mor-api-key"]
		g.Expect(server).NotTo(BeNil(), "%s: the MorServer %q the base's resources use", overlay, v1alpha1.DefaultServerName)
		g.Expect(secret).NotTo(BeNil(), "%s: the MorServer's key", overlay)
		keyRef, _, _ := unstructured.NestedString(server.Object, "spec", "secretKeyRef", "name")
		g.Expect(keyRef).To(Equal(secret.GetName()), "%s: the MorServer uses the overlay's Secret", overlay)
		url, _, _ := unstructured.NestedString(server.Object, "spec", "url")
		urls = append(urls, url)

		delete(objs, "MorServer/"+server.GetName())
		delete(objs, "Secret/"+secret.GetName())
		g.Expect(slices.Sorted(maps.Keys(objs))).To(Equal(slices.Sorted(maps.Keys(base))), "%s: the base's resources, no more, no fewer", overlay)
		for key, obj := range objs {
			obj.SetNamespace("")
			g.Expect(obj.Object).To(Equal(base[key].Object), "%s/%s: unchanged from the base", overlay, key)
		}
	}
	g.Expect(urls[0]).NotTo(Equal(urls[1]), "the overlays' MorServers point at different MORs")
}
