package main

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// deploymentDefaults are the values whose defaults come from config/manager.
type deploymentDefaults struct {
	replicas           int64
	resources          map[string]any
	podSecurityContext map[string]any
}

// The config/manager arguments the chart makes conditional; every other argument is
// kept as it is.
const (
	leaderElectArg = "--leader-elect"
	metricsArg     = "--metrics-bind-address="
)

// deployment is config/manager's Deployment with what values.yaml sets.
func (g *generator) deployment(u *unstructured.Unstructured) (string, error) {
	t := newTemplater()
	obj := g.prepare(u, t)
	spec := field(obj, "spec")
	replicas, ok := asInt(spec["replicas"])
	if !ok {
		return "", fmt.Errorf("spec.replicas %v is not an integer", spec["replicas"])
	}
	g.deploy.replicas = replicas
	spec["replicas"] = "__REPLICAS__"

	pod := field(spec, "template", "spec")
	g.deploy.podSecurityContext = field(pod, "securityContext")
	delete(pod, "securityContext")
	pod[t.block(always("$.Values.podSecurityContext", "securityContext"))] = ""
	for _, key := range []string{"imagePullSecrets", "nodeSelector", "tolerations", "affinity"} {
		if _, set := pod[key]; set {
			return "", fmt.Errorf("config/manager sets %s, which values.yaml sets in the chart", key)
		}
		pod[t.block(with("$.Values."+key, key))] = ""
	}

	containers, _ := pod["containers"].([]any)
	if len(containers) != 1 {
		return "", fmt.Errorf("want one container, got %d", len(containers))
	}
	c := containers[0].(map[string]any)
	c["image"] = "__IMAGE__"
	c[t.block(func(int) string {
		return "{{- with $.Values.image.pullPolicy }}\nimagePullPolicy: {{ . }}\n{{- end }}"
	})] = ""
	g.deploy.resources = field(c, "resources")
	delete(c, "resources")
	c[t.block(always("$.Values.resources", "resources"))] = ""

	args, metricsPort, err := g.args(c["args"])
	if err != nil {
		return "", err
	}
	delete(c, "args")
	c[t.block(args)] = ""
	ports, err := containerPorts(c["ports"], metricsPort)
	if err != nil {
		return "", err
	}
	delete(c, "ports")
	c[t.block(ports)] = ""
	return t.render(obj)
}

// args are config/manager's arguments, --leader-elect and the metrics address made
// conditional, then those values.yaml sets. It returns the metrics port too.
func (g *generator) args(v any) (func(int) string, string, error) {
	list, _ := v.([]any)
	var b strings.Builder
	b.WriteString("args:\n")
	var leader, metricsPort string
	for _, a := range list {
		arg, _ := a.(string)
		switch {
		case arg == leaderElectArg:
			leader = arg
			b.WriteString("{{- if or $.Values.leaderElection (gt (int $.Values.replicas) 1) }}\n- " + arg + "\n{{- end }}\n")
		case strings.HasPrefix(arg, metricsArg):
			_, metricsPort, _ = strings.Cut(arg, ":")
			b.WriteString("{{- if $.Values.metrics.enabled }}\n- " + yamlScalar(arg) +
				"\n{{- else }}\n- " + metricsArg + "0\n{{- end }}\n")
		default:
			b.WriteString("- " + yamlScalar(arg) + "\n")
		}
	}
	if leader == "" || metricsPort == "" {
		return nil, "", fmt.Errorf("config/manager's args %v lack %s or %s<address>:<port>", list, leaderElectArg, metricsArg)
	}
	b.WriteString("{{- with $.Values.watchNamespaces }}\n- {{ printf \"--watch-namespaces=%s\" (join \",\" .) | quote }}\n{{- end }}\n")
	b.WriteString("{{- with $.Values.serverSelector }}\n- {{ printf \"--server-selector=%s\" . | quote }}\n{{- end }}\n")
	for _, f := range managerFlags {
		if _, ok := g.mainFlags[f.flag]; !ok {
			return nil, "", fmt.Errorf("manager.%s: main.go defines no flag --%s", f.key, f.flag)
		}
		value := `printf "--%s=%%v" .` // durations as written, QPS as a float
		if f.kind == integer {
			value = `printf "--%s=%%d" (int .)` // not 1e+06
		}
		// index: Helm drops the null of an unset number, and strict rendering refuses
		// a missing key read with a field access.
		fmt.Fprintf(&b, "{{- with index $.Values.manager %q }}\n- {{ %s | quote }}\n{{- end }}\n",
			f.key, fmt.Sprintf(value, f.flag))
	}
	b.WriteString("{{- range $.Values.extraArgs }}\n- {{ . | quote }}\n{{- end }}")
	text := b.String()
	return func(int) string { return text }, metricsPort, nil
}

// containerPorts are config/manager's ports, the metrics one only with metrics.enabled.
func containerPorts(v any, metricsPort string) (func(int) string, error) {
	list, _ := v.([]any)
	var b strings.Builder
	b.WriteString("ports:\n")
	found := false
	for _, p := range list {
		item := toYAML([]any{p})
		if port, _ := asInt(p.(map[string]any)["containerPort"]); fmt.Sprint(port) == metricsPort {
			found = true
			item = "{{- if $.Values.metrics.enabled }}\n" + item + "{{- end }}\n"
		}
		b.WriteString(item)
	}
	if !found {
		return nil, fmt.Errorf("no container port %s (the metrics address's)", metricsPort)
	}
	text := strings.TrimSuffix(b.String(), "\n")
	return func(int) string { return text }, nil
}

// A managerFlag is a manager flag set from manager.<key> in values.yaml; unset, the
// flag is not passed and the manager's own default holds.
type managerFlag struct {
	key, flag string
	kind      flagKind
}

type flagKind int

const (
	duration flagKind = iota
	integer
	number
)

var managerFlags = []managerFlag{
	{"pollInterval", "poll-interval", duration},
	{"minPollInterval", "min-poll-interval", duration},
	{"defaultsReapplyInterval", "defaults-reapply-interval", duration},
	{"authRetryInterval", "auth-retry-interval", duration},
	{"serverGracePeriod", "server-grace-period", duration},
	{"maxBackoff", "max-backoff", duration},
	{"reconcileTimeout", "reconcile-timeout", duration},
	{"maxConcurrentReconciles", "max-concurrent-reconciles", integer},
	{"kubeAPIQPS", "kube-api-qps", number},
	{"kubeAPIBurst", "kube-api-burst", integer},
	{"leaderElectLeaseDuration", "leader-elect-lease-duration", duration},
	{"leaderElectRenewDeadline", "leader-elect-renew-deadline", duration},
	{"leaderElectRetryPeriod", "leader-elect-retry-period", duration},
}

// asInt reads a whole number decoded from YAML.
func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		return int64(n), n == float64(int64(n))
	}
	return 0, false
}
