// Package argocd_test checks the Argo CD health checks in config/argocd: that the
// per-kind copies and argocd-cm-patch.yaml are current (`make manifests` generates them
// from health.lua, package argocdhealth), and that the script, run the way Argo CD runs
// it, gives the expected health for every fixture in testdata/ and every kind.
package argocd_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/mor-operator/mor-operator/internal/argocdhealth"
)

const (
	sourceFile   = argocdhealth.SourceFile
	cmPatchFile  = argocdhealth.CMPatchFile
	crdDir       = "../crd/bases"
	testdataDir  = "testdata"
	expectedFile = "testdata/health_test.yaml"
)

var (
	kindScriptPath = argocdhealth.KindScriptPath
	cmKey          = argocdhealth.CMKey
)

// kinds returns the kinds of the group, from the generated CRDs, sorted.
func kinds(t *testing.T) []string {
	t.Helper()
	ks, err := argocdhealth.Kinds(crdDir)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestGeneratedFiles: the per-kind copies and the argocd-cm patch are what `make
// manifests` generates from health.lua, for exactly the kinds of the CRDs.
func TestGeneratedFiles(t *testing.T) {
	source := readFile(t, sourceFile)
	ks := kinds(t)
	want, err := argocdhealth.Files(".", ks)
	if err != nil {
		t.Fatal(err)
	}
	strays, err := argocdhealth.Strays(".", ks)
	if err != nil {
		t.Fatal(err)
	}
	for _, stray := range strays {
		t.Errorf("%s: no such kind in %s; run: make manifests", stray, crdDir)
	}
	for path, content := range want {
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, content) {
			t.Errorf("%s is not generated from %s; run: make manifests", path, sourceFile)
		}
	}

	// The patch must be a ConfigMap whose values are exactly the script (YAML block
	// scalars are easy to get subtly wrong, so decode rather than trust the renderer).
	var cm struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name   string            `json:"name"`
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
		Data map[string]string `json:"data"`
	}
	if err := yaml.UnmarshalStrict(want[cmPatchFile], &cm); err != nil {
		t.Fatalf("%s: %v", cmPatchFile, err)
	}
	if cm.APIVersion != "v1" || cm.Kind != "ConfigMap" || cm.Metadata.Name != "argocd-cm" {
		t.Errorf("%s: not the argocd-cm ConfigMap: %s %s %s", cmPatchFile, cm.APIVersion, cm.Kind, cm.Metadata.Name)
	}
	if len(cm.Data) != len(ks) {
		t.Errorf("%s: %d keys, want one per kind (%d)", cmPatchFile, len(cm.Data), len(ks))
	}
	for _, k := range ks {
		if cm.Data[cmKey(k)] != source {
			t.Errorf("%s: %s does not decode to %s", cmPatchFile, cmKey(k), sourceFile)
		}
	}
}

// healthStatus is what Argo CD reads from the script's returned table.
type healthStatus struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// validStatuses are the values Argo CD accepts; anything else becomes Unknown with
// "Lua returned an invalid health status".
var validStatuses = []string{"Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"}

// toLua converts a decoded Kubernetes object to Lua values as Argo CD does for the global
// `obj`: maps become tables keyed by string, arrays become sequences (1-based), numbers
// become Lua numbers, null becomes nil.
func toLua(l *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(v)
	case string:
		return lua.LString(v)
	case int64:
		return lua.LNumber(v)
	case float64:
		return lua.LNumber(v)
	case []any:
		tbl := l.CreateTable(len(v), 0)
		for _, item := range v {
			tbl.Append(toLua(l, item))
		}
		return tbl
	case map[string]any:
		tbl := l.CreateTable(0, len(v))
		for key, item := range v {
			tbl.RawSetString(key, toLua(l, item))
		}
		return tbl
	default:
		panic(fmt.Sprintf("unexpected %T in object", v))
	}
}

// runHealth evaluates a health script against obj. With openLibs false it gives the
// script only what Argo CD gives an argocd-cm script (base, package and table
// libraries); with openLibs true, what a built-in resource_customizations script gets.
func runHealth(obj *unstructured.Unstructured, script string, openLibs bool) (healthStatus, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: !openLibs})
	defer l.Close()
	if !openLibs {
		for name, open := range map[string]lua.LGFunction{
			lua.LoadLibName: lua.OpenPackage,
			lua.BaseLibName: lua.OpenBase,
			lua.TabLibName:  lua.OpenTable,
		} {
			if err := l.CallByParam(lua.P{Fn: l.NewFunction(open), Protect: true}, lua.LString(name)); err != nil {
				return healthStatus{}, err
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj.Object))
	if err := l.DoString(script); err != nil {
		return healthStatus{}, err
	}
	ret, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return healthStatus{}, fmt.Errorf("script returned %s, want a table", l.Get(-1).Type())
	}
	var hs healthStatus
	for field, dst := range map[string]*string{"status": &hs.Status, "message": &hs.Message} {
		switch v := ret.RawGetString(field).(type) {
		case lua.LString:
			*dst = string(v)
		case *lua.LNilType:
		default:
			return healthStatus{}, fmt.Errorf("%s is a %s, want a string", field, v.Type())
		}
	}
	if !slices.Contains(validStatuses, hs.Status) {
		return healthStatus{}, fmt.Errorf("invalid health status %q", hs.Status)
	}
	return hs, nil
}

// decode turns YAML into an object the way the API server's JSON does (integers as
// int64), as Argo CD sees live objects.
func decode(t *testing.T, data []byte) *unstructured.Unstructured {
	t.Helper()
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(js); err != nil {
		t.Fatal(err)
	}
	return obj
}

type testCase struct {
	InputPath    string       `json:"inputPath"`
	HealthStatus healthStatus `json:"healthStatus"`
}

func loadCases(t *testing.T) []testCase {
	t.Helper()
	var file struct {
		Tests []testCase `json:"tests"`
	}
	if err := yaml.UnmarshalStrict([]byte(readFile(t, expectedFile)), &file); err != nil {
		t.Fatalf("%s: %v", expectedFile, err)
	}
	return file.Tests
}

// TestFixturesListed makes sure no fixture in testdata/ is forgotten in health_test.yaml.
func TestFixturesListed(t *testing.T) {
	listed := map[string]bool{}
	for _, c := range loadCases(t) {
		if listed[c.InputPath] {
			t.Errorf("%s listed twice", c.InputPath)
		}
		listed[c.InputPath] = true
	}
	files, err := filepath.Glob(filepath.Join(testdataDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		if f != filepath.Clean(expectedFile) && !listed[name] {
			t.Errorf("%s has no expected result in %s", f, expectedFile)
		}
	}
}

// TestHealth runs every fixture against every kind's script (the file and the
// argocd-cm copy), with the fixture's kind set to that kind.
func TestHealth(t *testing.T) {
	cases := loadCases(t)
	if len(cases) == 0 {
		t.Fatal("no test cases")
	}
	var cm struct {
		Data map[string]string `json:"data"`
	}
	if err := yaml.Unmarshal([]byte(readFile(t, cmPatchFile)), &cm); err != nil {
		t.Fatal(err)
	}
	for _, kind := range kinds(t) {
		scripts := []struct {
			name     string
			script   string
			openLibs bool
		}{
			{"health.lua/builtin", readFile(t, kindScriptPath(kind)), true},
			{"health.lua/argocd-cm", readFile(t, kindScriptPath(kind)), false},
			{"argocd-cm-patch", cm.Data[cmKey(kind)], false},
		}
		for _, s := range scripts {
			if s.script == "" {
				t.Errorf("%s: no script for %s", s.name, kind)
				continue
			}
			for _, c := range cases {
				t.Run(kind+"/"+s.name+"/"+strings.TrimSuffix(c.InputPath, ".yaml"), func(t *testing.T) {
					obj := decode(t, []byte(readFile(t, filepath.Join(testdataDir, c.InputPath))))
					obj.SetKind(kind)
					got, err := runHealth(obj, s.script, s.openLibs)
					if err != nil {
						t.Fatalf("script failed: %v", err)
					}
					if got != c.HealthStatus {
						t.Errorf("got %+v, want %+v", got, c.HealthStatus)
					}
				})
			}
		}
	}
}

// TestOddShapes: whatever a half-written or foreign status looks like, the script returns
// a valid health rather than a Lua error (which Argo CD would show as a failure).
func TestOddShapes(t *testing.T) {
	script := readFile(t, sourceFile)
	for name, tc := range map[string]struct {
		yaml string
		want healthStatus
	}{
		"empty conditions": {
			yaml: "status: {observedGeneration: 1, conditions: []}",
			want: healthStatus{"Progressing", "Waiting for the operator"},
		},
		"no metadata.generation": {
			yaml: "status: {observedGeneration: 1, conditions: [{type: Ready, status: 'True', observedGeneration: 1}]}",
			want: healthStatus{"Progressing", "Waiting for the operator"},
		},
		"condition without observedGeneration": {
			yaml: "metadata: {generation: 2}\nstatus: {observedGeneration: 2, conditions: [{type: Ready, status: 'True'}]}",
			want: healthStatus{"Progressing", "Waiting for the operator"},
		},
		"stalled without observedGeneration or message": {
			yaml: "metadata: {generation: 2}\nstatus: {conditions: [{type: Stalled, status: 'True', reason: AuthenticationFailed}]}",
			want: healthStatus{"Degraded", "AuthenticationFailed"},
		},
		"stalled False": {
			yaml: "metadata: {generation: 1}\nstatus: {observedGeneration: 1, conditions: [{type: Stalled, status: 'False', observedGeneration: 1}, {type: Ready, status: 'True', observedGeneration: 1, message: ok}]}",
			want: healthStatus{"Healthy", "ok"},
		},
		"ready Unknown without reason": {
			yaml: "metadata: {generation: 1}\nstatus: {conditions: [{type: Ready, status: Unknown, observedGeneration: 1}]}",
			want: healthStatus{"Progressing", "Waiting for the operator"},
		},
		"null status": {
			yaml: "status: null",
			want: healthStatus{"Progressing", "Waiting for the operator"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			obj := decode(t, []byte("apiVersion: mor.operator.dev/v1alpha1\nkind: DIDRate\n"+tc.yaml))
			got, err := runHealth(obj, script, false)
			if err != nil {
				t.Fatalf("script failed: %v", err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
