package controllers

import (
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

func TestMorServerAdapter(t *testing.T) {
	r := newRig(t)
	wrongKey, err := mor.New(mor.Config{BaseURL: r.baseURL, Username: "admin", SecretKey: "not-the-key"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		conns   Connections
		version string
		stalled string
	}{
		{name: "the probe records MOR's version", conns: r.connections(), version: "X17"},
		{name: "a wrong key: MOR refuses who we are", conns: staticConnections{api: wrongKey, c: r.c, url: r.baseURL}, stalled: verdict.ReasonAuthenticationFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			s := &v1alpha1.MorServer{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: rigNS}}
			ext := mustConnect(t, managed.Kind[*v1alpha1.MorServer](morServerKind.kind(rigOptions, tc.conns, r.c)), s)
			_, writes := ext.(managed.Updater)
			g.Expect(writes).To(BeFalse(), "a MorServer is only probed")
			obs, err := observe(s, ext)
			g.Expect(stalledReason(err)).To(Equal(tc.stalled), "error: %v", err)
			g.Expect(obs.Exists).To(Equal(tc.stalled == ""))
			g.Expect(s.Status.Version).To(HavePrefix(tc.version))
		})
	}
}
