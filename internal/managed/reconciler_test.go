package managed_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// These tests drive managed.Reconciler without an API server or a MOR: a fake client
// (with the status subresource, as the CRDs have it), a scripted External behind a tiny
// Kind over *v1alpha1.LocationRule (it has an external id and a finalizer to exercise),
// a fake ServerResolver and events.FakeRecorder.

const (
	testNS         = "tenant-a"
	testName       = "rule"
	testGeneration = 3
	testFinalizer  = "test.mor.operator.dev/fake"
	poll           = 10 * time.Minute
	authRetry      = 30 * time.Minute
)

var testKey = types.NamespacedName{Namespace: testNS, Name: testName}

// fakeExternal is an External whose answers are scripted and whose calls are recorded.
type fakeExternal struct {
	mu      sync.Mutex
	calls   []string
	updates [][]string

	obs        managed.Observation
	next       time.Duration // NextObservation's answer
	reapply    bool          // Reapplying's answer
	observeErr error
	hang       bool // Observe answers only when its context ends (a MOR that never answers)
	createErr  error
	updateErr  error
	deleteErr  error
	// onCreate runs on a successful Create, which reports created (a real kind reports
	// the new external id).
	onCreate func()
	created  managed.Learned

	obj *v1alpha1.LocationRule
}

func (e *fakeExternal) record(call string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = append(e.calls, call)
}

func (e *fakeExternal) Calls() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.calls...)
}

func (e *fakeExternal) Observe(ctx context.Context) (managed.Observation, error) {
	e.record("Observe")
	if e.hang {
		<-ctx.Done()
		return managed.Observation{}, ctx.Err()
	}
	return e.obs, e.observeErr
}

func (e *fakeExternal) Create(context.Context) (managed.Learned, error) {
	e.record("Create")
	if e.createErr != nil {
		return managed.Learned{}, e.createErr
	}
	if e.onCreate != nil {
		e.onCreate()
	}
	return e.created, nil
}

func (e *fakeExternal) Update(_ context.Context, diff []string) (managed.Learned, error) {
	e.record("Update")
	e.mu.Lock()
	e.updates = append(e.updates, append([]string(nil), diff...))
	e.mu.Unlock()
	return managed.Learned{}, e.updateErr
}

func (e *fakeExternal) Delete(context.Context) error {
	e.record("Delete")
	return e.deleteErr
}

func (e *fakeExternal) NextObservation() time.Duration { return e.next }
func (e *fakeExternal) Reapplying() bool               { return e.reapply }

// fakeKind binds *v1alpha1.LocationRule to the scripted External; like a real kind, it
// resolves the resource's server before connecting.
type fakeKind struct {
	ext        *fakeExternal
	external   managed.External // when set, Connect answers it instead of ext
	servers    *fakeServers
	finalizer  string
	connectErr error
	ownsErr    error // Owns' answer: the loop's ownership step
	connects   int
	api        any
}

func (k *fakeKind) Name() string                { return "Fake" }
func (k *fakeKind) New() *v1alpha1.LocationRule { return &v1alpha1.LocationRule{} }
func (k *fakeKind) Finalizer() string           { return k.finalizer }
func (k *fakeKind) Connect(ctx context.Context, obj *v1alpha1.LocationRule) (managed.External, error) {
	api, err := k.servers.Resolve(ctx, obj.Namespace, obj.ServerName())
	if err != nil {
		return nil, err
	}
	k.connects++
	k.api = api
	if k.connectErr != nil {
		return nil, k.connectErr
	}
	if k.external != nil {
		return k.external, nil
	}
	k.ext.obj = obj
	return k.ext, nil
}

func (k *fakeKind) Owns(context.Context, *v1alpha1.LocationRule, managed.External) error {
	return k.ownsErr
}

// fakeMOR is never called: the fake External does not use it. It only proves the
// resolver's client reaches Connect.
type fakeMOR struct{}

// fakeServers resolves servers with a scripted answer.
type fakeServers struct {
	api      any
	err      error
	resolved []types.NamespacedName
}

func (s *fakeServers) Resolve(_ context.Context, namespace, name string) (any, error) {
	s.resolved = append(s.resolved, types.NamespacedName{Namespace: namespace, Name: name})
	return s.api, s.err
}

// harness is one test's reconciler and everything it talks to.
type harness struct {
	t       *testing.T
	g       *WithT
	c       client.WithWatch
	r       *managed.Reconciler[*v1alpha1.LocationRule]
	ext     *fakeExternal
	kind    *fakeKind
	servers *fakeServers
	rec     *events.FakeRecorder

	mu sync.Mutex
	// statusPatches holds the status of every status patch the reconciler sent, in order.
	statusPatches []v1alpha1.LocationRuleStatus
	// failStatusPatch, when > 0, makes that status patch (1-based) fail.
	failStatusPatch int
	// metaWrites counts patches and updates of the resource itself (metadata).
	metaWrites int
	// staleReads makes every read return an old resourceVersion, as a cache behind the
	// API server does.
	staleReads bool
}

func (h *harness) metadataWrites() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.metaWrites
}

func newScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

// newHarness seeds the fake client with objs (as is: status, finalizers and deletion
// timestamps included).
func newHarness(t *testing.T, objs ...client.Object) *harness {
	t.Helper()
	h := &harness{t: t, g: NewWithT(t), ext: &fakeExternal{obs: managed.Observation{Exists: true}}}
	h.servers = &fakeServers{api: fakeMOR{}}
	h.kind = &fakeKind{ext: h.ext, servers: h.servers}
	h.rec = events.NewFakeRecorder(100)
	h.rec.Verbose = true // "type reason action note": the action is part of the contract
	h.c = fake.NewClientBuilder().
		WithScheme(newScheme(t)).
		WithStatusSubresource(&v1alpha1.LocationRule{}, &v1alpha1.DIDRate{}, &v1alpha1.MorDefaults{}, &v1alpha1.MorServer{}).
		WithObjects(objs...).
		WithInterceptorFuncs(interceptor.Funcs{
			Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
				err := c.Get(ctx, key, obj, opts...)
				if h.staleReads {
					obj.SetResourceVersion("1")
				}
				return err
			},
			SubResourcePatch: h.interceptStatusPatch,
			Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
				h.mu.Lock()
				h.metaWrites++
				h.mu.Unlock()
				return c.Patch(ctx, obj, patch, opts...)
			},
			Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
				h.mu.Lock()
				h.metaWrites++
				h.mu.Unlock()
				return c.Update(ctx, obj, opts...)
			},
		}).
		Build()
	h.r = &managed.Reconciler[*v1alpha1.LocationRule]{
		Client:   h.c,
		Kind:     h.kind,
		Recorder: h.rec,
		Options:  managed.Options{PollInterval: poll, AuthRetryInterval: authRetry},
	}
	return h
}

func (h *harness) interceptStatusPatch(ctx context.Context, c client.Client, sub string, obj client.Object,
	patch client.Patch, opts ...client.SubResourcePatchOption) error {
	if err := ctx.Err(); err != nil { // as a real client: nothing is sent on a dead context
		return err
	}
	if sub == "status" {
		h.mu.Lock()
		h.statusPatches = append(h.statusPatches, *obj.(*v1alpha1.LocationRule).Status.DeepCopy())
		n := len(h.statusPatches)
		h.mu.Unlock()
		if n == h.failStatusPatch {
			return apierrors.NewInternalError(errors.New("injected status patch failure"))
		}
	}
	return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
}

func (h *harness) patches() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.statusPatches)
}

func (h *harness) reconcile() (ctrl.Result, error) {
	h.t.Helper()
	return h.r.Reconcile(context.Background(), ctrl.Request{NamespacedName: testKey})
}

// get returns the resource as the API server now holds it.
func (h *harness) get() *v1alpha1.LocationRule {
	h.t.Helper()
	obj := &v1alpha1.LocationRule{}
	h.g.Expect(h.c.Get(context.Background(), testKey, obj)).To(Succeed())
	return obj
}

// events drains the recorder.
func (h *harness) events() []string {
	var out []string
	for {
		select {
		case e := <-h.rec.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func cond(obj *v1alpha1.LocationRule, typ string) *metav1.Condition {
	return meta.FindStatusCondition(obj.Status.Conditions, typ)
}

// expectCondition checks a condition's status, reason and generation (and message when
// given).
func (h *harness) expectCondition(obj *v1alpha1.LocationRule, typ string, status metav1.ConditionStatus, reason string, message ...string) {
	h.t.Helper()
	c := cond(obj, typ)
	h.g.Expect(c).NotTo(BeNil(), "condition %s missing in %+v", typ, obj.Status.Conditions)
	h.g.Expect(c.Status).To(Equal(status), "%s: %s %s", typ, c.Reason, c.Message)
	h.g.Expect(c.Reason).To(Equal(reason), "%s: %s", typ, c.Message)
	h.g.Expect(c.ObservedGeneration).To(Equal(obj.Generation), typ)
	if len(message) > 0 {
		h.g.Expect(c.Message).To(Equal(message[0]), typ)
	}
}

func (h *harness) expectPollRequeue(res ctrl.Result, interval time.Duration) {
	h.t.Helper()
	h.g.Expect(res.RequeueAfter).To(BeNumerically(">=", interval-interval/10), "RequeueAfter %v", res.RequeueAfter)
	h.g.Expect(res.RequeueAfter).To(BeNumerically("<=", interval+interval/10), "RequeueAfter %v", res.RequeueAfter)
}

type option func(*v1alpha1.LocationRule)

func observeOnly(r *v1alpha1.LocationRule) {
	p := v1alpha1.ManagementPolicyObserveOnly
	r.Spec.ManagementPolicy = &p
}

func annotate(k, v string) option {
	return func(r *v1alpha1.LocationRule) {
		if r.Annotations == nil {
			r.Annotations = map[string]string{}
		}
		r.Annotations[k] = v
	}
}

func withFinalizers(f ...string) option {
	return func(r *v1alpha1.LocationRule) { r.Finalizers = append(r.Finalizers, f...) }
}

func deleted(r *v1alpha1.LocationRule) {
	now := metav1.Now()
	r.DeletionTimestamp = &now
}

func withUID(uid types.UID) option {
	return func(r *v1alpha1.LocationRule) { r.UID = uid }
}

func withConditions(c ...metav1.Condition) option {
	return func(r *v1alpha1.LocationRule) {
		for _, x := range c {
			x.LastTransitionTime = metav1.NewTime(time.Now().Add(-time.Hour).Truncate(time.Second))
			r.Status.Conditions = append(r.Status.Conditions, x)
		}
	}
}

func rule(opts ...option) *v1alpha1.LocationRule {
	name := "rule"
	r := &v1alpha1.LocationRule{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: testName, Generation: testGeneration},
		Spec:       v1alpha1.LocationRuleSpec{LocationID: 1, Name: &name},
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

func TestReconcileInSync(t *testing.T) {
	h := newHarness(t, rule())

	res, err := h.reconcile()
	h.g.Expect(err).NotTo(HaveOccurred())
	h.expectPollRequeue(res, poll)

	got := h.get()
	h.expectCondition(got, v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonAvailable)
	h.expectCondition(got, v1alpha1.ConditionSynced, metav1.ConditionTrue, v1alpha1.ReasonReconcileSuccess)
	h.g.Expect(cond(got, v1alpha1.ConditionStalled)).To(BeNil())
	h.g.Expect(got.Status.ObservedGeneration).To(Equal(int64(testGeneration)))
	h.g.Expect(h.ext.Calls()).To(Equal([]string{"Observe"}))
	h.g.Expect(h.servers.resolved).To(Equal([]types.NamespacedName{{Namespace: testNS, Name: v1alpha1.DefaultServerName}}))
	h.g.Expect(h.kind.api).To(Equal(any(fakeMOR{})), "the resolver's client reaches Connect")
	h.g.Expect(h.patches()).To(Equal(1))
	h.g.Expect(h.events()).To(BeEmpty(), "no write, no event")
	readySince := cond(got, v1alpha1.ConditionReady).LastTransitionTime

	// Nothing changed: no status write at all, and lastTransitionTime stays.
	res, err = h.reconcile()
	h.g.Expect(err).NotTo(HaveOccurred())
	h.expectPollRequeue(res, poll)
	h.g.Expect(h.patches()).To(Equal(1), "a second reconcile with nothing changed must not patch status")
	h.g.Expect(h.ext.Calls()).To(Equal([]string{"Observe", "Observe"}))
	h.g.Expect(h.events()).To(BeEmpty())
	h.g.Expect(cond(h.get(), v1alpha1.ConditionReady).LastTransitionTime).To(Equal(readySince))
}

func TestReconcilePollIntervalIsJittered(t *testing.T) {
	h := newHarness(t, rule())
	seen := map[time.Duration]bool{}
	for range 20 {
		res, err := h.reconcile()
		h.g.Expect(err).NotTo(HaveOccurred())
		h.expectPollRequeue(res, poll)
		seen[res.RequeueAfter] = true
	}
	h.g.Expect(len(seen)).To(BeNumerically(">", 1), "20 polls at the same instant: no jitter")
}

func TestReconcilePollInterval(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []option
		obs   managed.Observation
		next  time.Duration // the External's NextObservation
		check func(*harness, ctrl.Result)
	}{
		{
			name:  "annotation overrides the manager's interval",
			opts:  []option{annotate(v1alpha1.AnnotationPollInterval, "2m")},
			check: func(h *harness, r ctrl.Result) { h.expectPollRequeue(r, 2*time.Minute) },
		},
		{
			name:  "annotation honoured for ObserveOnly drift too",
			opts:  []option{observeOnly, annotate(v1alpha1.AnnotationPollInterval, "90s")},
			obs:   managed.Observation{Exists: true, Diff: []string{"cut"}},
			check: func(h *harness, r ctrl.Result) { h.expectPollRequeue(r, 90*time.Second) },
		},
		{
			name:  "unparsable annotation falls back to the manager's",
			opts:  []option{annotate(v1alpha1.AnnotationPollInterval, "soon")},
			check: func(h *harness, r ctrl.Result) { h.expectPollRequeue(r, poll) },
		},
		{
			name:  "non-positive annotation falls back to the manager's",
			opts:  []option{annotate(v1alpha1.AnnotationPollInterval, "-5m")},
			check: func(h *harness, r ctrl.Result) { h.expectPollRequeue(r, poll) },
		},
		{
			name:  "observation asks for an earlier requeue",
			next:  5 * time.Second,
			check: func(h *harness, r ctrl.Result) { h.g.Expect(r.RequeueAfter).To(Equal(5 * time.Second)) },
		},
		{
			name:  "observation's later requeue does not extend the poll",
			next:  24 * time.Hour,
			check: func(h *harness, r ctrl.Result) { h.expectPollRequeue(r, poll) },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, rule(tc.opts...))
			if tc.obs.Exists {
				h.ext.obs = tc.obs
			}
			h.ext.next = tc.next
			res, err := h.reconcile()
			h.g.Expect(err).NotTo(HaveOccurred())
			tc.check(h, res)
		})
	}
}

func TestReconcileUpdatesOnlyTheDiff(t *testing.T) {
	for _, tc := range []struct {
		name    string
		reapply bool
		reason  string
	}{
		{name: "drift or edit", reason: "Updated"},
		{name: "re-apply of unobservable settings", reapply: true, reason: "Reapplied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, rule())
			h.ext.obs = managed.Observation{Exists: true, Diff: []string{"cut", "minlen"}}
			h.ext.reapply = tc.reapply

			res, err := h.reconcile()
			h.g.Expect(err).NotTo(HaveOccurred())
			h.expectPollRequeue(res, poll)
			h.g.Expect(h.ext.Calls()).To(Equal([]string{"Observe", "Update"}))
			h.g.Expect(h.ext.updates).To(Equal([][]string{{"cut", "minlen"}}), "one update with exactly the diff")
			h.g.Expect(h.events()).To(Equal([]string{"Normal " + tc.reason + " Update updated in MOR: cut, minlen"}))

			got := h.get()
			h.expectCondition(got, v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonAvailable)
			h.expectCondition(got, v1alpha1.ConditionSynced, metav1.ConditionTrue, v1alpha1.ReasonReconcileSuccess)
			h.g.Expect(got.Status.ObservedGeneration).To(Equal(int64(testGeneration)))
		})
	}
}

func TestReconcileRecordsTheCreateBeforeMakingIt(t *testing.T) {
	h := newHarness(t, rule())
	h.kind.finalizer = testFinalizer
	h.ext.obs = managed.Observation{Exists: false}
	var atCreate *v1alpha1.LocationRule
	h.ext.onCreate = func() {
		atCreate = h.get() // what the API server holds when MOR is asked to create
	}
	h.ext.created = managed.Learned{ID: ptr.To(int64(42)), IDKnown: true}
	h.failStatusPatch = 1 // the outcome cannot be written: a crash here must still be safe

	_, err := h.reconcile()
	h.g.Expect(err).To(HaveOccurred(), "the failed status write is reported")
	h.g.Expect(h.ext.Calls()).To(Equal([]string{"Observe", "Create"}), "create sends the whole spec: no update in the same pass")
	h.g.Expect(h.events()).To(BeEmpty(), "a first create is told by status and the log, not an event per resource")
	h.g.Expect(atCreate.Finalizers).To(ConsistOf(testFinalizer), "finalizer held before the create")
	h.g.Expect(atCreate.Annotations).To(HaveKey(v1alpha1.AnnotationCreatePending), "the create is recorded before it is made")
	h.g.Expect(h.get().Annotations).To(HaveKey(v1alpha1.AnnotationCreatePending),
		"the outcome is not stored: the record stays, so the next pass may claim the new rule by identity")

	// The next pass finds the rule (by identity, thanks to the record) and settles.
	h.failStatusPatch = 0
	h.ext.obs = managed.Observation{Exists: true, Learned: managed.Learned{ID: ptr.To(int64(42)), IDKnown: true}}
	res, err := h.reconcile()
	h.g.Expect(err).NotTo(HaveOccurred())
	h.expectPollRequeue(res, poll)
	got := h.get()
	h.expectCondition(got, v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonAvailable)
	h.g.Expect(got.Status.RuleID).To(HaveValue(Equal(int64(42))))
	h.g.Expect(got.Status.CompletedCreate).To(Equal(atCreate.Annotations[v1alpha1.AnnotationCreatePending]),
		"outcome stored: the same status write spends the record")
	h.g.Expect(managed.CreatePending(got)).To(BeFalse())
	h.g.Expect(h.ext.Calls()).To(Equal([]string{"Observe", "Create", "Observe"}))
}

// A rule deleted behind the operator's back is created again under a new record: the
// spent one of the first create must not stand for it, or a crash after the second
// create would leave a rule the resource may not claim. It is drift, and told as a
// correction.
func TestReconcileRecreateWritesANewRecord(t *testing.T) {
	h := newHarness(t, rule(withFinalizers(testFinalizer), withUID("u-1"), func(r *v1alpha1.LocationRule) {
		r.Annotations = map[string]string{v1alpha1.AnnotationCreatePending: "u-1/2026-11-25T00:00:00Z"}
		r.Status.CompletedCreate = "u-1/2026-11-25T00:00:00Z"
		r.Status.RuleID = ptr.To(int64(7))
	}, withConditions(metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue,
		Reason: v1alpha1.ReasonAvailable, ObservedGeneration: testGeneration})))
	h.kind.finalizer = testFinalizer
	h.ext.obs = managed.Observation{Exists: false, Learned: managed.Learned{IDKnown: true}} // rule 7 is gone
	var atCreate *v1alpha1.LocationRule
	h.ext.onCreate = func() { atCreate = h.get() }
	h.ext.created = managed.Learned{ID: ptr.To(int64(8)), IDKnown: true}

	_, err := h.reconcile()
	h.g.Expect(err).NotTo(HaveOccurred())
	h.g.Expect(managed.CreatePending(atCreate)).To(BeTrue(), "a live record is persisted before the second create")
	record := atCreate.Annotations[v1alpha1.AnnotationCreatePending]
	h.g.Expect(record).To(HavePrefix("u-1/"))
	h.g.Expect(record).NotTo(Equal("u-1/2026-11-25T00:00:00Z"))
	got := h.get()
	h.g.Expect(got.Status.RuleID).To(HaveValue(Equal(int64(8))))
	h.g.Expect(got.Status.CompletedCreate).To(Equal(record))
	h.g.Expect(h.metadataWrites()).To(Equal(1), "the new record only")
	h.g.Expect(h.events()).To(Equal([]string{"Normal Corrected Create re-created in MOR: it had been deleted there"}))
	h.g.Expect(got.Status.LastCorrection).NotTo(BeNil())
}

func TestCreatePending(t *testing.T) {
	for _, tc := range []struct {
		name            string
		record          *string // the annotation, nil: absent
		completedCreate string
		live            bool
	}{
		{name: "no record", live: false},
		{name: "this resource's record, create in doubt", record: ptr.To("u-1/2026-12-07T10:00:00.5Z"), live: true},
		{name: "this resource's record, outcome in status", record: ptr.To("u-1/2026-12-07T10:00:00.5Z"), completedCreate: "u-1/2026-12-07T10:00:00.5Z", live: false},
		{name: "an earlier create's outcome in status", record: ptr.To("u-1/2026-12-07T10:00:00.5Z"), completedCreate: "u-1/2026-12-01T10:00:00Z", live: true},
		{name: "another resource's record (a copy)", record: ptr.To("u-2/2026-12-07T10:00:00.5Z"), live: false},
		{name: "an earlier version's record (a time)", record: ptr.To("2026-11-25T00:00:00Z"), live: true},
		{name: "an earlier version's record, outcome in status", record: ptr.To("2026-11-25T00:00:00Z"), completedCreate: "2026-11-25T00:00:00Z", live: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rule(withUID("u-1"))
			if tc.record != nil {
				r.Annotations = map[string]string{v1alpha1.AnnotationCreatePending: *tc.record}
			}
			r.Status.CompletedCreate = tc.completedCreate
			NewWithT(t).Expect(managed.CreatePending(r)).To(Equal(tc.live))
		})
	}
}

func TestReconcileCreateSucceeds(t *testing.T) {
	h := newHarness(t, rule())
	h.kind.finalizer = testFinalizer
	h.ext.obs = managed.Observation{Exists: false}
	h.ext.created = managed.Learned{ID: ptr.To(int64(7)), IDKnown: true}

	res, err := h.reconcile()
	h.g.Expect(err).NotTo(HaveOccurred())
	h.expectPollRequeue(res, poll)
	got := h.get()
	h.g.Expect(got.Status.RuleID).To(HaveValue(Equal(int64(7))))
	h.expectCondition(got, v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonAvailable)
	h.g.Expect(got.Finalizers).To(ConsistOf(testFinalizer))
	h.g.Expect(got.Annotations).To(HaveKey(v1alpha1.AnnotationCreatePending))
	h.g.Expect(got.Status.CompletedCreate).To(Equal(got.Annotations[v1alpha1.AnnotationCreatePending]), "the record is spent")
	h.g.Expect(managed.CreatePending(got)).To(BeFalse())
	h.g.Expect(h.patches()).To(Equal(1), "one status write: the id with the outcome, which spends the record")
	h.g.Expect(h.metadataWrites()).To(Equal(1), "finalizer + create record in one write before the create, none after")
}

func TestReconcileAddsFinalizerOnlyWhenItMayWrite(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []option
		want bool
	}{
		{name: "managed", want: true},
		{name: "ObserveOnly", opts: []option{observeOnly}, want: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, rule(tc.opts...))
			h.kind.finalizer = testFinalizer
			_, err := h.reconcile()
			h.g.Expect(err).NotTo(HaveOccurred())
			if tc.want {
				h.g.Expect(h.get().Finalizers).To(ConsistOf(testFinalizer))
			} else {
				h.g.Expect(h.get().Finalizers).To(BeEmpty())
			}
		})
	}
}

func TestReconcileObserveOnly(t *testing.T) {
	for _, tc := range []struct {
		name    string
		obs     managed.Observation
		reason  string
		message string
	}{
		{
			name:    "drift is reported, never written",
			obs:     managed.Observation{Exists: true, Diff: []string{"add", "cut"}},
			reason:  v1alpha1.ReasonDrifted,
			message: "MOR differs in: add, cut",
		},
		{
			name:    "absent is reported, never created",
			obs:     managed.Observation{Exists: false, Diff: []string{"cut"}},
			reason:  v1alpha1.ReasonNotFound,
			message: "does not exist in MOR; ObserveOnly never creates it",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, rule(observeOnly))
			h.kind.finalizer = testFinalizer
			h.ext.obs = tc.obs

			res, err := h.reconcile()
			h.g.Expect(err).NotTo(HaveOccurred())
			h.expectPollRequeue(res, poll)
			h.g.Expect(h.ext.Calls()).To(Equal([]string{"Observe"}), "no Create, no Update")
			h.g.Expect(h.events()).To(BeEmpty())

			got := h.get()
			h.expectCondition(got, v1alpha1.ConditionReady, metav1.ConditionFalse, tc.reason, tc.message)
			h.expectCondition(got, v1alpha1.ConditionSynced, metav1.ConditionTrue, v1alpha1.ReasonReconcileSuccess)
			h.g.Expect(cond(got, v1alpha1.ConditionStalled)).To(BeNil())
			h.g.Expect(got.Status.ObservedGeneration).To(Equal(int64(testGeneration)))

			// Unchanged on the next poll: no status write.
			n := h.patches()
			_, err = h.reconcile()
			h.g.Expect(err).NotTo(HaveOccurred())
			h.g.Expect(h.patches()).To(Equal(n))
		})
	}
}

func TestReconcilePaused(t *testing.T) {
	stalled := metav1.Condition{Type: v1alpha1.ConditionStalled, Status: metav1.ConditionTrue,
		Reason: verdict.ReasonRejected, Message: "Tariff was not found", ObservedGeneration: 2}
	for _, tc := range []struct {
		name string
		opts []option
		// wantFinalizer: a paused deletion keeps the finalizer (no MOR call at all).
		wantFinalizer bool
	}{
		{name: "live resource", opts: []option{withConditions(stalled)}},
		{name: "being deleted", opts: []option{withFinalizers(testFinalizer), deleted}, wantFinalizer: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := append([]option{annotate(v1alpha1.AnnotationPaused, "true")}, tc.opts...)
			h := newHarness(t, rule(opts...))
			h.kind.finalizer = testFinalizer
			h.ext.obs = managed.Observation{Exists: true, Diff: []string{"cut"}}

			res, err := h.reconcile()
			h.g.Expect(err).NotTo(HaveOccurred())
			h.g.Expect(res).To(Equal(ctrl.Result{}), "paused: no requeue; the annotation's removal triggers the next reconcile")
			h.g.Expect(h.ext.Calls()).To(BeEmpty())
			h.g.Expect(h.kind.connects).To(Equal(0))
			h.g.Expect(h.servers.resolved).To(BeEmpty())
			h.g.Expect(h.events()).To(BeEmpty())

			got := h.get()
			h.expectCondition(got, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonPaused)
			h.expectCondition(got, v1alpha1.ConditionSynced, metav1.ConditionFalse, v1alpha1.ReasonReconcilePaused)
			h.g.Expect(cond(got, v1alpha1.ConditionStalled)).To(BeNil(), "a paused resource needs no person")
			h.g.Expect(got.Status.ObservedGeneration).To(BeZero(), "nothing was brought in line while paused")
			if tc.wantFinalizer {
				h.g.Expect(got.Finalizers).To(ContainElement(testFinalizer))
			}
		})
	}
}

func TestReconcileAnnotationOtherThanTrueDoesNotPause(t *testing.T) {
	h := newHarness(t, rule(annotate(v1alpha1.AnnotationPaused, "false")))
	_, err := h.reconcile()
	h.g.Expect(err).NotTo(HaveOccurred())
	h.g.Expect(h.ext.Calls()).To(Equal([]string{"Observe"}))
}

func TestReconcileErrorClasses(t *testing.T) {
	method := mor.LocationRuleGet
	transient := &mor.Error{Class: mor.Transient, Method: method, Err: errors.New("dial tcp 10.0.0.1:443: connection refused")}
	for _, tc := range []struct {
		name  string
		setup func(*harness)
		// want
		calls         []string
		stalledReason string // "" = no Stalled condition
		readyReason   string
		message       string
		action        string
		requeue       func(*harness, ctrl.Result)
		wantErr       bool
	}{
		{
			name: "authentication",
			setup: func(h *harness) {
				h.ext.observeErr = &mor.Error{Class: mor.Authentication, Method: method, Text: "Incorrect hash"}
			},
			calls:         []string{"Observe"},
			stalledReason: verdict.ReasonAuthenticationFailed,
			readyReason:   v1alpha1.ReasonUnavailable,
			message:       refusedHash,
			action:        "Observe",
			requeue:       func(h *harness, r ctrl.Result) { h.g.Expect(r.RequeueAfter).To(Equal(authRetry)) },
		},
		{
			name: "rejected",
			setup: func(h *harness) {
				h.ext.observeErr = &mor.Error{Class: mor.Rejected, Method: method, Text: "Tariff was not found"}
			},
			calls:         []string{"Observe"},
			stalledReason: verdict.ReasonRejected,
			readyReason:   v1alpha1.ReasonUnavailable,
			message:       "Tariff was not found",
			action:        "Observe",
			requeue:       func(h *harness, r ctrl.Result) { h.expectPollRequeue(r, poll) },
		},
		{
			name: "rejected, wrapped",
			setup: func(h *harness) {
				h.ext.observeErr = fmt.Errorf("reading rule 5: %w",
					&mor.Error{Class: mor.Rejected, Method: method, Text: "Rule must be unique"})
			},
			calls:         []string{"Observe"},
			stalledReason: verdict.ReasonRejected,
			readyReason:   v1alpha1.ReasonUnavailable,
			message:       "Rule must be unique",
			action:        "Observe",
			requeue:       func(h *harness, r ctrl.Result) { h.expectPollRequeue(r, poll) },
		},
		{
			name:        "transient",
			setup:       func(h *harness) { h.ext.observeErr = transient },
			calls:       []string{"Observe"},
			readyReason: v1alpha1.ReasonUnavailable,
			message:     transient.Error(),
			action:      "Observe",
			requeue:     func(h *harness, r ctrl.Result) { h.g.Expect(r).To(Equal(ctrl.Result{})) },
			wantErr:     true,
		},
		{
			name: "transient with Retry-After",
			setup: func(h *harness) {
				h.ext.observeErr = &mor.Error{Class: mor.Transient, Method: method, Err: errors.New("429 Too Many Requests"),
					RetryAfter: 42 * time.Second}
			},
			calls:       []string{"Observe"},
			readyReason: v1alpha1.ReasonUnavailable,
			message:     "MOR location_rule_get: 429 Too Many Requests",
			action:      "Observe",
			requeue:     func(h *harness, r ctrl.Result) { h.g.Expect(r.RequeueAfter).To(Equal(42 * time.Second)) },
		},
		{
			name:        "plain error is transient",
			setup:       func(h *harness) { h.ext.observeErr = errors.New("boom") },
			calls:       []string{"Observe"},
			readyReason: v1alpha1.ReasonUnavailable,
			message:     "boom",
			action:      "Observe",
			requeue:     func(h *harness, r ctrl.Result) { h.g.Expect(r).To(Equal(ctrl.Result{})) },
			wantErr:     true,
		},
		{
			name: "stalled error from Observe",
			setup: func(h *harness) {
				h.ext.observeErr = verdict.Stalled(verdict.ReasonConflict, "rule %d belongs to location %d", 5, 9)
			},
			calls:         []string{"Observe"},
			stalledReason: verdict.ReasonConflict,
			readyReason:   v1alpha1.ReasonUnavailable,
			message:       "rule 5 belongs to location 9",
			action:        "Observe",
			requeue:       func(h *harness, r ctrl.Result) { h.expectPollRequeue(r, poll) },
		},
		{
			name: "server missing (resolver)",
			setup: func(h *harness) {
				h.servers.err = verdict.Stalled(verdict.ReasonServerNotFound, "MorServer %q not found", "default")
			},
			calls:         nil,
			stalledReason: verdict.ReasonServerNotFound,
			readyReason:   v1alpha1.ReasonUnavailable,
			message:       `MorServer "default" not found`,
			action:        "Observe",
			requeue:       func(h *harness, r ctrl.Result) { h.expectPollRequeue(r, poll) },
		},
		{
			name: "connect fails",
			setup: func(h *harness) {
				h.kind.connectErr = verdict.Stalled(verdict.ReasonConflict, "another MorDefaults manages this server")
			},
			calls:         nil,
			stalledReason: verdict.ReasonConflict,
			readyReason:   v1alpha1.ReasonUnavailable,
			message:       "another MorDefaults manages this server",
			action:        "Observe",
			requeue:       func(h *harness, r ctrl.Result) { h.expectPollRequeue(r, poll) },
		},
		{
			name: "another resource owns what it claims: stopped before Observe",
			setup: func(h *harness) {
				h.kind.ownsErr = verdict.Stalled(verdict.ReasonConflict, "LocationRule \"older\" already manages rule 1")
			},
			calls:         nil,
			stalledReason: verdict.ReasonConflict,
			readyReason:   v1alpha1.ReasonUnavailable,
			message:       "LocationRule \"older\" already manages rule 1",
			action:        "Observe",
			requeue:       func(h *harness, r ctrl.Result) { h.expectPollRequeue(r, poll) },
		},
		{
			name: "update rejected",
			setup: func(h *harness) {
				h.ext.obs = managed.Observation{Exists: true, Diff: []string{"tariff_id"}}
				h.ext.updateErr = &mor.Error{Class: mor.Rejected, Method: mor.LocationRuleUpdate, Text: "Tariff was not found"}
			},
			calls:         []string{"Observe", "Update"},
			stalledReason: verdict.ReasonRejected,
			readyReason:   v1alpha1.ReasonUpdating,
			message:       "Tariff was not found",
			action:        "Update",
			requeue:       func(h *harness, r ctrl.Result) { h.expectPollRequeue(r, poll) },
		},
		{
			name: "create rejected",
			setup: func(h *harness) {
				h.ext.obs = managed.Observation{Exists: false}
				h.ext.createErr = &mor.Error{Class: mor.Rejected, Method: mor.LocationRuleCreate, Text: "Rule must be unique",
					Details: []string{"Conflicts with rule 12"}}
			},
			calls:         []string{"Observe", "Create"},
			stalledReason: verdict.ReasonRejected,
			readyReason:   v1alpha1.ReasonCreating,
			message:       "Rule must be unique: Conflicts with rule 12", // MOR's details after its text
			action:        "Create",
			requeue:       func(h *harness, r ctrl.Result) { h.expectPollRequeue(r, poll) },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, rule())
			tc.setup(h)

			res, err := h.reconcile()
			if tc.wantErr {
				h.g.Expect(err).To(HaveOccurred(), "transient errors go to the workqueue's backoff")
			} else {
				h.g.Expect(err).NotTo(HaveOccurred())
			}
			tc.requeue(h, res)
			h.g.Expect(h.ext.Calls()).To(Equal(tc.calls))

			got := h.get()
			h.expectCondition(got, v1alpha1.ConditionReady, metav1.ConditionFalse, tc.readyReason, tc.message)
			h.expectCondition(got, v1alpha1.ConditionSynced, metav1.ConditionFalse, v1alpha1.ReasonReconcileError, tc.message)
			if tc.stalledReason == "" {
				h.g.Expect(cond(got, v1alpha1.ConditionStalled)).To(BeNil(), "no person needed")
			} else {
				h.expectCondition(got, v1alpha1.ConditionStalled, metav1.ConditionTrue, tc.stalledReason, tc.message)
			}
			if tc.stalledReason == "" {
				h.g.Expect(got.Status.ObservedGeneration).To(BeZero(), "a transient failure reaches no verdict")
			} else {
				h.g.Expect(got.Status.ObservedGeneration).To(Equal(int64(testGeneration)),
					"Stalled is a verdict on this generation (kstatus: Failed, not InProgress)")
			}
			h.g.Expect(h.events()).To(Equal([]string{"Warning ReconcileError " + tc.action + " " + tc.message}))

			// The same failure again: no second Warning, no status write.
			n := h.patches()
			_, _ = h.reconcile()
			h.g.Expect(h.events()).To(BeEmpty(), "one Warning per distinct message")
			h.g.Expect(h.patches()).To(Equal(n), "unchanged failure: no status write")
		})
	}
}

func TestReconcileWarningPerDistinctMessage(t *testing.T) {
	h := newHarness(t, rule())
	rejected := func(text string) error {
		return &mor.Error{Class: mor.Rejected, Method: mor.LocationRuleGet, Text: text}
	}

	h.ext.observeErr = rejected("Tariff was not found")
	_, _ = h.reconcile()
	_, _ = h.reconcile()
	h.ext.observeErr = rejected("Rule must be unique")
	_, _ = h.reconcile()
	_, _ = h.reconcile()
	h.g.Expect(h.events()).To(Equal([]string{
		"Warning ReconcileError Observe Tariff was not found",
		"Warning ReconcileError Observe Rule must be unique",
	}))

	// Recovery clears Stalled and Synced's message, without an event (nothing written).
	h.ext.observeErr = nil
	_, err := h.reconcile()
	h.g.Expect(err).NotTo(HaveOccurred())
	got := h.get()
	h.expectCondition(got, v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonAvailable)
	h.expectCondition(got, v1alpha1.ConditionSynced, metav1.ConditionTrue, v1alpha1.ReasonReconcileSuccess, "")
	h.g.Expect(cond(got, v1alpha1.ConditionStalled)).To(BeNil())
	h.g.Expect(h.events()).To(BeEmpty())

	// The first failure again after a recovery is news: it is reported again.
	h.ext.observeErr = rejected("Tariff was not found")
	_, _ = h.reconcile()
	h.g.Expect(h.events()).To(Equal([]string{"Warning ReconcileError Observe Tariff was not found"}))
}

func TestReconcileDeletion(t *testing.T) {
	for _, tc := range []struct {
		name          string
		opts          []option
		kindFinalizer string
		deleteErr     error
		calls         []string
		wantGone      bool
		wantErr       bool
		wantStalled   string
		stale         bool
		remaining     []string // finalizers left, when not the ones it started with
	}{
		{
			name:          "finalizer held: Delete, then finalizer removed",
			opts:          []option{withFinalizers(testFinalizer)},
			kindFinalizer: testFinalizer,
			calls:         []string{"Delete"},
			wantGone:      true,
		},
		{
			name:          "Delete fails transiently: finalizer kept, backoff",
			opts:          []option{withFinalizers(testFinalizer)},
			kindFinalizer: testFinalizer,
			deleteErr:     &mor.Error{Class: mor.Transient, Method: mor.LocationRuleDelete, Err: errors.New("timeout")},
			calls:         []string{"Delete"},
			wantErr:       true,
		},
		{
			name:          "Delete rejected: finalizer kept, Stalled",
			opts:          []option{withFinalizers(testFinalizer)},
			kindFinalizer: testFinalizer,
			deleteErr:     &mor.Error{Class: mor.Rejected, Method: mor.LocationRuleDelete, Text: "Rule is in use"},
			calls:         []string{"Delete"},
			wantStalled:   verdict.ReasonRejected,
		},
		{
			name:          "cache behind, another's finalizer too: ours removed, once, theirs kept",
			opts:          []option{withFinalizers("example.com/other", testFinalizer)},
			kindFinalizer: testFinalizer,
			calls:         []string{"Delete"},
			stale:         true,
			remaining:     []string{"example.com/other"},
		},
		{
			name:          "ObserveOnly: finalizer released without a MOR call",
			opts:          []option{observeOnly, withFinalizers(testFinalizer)},
			kindFinalizer: testFinalizer,
			calls:         nil,
			wantGone:      true,
		},
		{
			name:          "someone else's finalizer only: nothing to do",
			opts:          []option{withFinalizers("example.com/other")},
			kindFinalizer: testFinalizer,
			calls:         nil,
		},
		{
			name:          "kind without finalizer",
			opts:          []option{withFinalizers("example.com/other")},
			kindFinalizer: "",
			calls:         nil,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, rule(append(tc.opts, deleted)...))
			h.kind.finalizer = tc.kindFinalizer
			h.ext.deleteErr = tc.deleteErr
			h.staleReads = tc.stale

			_, err := h.reconcile()
			if tc.wantErr {
				h.g.Expect(err).To(HaveOccurred())
			} else {
				h.g.Expect(err).NotTo(HaveOccurred())
			}
			h.g.Expect(h.ext.Calls()).To(Equal(tc.calls), "a deleted resource is never observed")

			obj := &v1alpha1.LocationRule{}
			err = h.c.Get(context.Background(), testKey, obj)
			if tc.wantGone {
				h.g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "finalizer removed: object gone, got %v", err)
				return
			}
			h.g.Expect(err).NotTo(HaveOccurred())
			want := rule(tc.opts...).Finalizers
			if tc.remaining != nil {
				want = tc.remaining
			}
			h.g.Expect(obj.Finalizers).To(Equal(want), "finalizers")
			if tc.deleteErr != nil {
				h.expectCondition(obj, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonDeleting)
				evs := h.events()
				h.g.Expect(evs).To(HaveLen(1))
				h.g.Expect(evs[0]).To(HavePrefix("Warning ReconcileError Delete "))
			}
			if tc.wantStalled != "" {
				h.expectCondition(obj, v1alpha1.ConditionStalled, metav1.ConditionTrue, tc.wantStalled, "Rule is in use")
			}
		})
	}
}

func TestReconcileGoneObject(t *testing.T) {
	h := newHarness(t)
	res, err := h.reconcile()
	h.g.Expect(err).NotTo(HaveOccurred())
	h.g.Expect(res).To(Equal(ctrl.Result{}))
	h.g.Expect(h.ext.Calls()).To(BeEmpty())
	h.g.Expect(h.servers.resolved).To(BeEmpty())
}

func TestStalledError(t *testing.T) {
	g := NewWithT(t)
	err := verdict.Stalled(verdict.ReasonSecretNotFound, "Secret %q not found", "mor-api-key")
	var s *verdict.StalledError
	g.Expect(errors.As(fmt.Errorf("resolve: %w", err), &s)).To(BeTrue())
	g.Expect(s.Reason).To(Equal(verdict.ReasonSecretNotFound))
	g.Expect(s.Message).To(Equal(`Secret "mor-api-key" not found`))
	g.Expect(err.Error()).To(Equal(`SecretNotFound: Secret "mor-api-key" not found`))
	g.Expect(strings.Contains(err.Error(), "%")).To(BeFalse())
}

// Stalled ends the retries, so it is written only for the object it was decided on. Just
// after an API server outage the cache can lag the create record written before a
// create whose status write failed: the rule found in MOR then looks like another's, and
// an AlreadyExists stall written then would never be undone (the record's arrival wakes
// nothing). The write is refused instead, and the next reconcile decides again.
func TestReconcileStallNeedsTheStoredObject(t *testing.T) {
	for _, tc := range []struct {
		name        string
		stale       bool
		wantStalled bool
	}{
		{name: "read from the stored object: the stall is written", wantStalled: true},
		{name: "read from a cache behind it: refused, decided again", stale: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, rule())
			h.ext.observeErr = verdict.Stalled(verdict.ReasonAlreadyExists, "MOR rule %d in location %d has this rule's identity", 35, 2)
			h.staleReads = tc.stale

			_, err := h.reconcile()
			got := h.get()
			if tc.wantStalled {
				h.g.Expect(err).NotTo(HaveOccurred())
				h.expectCondition(got, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonAlreadyExists)
				return
			}
			h.g.Expect(apierrors.IsConflict(err)).To(BeTrue(), "a conflict, retried with backoff: %v", err)
			h.g.Expect(cond(got, v1alpha1.ConditionStalled)).To(BeNil(), "no verdict from a stale read")
		})
	}
}

func TestReconcileCorrectionLeavesItsMark(t *testing.T) {
	inSync := withConditions(metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue,
		Reason: v1alpha1.ReasonAvailable, ObservedGeneration: testGeneration})
	drift := []v1alpha1.FieldDrift{{Field: "spec.cut", Desired: "44", Observed: "0044"}, {Field: "spec.name", Desired: "uk", Observed: ""}}
	for _, tc := range []struct {
		name       string
		opts       []option
		drift      []v1alpha1.FieldDrift
		event      string
		correction bool
	}{
		{name: "drift behind our back, values known", opts: []option{inSync}, drift: drift, correction: true,
			event: `Normal Corrected Update updated in MOR: spec.cut "0044" → "44", spec.name "" → "uk"`},
		{name: "an edit of the spec is no correction", drift: drift,
			event: `Normal Updated Update updated in MOR: spec.cut "0044" → "44", spec.name "" → "uk"`},
		{name: "values unknown: parameter names", opts: []option{inSync}, correction: true,
			event: "Normal Corrected Update updated in MOR: cut, name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, rule(tc.opts...))
			h.ext.obs = managed.Observation{Exists: true, Diff: []string{"cut", "name"}, Drift: tc.drift}

			_, err := h.reconcile()
			h.g.Expect(err).NotTo(HaveOccurred())
			h.g.Expect(h.events()).To(Equal([]string{tc.event}))
			last := h.get().Status.LastCorrection
			if !tc.correction {
				h.g.Expect(last).To(BeNil())
				return
			}
			h.g.Expect(last).NotTo(BeNil())
			h.g.Expect(last.Fields).To(Equal(tc.drift))
			h.g.Expect(last.Time.IsZero()).To(BeFalse())

			// In sync again: the mark stays and nothing is written.
			patches := h.patches()
			h.ext.obs = managed.Observation{Exists: true}
			_, err = h.reconcile()
			h.g.Expect(err).NotTo(HaveOccurred())
			h.g.Expect(h.patches()).To(Equal(patches), "steady state writes nothing")
			h.g.Expect(h.get().Status.LastCorrection).To(Equal(last))
		})
	}
}

func TestReconcilePollIntervalFloor(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		want        time.Duration
		warning     string // the one Warning event's note, "" for none
	}{
		{name: "below the floor is raised to it", value: "1ms", want: time.Minute,
			warning: `Warning PollIntervalIgnored Observe annotation mor.operator.dev/poll-interval="1ms" is below the manager's minimum 1m0s (--min-poll-interval); using 1m0s`},
		{name: "unparsable falls back to the manager's", value: "soon", want: poll,
			warning: `Warning PollIntervalIgnored Observe annotation mor.operator.dev/poll-interval="soon" is not a positive duration (e.g. "2m"); using the manager's 10m0s`},
		{name: "at or above the floor is honoured silently", value: "90s", want: 90 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, rule(annotate(v1alpha1.AnnotationPollInterval, tc.value)))
			h.r.MinPollInterval = time.Minute
			for range 3 { // three polls: at most one warning
				res, err := h.reconcile()
				h.g.Expect(err).NotTo(HaveOccurred())
				h.expectPollRequeue(res, tc.want)
			}
			if tc.warning == "" {
				h.g.Expect(h.events()).To(BeEmpty())
			} else {
				h.g.Expect(h.events()).To(Equal([]string{tc.warning}), "one warning per annotation value, not per poll")
			}
		})
	}
}

// blockingExternal observes until its context ends, as a MOR that never answers.
type blockingExternal struct{ fakeExternal }

func (e *blockingExternal) Observe(ctx context.Context) (managed.Observation, error) {
	<-ctx.Done()
	return managed.Observation{}, ctx.Err()
}

func TestReconcileHasADeadline(t *testing.T) {
	h := newHarness(t, rule())
	h.kind.external = &blockingExternal{}
	h.r.ReconcileTimeout = 50 * time.Millisecond

	done := make(chan error, 1)
	go func() { _, err := h.reconcile(); done <- err }()
	select {
	case err := <-done:
		h.g.Expect(err).To(MatchError(context.DeadlineExceeded), "a hung call ends the reconcile with a retryable error")
	case <-time.After(10 * time.Second):
		t.Fatal("the reconcile outlived its deadline")
	}
}

// A create the external system refused made nothing: the record that would let the
// resource claim an identical thing later is dropped; after a timeout it stays.
func TestReconcileRefusedCreateDropsTheRecord(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		kept bool
	}{
		{name: "refused", err: &mor.Error{Class: mor.Rejected, Method: mor.LocationRuleCreate, Text: "Rule must be unique"}},
		{name: "timed out: it may exist", err: &mor.Error{Class: mor.Transient, Method: mor.LocationRuleCreate, Err: context.DeadlineExceeded}, kept: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, rule())
			h.kind.finalizer = testFinalizer
			h.ext.obs = managed.Observation{Exists: false}
			h.ext.createErr = tc.err
			_, _ = h.reconcile()
			got := h.get()
			h.g.Expect(got.Finalizers).To(ConsistOf(testFinalizer))
			if tc.kept {
				h.g.Expect(got.Annotations).To(HaveKey(v1alpha1.AnnotationCreatePending))
			} else {
				h.g.Expect(got.Annotations).NotTo(HaveKey(v1alpha1.AnnotationCreatePending))
			}
		})
	}
}

// A refused key retries when the server's next probe is due, if that is sooner than the
// slow authentication retry.
func TestReconcileAuthRetryFollowsTheServersProbe(t *testing.T) {
	h := newHarness(t, rule())
	h.ext.observeErr = &mor.Error{Class: mor.Authentication, Method: mor.LocationRuleGet, Text: "Incorrect hash", RetryAfter: 4 * time.Second}
	res, err := h.reconcile()
	h.g.Expect(err).NotTo(HaveOccurred())
	h.g.Expect(res.RequeueAfter).To(Equal(4 * time.Second))
	h.expectCondition(h.get(), v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonAuthenticationFailed, refusedHash)
}

// refusedHash is the status message of MOR's "Incorrect hash" (package mor words it).
var refusedHash = verdict.Of(&mor.Error{Class: mor.Authentication, Text: "Incorrect hash"}).Message

// Work postponed because a server's budget is spent is no failure: no condition
// changes, no event, a requeue when the budget allows.
func TestReconcileDeferredReportsNothing(t *testing.T) {
	h := newHarness(t, rule())
	_, err := h.reconcile() // Ready first
	h.g.Expect(err).NotTo(HaveOccurred())
	patches := h.patches()
	h.ext.observeErr = verdict.Deferred(3*time.Second, "budget spent")
	res, err := h.reconcile()
	h.g.Expect(err).NotTo(HaveOccurred())
	h.g.Expect(res.RequeueAfter).To(Equal(3 * time.Second))
	h.g.Expect(h.patches()).To(Equal(patches), "no status write")
	h.g.Expect(h.events()).To(BeEmpty())
	h.expectCondition(h.get(), v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonAvailable)
}

// A reconcile cut off by its deadline (a MOR that never answers) still records why: the
// final status write does not use the expired context.
func TestReconcileDeadlineStillRecordsWhy(t *testing.T) {
	h := newHarness(t, rule())
	h.r.ReconcileTimeout = 50 * time.Millisecond
	h.ext.hang = true
	_, err := h.reconcile()
	h.g.Expect(err).To(MatchError(context.DeadlineExceeded))
	h.expectCondition(h.get(), v1alpha1.ConditionSynced, metav1.ConditionFalse, v1alpha1.ReasonReconcileError, "context deadline exceeded")
}
