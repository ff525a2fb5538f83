#!/usr/bin/env bash
# The demo (`make demo`): a local control plane (envtest's kube-apiserver + etcd), the
# MOR simulator on 127.0.0.1:8086 and the operator, all on this machine; then the CRDs
# and config/samples are applied with kubectl like a user would, and the script shows the
# resources' status and what the operator changed in the simulator. Then the migration
# story (docs/migration.md) and the two-environment one (docs/environments.md): two more
# simulators, staging and production, holding the same names under different ids, and
# config/samples/environments' one base applied through both overlays.
#
#   hack/demo.sh          run the demo; stops everything at the end
#   DEMO_KEEP=1 hack/demo.sh
#                         leave everything running and print the KUBECONFIG to use
#   hack/demo.sh stop     stop what a DEMO_KEEP=1 run left running
#
# Needs Go and kubectl. Work files and logs are in .demo/ (DEMO_DIR overrides).
# Exits non-zero on failure, after printing the resources' conditions and the tail of
# the operator's log.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DEMO_DIR=${DEMO_DIR:-$ROOT/.demo}
SIM_ADDR=127.0.0.1:8086 # config/samples' MorServer points here
KINDS=morservers,mordefaults,didrates,locationrules
PIDS_FILE=$DEMO_DIR/pids
BIN=$ROOT/bin
ENV_DIR=config/samples/environments
ENVS=(staging production)
declare -A ID_OFFSET=([staging]=0 [production]=1000) # production: the same names, other ids

step() { printf '\n==> %s\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

# The overlay of environment ENV says where its MOR is, with which key, in which namespace.
env_addr() { sed -n 's|^  url: http://\([^/]*\)/.*|\1|p' "$ENV_DIR/$1/morserver.yaml"; }
env_key() { sed -n 's/^  secretKey: //p' "$ENV_DIR/$1/secret.yaml"; }
env_ns() { sed -n 's/^namespace: //p' "$ENV_DIR/$1/kustomization.yaml"; }

# alive PID: the process exists and is not a zombie.
alive() {
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $stat != Z* ]]
}

# ours PID BINARY: PID is still the process we started (not a recycled PID).
ours() {
  alive "$1" && [[ $(ps -o args= -p "$1" 2>/dev/null) == "$2"* ]]
}

# stop_one NAME PID BINARY: SIGTERM, wait up to a minute, then SIGKILL.
stop_one() {
  local name=$1 pid=$2 bin=$3 deadline=$((SECONDS + 60))
  ours "$pid" "$bin" || return 0
  echo "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  while alive "$pid"; do
    if ((SECONDS >= deadline)); then
      echo "$name (pid $pid) did not stop within 60s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  wait "$pid" 2>/dev/null || true # reaps it when it is our child
}

# stop_all: the operator first (it needs the others), the control plane last.
stop_all() {
  [ -f "$PIDS_FILE" ] || return 0
  local name pid bin
  for want in manager 'morsim*' controlplane; do
    while read -r name pid bin; do
      # shellcheck disable=SC2053 # $want is a pattern
      if [[ $name == $want ]]; then stop_one "$name" "$pid" "$bin"; fi
    done <"$PIDS_FILE"
  done
  rm -f "$PIDS_FILE"
}

# running: whether a process listed in the pids file still runs.
running() {
  [ -f "$PIDS_FILE" ] || return 1
  local name pid bin
  while read -r name pid bin; do
    if ours "$pid" "$bin"; then return 0; fi
  done <"$PIDS_FILE"
  return 1
}

# start NAME LOG BINARY ARGS...: starts BINARY in the background, output into LOG;
# sets pid_NAME.
start() {
  local name=$1 log=$2
  shift 2
  "$@" >"$log" 2>&1 &
  local pid=$!
  echo "$name $pid $1" >>"$PIDS_FILE"
  printf -v "pid_$name" %s "$pid"
  echo "$name started (pid $pid), log: ${log#"$ROOT"/}"
}

# wait_until DESC TIMEOUT PID LOG CMD...: polls CMD until it succeeds; fails early when
# the process PID has exited, or after TIMEOUT seconds.
wait_until() {
  local desc=$1 timeout=$2 pid=$3 log=$4 deadline=$((SECONDS + $2))
  shift 4
  until "$@" >/dev/null 2>&1; do
    alive "$pid" || die "$desc: the process exited (see ${log#"$ROOT"/})"
    ((SECONDS < deadline)) || die "$desc: not ready after ${timeout}s (see ${log#"$ROOT"/})"
    sleep 0.2
  done
}

# http_get URL: the body of GET URL (curl when installed, else the Go helper).
http_get() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS --max-time 10 "$1"
  else
    "$BIN/controlplane" get "$1"
  fi
}

# port_busy HOST:PORT: something accepts connections there.
port_busy() {
  (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null
}

report_failure() {
  echo >&2
  echo "demo: FAILED during: ${STEP:-setup}" >&2
  if [ -n "${CRDS_INSTALLED:-}" ] && alive "$pid_controlplane"; then
    echo "--- conditions of the demo resources" >&2
    local conditions
    conditions=$(kubectl get "$KINDS" -A --request-timeout=10s -o jsonpath='{range .items[*]}{.kind}/{.metadata.name} (namespace {.metadata.namespace}, generation {.metadata.generation}, observedGeneration {.status.observedGeneration}){"\n"}{range .status.conditions[*]}  {.type}={.status} reason={.reason}: {.message}{"\n"}{end}{end}' 2>&1)
    echo "${conditions:-(no resources)}" >&2
  fi
  if [ -s "$DEMO_DIR/operator.log" ]; then
    echo "--- last lines of ${DEMO_DIR#"$ROOT"/}/operator.log" >&2
    tail -n 40 "$DEMO_DIR/operator.log" >&2 || true
  fi
  local name pid
  for name in morsim "${ENVS[@]/#/morsim_}" controlplane; do
    pid=pid_$name
    if [ -n "${!pid:-}" ] && ! alive "${!pid}" && [ -s "$DEMO_DIR/$name.log" ]; then
      echo "--- $name exited; last lines of ${DEMO_DIR#"$ROOT"/}/${name/_/-}.log" >&2
      tail -n 20 "$DEMO_DIR/${name/_/-}.log" >&2 || true
    fi
  done
}

print_keep() {
  cat <<EOF

Everything keeps running (DEMO_KEEP=1):
  export KUBECONFIG=$KUBECONFIG
  kubectl get $KINDS -o wide
  simulator state: http://$SIM_ADDR/_sim/state   requests: http://$SIM_ADDR/_sim/requests
  staging and production simulators: http://$(env_addr staging)/_sim/state, http://$(env_addr production)/_sim/state
  logs: ${DEMO_DIR#"$ROOT"/}/{operator,morsim,morsim-staging,morsim-production,controlplane}.log
Stop it with: hack/demo.sh stop
  (PIDs: operator ${pid_manager:-?}, simulators ${pid_morsim:-?} ${pid_morsim_staging:-?} ${pid_morsim_production:-?}, control plane ${pid_controlplane:-?})
EOF
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  if [ -n "${INTERRUPTED:-}" ]; then
    echo "demo: interrupted during: ${STEP:-setup}" >&2
  elif [ "$rc" -ne 0 ]; then
    report_failure
  fi
  if [ "${DEMO_KEEP:-}" = 1 ] && [ -z "${INTERRUPTED:-}" ] && running; then
    print_keep
  else
    stop_all
  fi
  if [ "$rc" -eq 0 ]; then echo "demo: OK (${SECONDS}s)"; fi
  exit "$rc"
}

case "${1:-run}" in
stop)
  if running; then stop_all; else echo "no demo is running"; rm -f "$PIDS_FILE"; fi
  exit 0
  ;;
run) ;;
*) die "usage: hack/demo.sh [run|stop]" ;;
esac

command -v kubectl >/dev/null 2>&1 || die "kubectl is needed (https://kubernetes.io/docs/tasks/tools/)"
mkdir -p "$DEMO_DIR"
if running; then
  die "a demo is still running (kept with DEMO_KEEP=1); stop it first: hack/demo.sh stop"
fi
rm -f "$PIDS_FILE" "$DEMO_DIR"/*.log "$DEMO_DIR"/*.json "$DEMO_DIR/ready" "$DEMO_DIR/kubeconfig"
if port_busy "$SIM_ADDR"; then
  die "$SIM_ADDR is already in use; the simulator must listen there because config/samples' MorServer points at it"
fi
for env in "${ENVS[@]}"; do
  if port_busy "$(env_addr "$env")"; then
    die "$(env_addr "$env") is already in use; the $env simulator must listen there because $ENV_DIR/$env's MorServer points at it"
  fi
done
trap cleanup EXIT
trap 'INTERRUPTED=1; exit 130' INT
trap 'INTERRUPTED=1; exit 143' TERM

STEP="envtest assets"
step "envtest assets: kube-apiserver and etcd (the first run downloads the released ones, or builds them from Go modules when it cannot: ~5 min)"
ASSETS=$("$ROOT/hack/envtest-assets.sh")
echo "$ASSETS"

STEP="build"
step "build: control plane, MOR simulator, operator"
go build -o "$BIN/controlplane" ./hack/controlplane
go build -o "$BIN/morsim" ./hack/morsim
go build -o "$BIN/kubectl-mor" ./cmd/kubectl-mor
make --no-print-directory manager MANAGER="$BIN/manager" VERSION=demo
echo "bin/controlplane bin/morsim bin/kubectl-mor bin/manager"

STEP="control plane"
step "control plane (kube-apiserver + etcd)"
export KUBECONFIG=$DEMO_DIR/kubeconfig
start controlplane "$DEMO_DIR/controlplane.log" "$BIN/controlplane" run \
  --assets "$ASSETS" --kubeconfig "$KUBECONFIG" --ready-file "$DEMO_DIR/ready"
wait_until "control plane" 240 "$pid_controlplane" "$DEMO_DIR/controlplane.log" test -f "$DEMO_DIR/ready"
sed -n 's/^kube-apiserver at /kube-apiserver at /p' "$DEMO_DIR/controlplane.log"

STEP="MOR simulator"
step "MOR simulator on http://$SIM_ADDR"
# The samples' Secret holds the default seed's admin key: no key from the environment.
unset MORSIM_ADMIN_SECRET
start morsim "$DEMO_DIR/morsim.log" "$BIN/morsim" --listen "$SIM_ADDR"
wait_until "MOR simulator" 30 "$pid_morsim" "$DEMO_DIR/morsim.log" http_get "http://$SIM_ADDR/_sim/state"

STEP="install CRDs"
step "kubectl apply -f config/crd/bases"
kubectl apply -f config/crd/bases
kubectl wait --for condition=established --timeout=60s -f config/crd/bases
CRDS_INSTALLED=1

STEP="operator"
step "operator"
PROBE_PORT=$("$BIN/controlplane" freeport)
start manager "$DEMO_DIR/operator.log" "$BIN/manager" --poll-interval=30s \
  --health-probe-bind-address="127.0.0.1:$PROBE_PORT" --metrics-bind-address=0
wait_until "operator" 60 "$pid_manager" "$DEMO_DIR/operator.log" http_get "http://127.0.0.1:$PROBE_PORT/readyz"
echo "operator ready (http://127.0.0.1:$PROBE_PORT/readyz)"

STEP="apply samples"
http_get "http://$SIM_ADDR/_sim/state" >"$DEMO_DIR/sim-before.json"
step "kubectl apply -k config/samples"
kubectl apply -k config/samples

STEP="wait for Ready"
step "kubectl wait --for=condition=Ready --timeout=120s $KINDS --all -A"
kubectl wait --for=condition=Ready --timeout=120s "$KINDS" --all -A

STEP="show"
step "kubectl get $KINDS -A -o wide"
kubectl get "$KINDS" -A -o wide
http_get "http://$SIM_ADDR/_sim/state" >"$DEMO_DIR/sim-after.json"
http_get "http://$SIM_ADDR/_sim/requests" >"$DEMO_DIR/sim-requests.json"
step "what changed in the MOR simulator (before -> after)"
"$BIN/controlplane" diff "$DEMO_DIR/sim-before.json" "$DEMO_DIR/sim-after.json"
step "MOR API calls the operator made"
"$BIN/controlplane" calls "$DEMO_DIR/sim-requests.json"

# The migration story (docs/migration.md): a MOR configured by hand, brought under GitOps.
NS=default
mor() { "$BIN/kubectl-mor" "$@"; }
# nudge NAME: any annotation change makes the operator look again (instead of waiting
# for the poll interval).
nudge() { kubectl annotate locationrule "$1" demo.mor.operator.dev/nudge="$SECONDS" --overwrite >/dev/null; }
events_of() {
  kubectl get events -n "$NS" --field-selector "involvedObject.name=$1,reason=$2" \
    -o jsonpath='{range .items[*]}{.reason}: {.note}{.message}{"\n"}{end}'
}

STEP="export"
step "kubectl mor export --mor-server default --unmanaged: MOR's hand-made rules as manifests (ObserveOnly, Orphan)"
rm -rf "$DEMO_DIR/export"
mor export -n "$NS" --mor-server default --unmanaged --no-defaults --output-dir "$DEMO_DIR/export"
ls "$DEMO_DIR/export"
EXPORTED=$(find "$DEMO_DIR/export" -name 'locationrule-*.yaml' | sort | head -n 1)
RULE=$(sed -n 's/^  name: //p' "$EXPORTED" | head -n 1)
echo "exported $(find "$DEMO_DIR/export" -name 'locationrule-*.yaml' | wc -l | tr -d ' ') LocationRules; the story follows $RULE:"
cat "$EXPORTED"

STEP="apply export"
step "kubectl apply -k (the exported rules, ObserveOnly: the operator only reads)"
kubectl apply -n "$NS" -k "$DEMO_DIR/export"
kubectl wait -n "$NS" --for=condition=Ready --timeout=60s locationrules --all

STEP="plan"
step "a change in Git: edit $RULE's spec.minLen while it is ObserveOnly, then kubectl mor plan"
kubectl patch locationrule "$RULE" -n "$NS" --type merge -p '{"spec":{"minLen":2}}'
kubectl wait -n "$NS" --for=jsonpath='{.status.drift[0].field}'=spec.minLen --timeout=60s "locationrule/$RULE"
kubectl get locationrule "$RULE" -n "$NS" -o jsonpath='status.drift: {.status.drift}{"\n"}'
rc=0
mor plan -n "$NS" || rc=$?
echo "kubectl mor plan exit code: $rc (2: something would change)"
[ "$rc" = 2 ] || die "plan should report a change (exit 2), got $rc"

STEP="manage"
step "switch $RULE to Manage: the operator writes the planned change"
kubectl patch locationrule "$RULE" -n "$NS" --type merge -p '{"spec":{"managementPolicy":"Manage"}}'
kubectl wait -n "$NS" --for=condition=Ready --timeout=60s "locationrule/$RULE"
events_of "$RULE" Updated

STEP="drift"
RULE_ID=$(kubectl get locationrule "$RULE" -n "$NS" -o jsonpath='{.status.ruleID}')
step "someone edits rule $RULE_ID by hand in MOR (minlen=7); the operator puts it back"
"$BIN/controlplane" post "http://$SIM_ADDR/_sim/rules/$RULE_ID" minlen=7 >/dev/null
nudge "$RULE"
kubectl wait -n "$NS" --for=jsonpath='{.status.lastCorrection.fields[0].observed}'=7 --timeout=60s "locationrule/$RULE"
events_of "$RULE" Corrected
kubectl get locationrule "$RULE" -n "$NS" -o jsonpath='status.lastCorrection: {.status.lastCorrection}{"\n"}'

STEP="rejection"
step "a rule pointing at a tariff MOR does not have: MOR's answer, verbatim, in status"
kubectl apply -n "$NS" -f - <<'YAML'
apiVersion: mor.operator.dev/v1alpha1
kind: LocationRule
metadata:
  name: demo-missing-tariff
spec:
  locationID: 1
  name: demo rule with a missing tariff
  cut: "00999"
  add: "+999"
  tariffID: 999
YAML
kubectl wait -n "$NS" --for=condition=Stalled --timeout=60s locationrule/demo-missing-tariff
kubectl get locationrule demo-missing-tariff -n "$NS" \
  -o jsonpath='Stalled: {.status.conditions[?(@.type=="Stalled")].reason}: {.status.conditions[?(@.type=="Stalled")].message}{"\n"}'
kubectl delete locationrule demo-missing-tariff -n "$NS" --wait=true --timeout=60s

# Two environments, one manifest (docs/environments.md): the same names, other ids.
STEP="environments"
step "two more MORs, staging and production: the same tariff, LCR and DID names, production's ids offset by ${ID_OFFSET[production]}"
for env in "${ENVS[@]}"; do
  MORSIM_ADMIN_SECRET=$(env_key "$env") # their overlays' keys; the environment keeps them out of ps
  export MORSIM_ADMIN_SECRET
  start "morsim_$env" "$DEMO_DIR/morsim-$env.log" "$BIN/morsim" --listen "$(env_addr "$env")" --id-offset "${ID_OFFSET[$env]}"
  unset MORSIM_ADMIN_SECRET
done
for env in "${ENVS[@]}"; do
  pid=pid_morsim_$env
  wait_until "$env simulator" 30 "${!pid}" "$DEMO_DIR/morsim-$env.log" http_get "http://$(env_addr "$env")/_sim/state"
  http_get "http://$(env_addr "$env")/_sim/state" >"$DEMO_DIR/sim-$env-before.json"
done

step "one base of names ($ENV_DIR/base), two overlays: diff -r $ENV_DIR/staging $ENV_DIR/production"
if command -v diff >/dev/null 2>&1; then
  diff -r "$ENV_DIR/staging" "$ENV_DIR/production" || true
else
  echo "(diff is not installed)"
fi
(cd "$ENV_DIR/base" && grep -e 'Name:' -e 'Number:' -- *.yaml)

STEP="apply environments"
step "kubectl apply -k $ENV_DIR/staging and -k $ENV_DIR/production"
for env in "${ENVS[@]}"; do
  kubectl create namespace "$(env_ns "$env")"
  kubectl apply -k "$ENV_DIR/$env"
done
for env in "${ENVS[@]}"; do
  kubectl wait -n "$(env_ns "$env")" --for=condition=Ready --timeout=120s "$KINDS" --all
done

STEP="show environments"
step "kubectl get didrates,locationrules -A -o wide: the same manifest, each server's own ids"
kubectl get didrates,locationrules -A -o wide --field-selector "metadata.namespace!=$NS"
for env in "${ENVS[@]}"; do
  http_get "http://$(env_addr "$env")/_sim/state" >"$DEMO_DIR/sim-$env-after.json"
  step "what changed in the $env MOR simulator"
  "$BIN/controlplane" diff "$DEMO_DIR/sim-$env-before.json" "$DEMO_DIR/sim-$env-after.json"
done

STEP="ambiguous name"
PROD_NS=$(env_ns production)
step "a name production holds twice (tariff \"Promo\"): Stalled, nothing written"
kubectl apply -n "$PROD_NS" -f - <<'YAML'
apiVersion: mor.operator.dev/v1alpha1
kind: LocationRule
metadata:
  name: demo-ambiguous-tariff
spec:
  locationID: 1
  name: demo rule with an ambiguous tariff name
  cut: "00998"
  add: "+998"
  tariffName: Promo
YAML
kubectl wait -n "$PROD_NS" --for=condition=Stalled --timeout=60s locationrule/demo-ambiguous-tariff
kubectl get locationrule demo-ambiguous-tariff -n "$PROD_NS" \
  -o jsonpath='Stalled: {.status.conditions[?(@.type=="Stalled")].reason}: {.status.conditions[?(@.type=="Stalled")].message}{"\n"}'
kubectl delete locationrule demo-ambiguous-tariff -n "$PROD_NS" --wait=true --timeout=60s
STEP="done"
