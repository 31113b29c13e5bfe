#!/usr/bin/env bash
# End-to-end benchmark: syscall-heavy busybox workloads natively, under qemu-x86_64 (Debian qemu-user) and under
# usermem-run, timed with hyperfine (or bash's time when hyperfine is missing), then one run of each under
# `usermem-run --stats` to split the runner's time into the syscall layer and everything else (CPU emulation).
#
#   bash bench/e2e.sh            # all workloads, 5 timed runs each (about 5 minutes on 2 idle cores)
#   RUNS=3 bash bench/e2e.sh     # fewer runs (WARMUP=0: no warm-up run; STATS=0: no --stats runs)
#   WORKLOADS="dd1 find" bash bench/e2e.sh   # workloads: true (startup), dd1, dd64k, cat, find, md5, sort, forkexec
#   CPUS="unicorn" bash bench/e2e.sh         # runner backends to compare (default: unicorn, plus kvm when /dev/kvm works)
#   WORKLOADS="sort md5 dd1 find forkexec" bash bench/e2e.sh   # issue 12's five targets only
#
# Results: artifacts/e2e/<workload>.md (hyperfine tables), artifacts/e2e/stats.txt, and artifacts/e2e/table.md: one
# table with every target side by side (mean wall time; ratios of the backend `--cpu auto` picks on this host against
# native and qemu-user), headed by the load average at start and end; a summary on stdout.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/artifacts/e2e"
runs="${RUNS:-5}"
warmup="${WARMUP:-1}"
workloads="${WORKLOADS:-true dd1 dd64k cat find md5 sort forkexec}"
if [ -z "${CPUS:-}" ]; then
  CPUS="unicorn"
  [ -r /dev/kvm ] && [ -w /dev/kvm ] && CPUS="unicorn kvm"
fi
busybox=/bin/busybox
mkdir -p "$out"

# Build the runner once (scripts/run.sh publishes it into artifacts/runner and installs the Debian packages).
bash "$root/scripts/run.sh" true >/dev/null
runner="$root/artifacts/runner/usermem-run"
command -v qemu-x86_64 >/dev/null || { echo "qemu-x86_64 missing: apt-get install -y qemu-user" >&2; exit 1; }
command -v hyperfine >/dev/null || apt-get install -y hyperfine >/dev/null 2>&1 || true

data="$out/file100M"
[ -f "$data" ] || head -c 104857600 /dev/zero > "$data"
data50="$out/file50M"
[ -f "$data50" ] || head -c 52428800 /dev/urandom > "$data50"
sorted="$out/numbers300k"
[ -f "$sorted" ] || seq 300000 | shuf --random-source=<(yes) > "$sorted"

cmd_for() {
  case "$1" in
    true) echo "true" ;; # startup cost only
    dd1) echo "dd if=/dev/zero of=/dev/null bs=1 count=400000" ;;
    dd64k) echo "dd if=/dev/zero of=/dev/null bs=64k count=16384" ;;
    cat) echo "cat $data" ;;
    find) echo "find /usr" ;;
    md5) echo "md5sum $data50" ;;
    sort) echo "sort -n $sorted" ;;
    forkexec) echo "sh -c 'i=0; while [ \$i -lt 50 ]; do /bin/true; i=\$((i+1)); done'" ;;
    *) echo "unknown workload $1" >&2; exit 2 ;;
  esac
}

# The backend `--cpu auto` picks (CpuBackendSelector): KVM wherever /dev/kvm opens and accepts a VM (nested PVM hosts
# included), else Unicorn. Ask the runner rather than re-deriving its rule here.
# `--cpu kvm` prints a fallback message when KVM refuses; silence means KVM ran.
auto=unicorn
if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ -z "$("$runner" --cpu kvm -- $busybox true 2>&1)" ]; then
  auto=kvm
fi
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$(date -u +%FT%TZ)"
echo "# e2e $started on $(nproc) cores, load: $load_start, --cpu auto picks $auto" | tee "$out/summary.txt"
: > "$out/stats.txt"
for w in $workloads; do
  args="$(cmd_for "$w")"
  names=(native qemu-user)
  cmds=("$busybox $args" "qemu-x86_64 $busybox $args")
  for cpu in $CPUS; do
    names+=("usermem-run-$cpu")
    cmds+=("$runner --cpu $cpu -- $busybox $args")
  done
  if command -v hyperfine >/dev/null; then
    hf=()
    for i in "${!names[@]}"; do hf+=(-n "${names[$i]}" "${cmds[$i]}"); done
    hyperfine -N --style basic --warmup "$warmup" --runs "$runs" --output null --export-markdown "$out/$w.md" --export-json "$out/$w.json" "${hf[@]}" >/dev/null
    echo "## $w: busybox $args" | tee -a "$out/summary.txt"
    tee -a "$out/summary.txt" < "$out/$w.md"
  else
    echo "## $w: busybox $args (bash time, $runs runs each)" | tee -a "$out/summary.txt"
    for i in "${!names[@]}"; do
      start=$(date +%s.%N)
      for _ in $(seq "$runs"); do bash -c "${cmds[$i]}" >/dev/null 2>&1; done
      end=$(date +%s.%N)
      echo "${names[$i]}: $(echo "($end - $start) / $runs" | bc -l) s" | tee -a "$out/summary.txt"
    done
  fi
  # One run per backend with --stats: syscall count and time inside the syscall layer (STATS=0 skips it).
  [ "${STATS:-1}" = 1 ] || continue
  for cpu in $CPUS; do
    line="$(bash -c "$runner --cpu $cpu --stats -- $busybox $args" 2>&1 >/dev/null | grep '^usermem-run stats' || true)"
    echo "$w ($cpu): $line" | tee -a "$out/stats.txt" "$out/summary.txt"
  done
done

# One table with every workload side by side (hyperfine's JSON; skipped without hyperfine).
command -v hyperfine >/dev/null || exit 0
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo "e2e $started, $(nproc) cores, load average (1/5/15 min) $load_start at start, $load_end at end;" \
    "commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown); \`--cpu auto\` picks $auto here;" \
    "hyperfine -N, $warmup warm-up, $runs runs, mean ± σ."
  echo
  header="| workload | native | qemu-user"
  rule="|---|---:|---:"
  for cpu in $CPUS; do header+=" | usermem-run $cpu"; rule+="|---:"; done
  echo "$header | auto ($auto) ÷ native | qemu-user ÷ auto |"
  echo "$rule|---:|---:|"
  for w in $workloads; do
    [ -f "$out/$w.json" ] || continue
    jq -r --arg w "$w" --arg cmd "$(cmd_for "$w")" --arg auto "usermem-run-$auto" '
      def fmt: if . >= 1 then "\(. * 100 | round / 100) s" else "\(. * 10000 | round / 10) ms" end;
      def cell: "\(.mean | fmt) ± \(.stddev // 0 | fmt)";
      (.results | map({key: .command, value: .}) | from_entries) as $r
      | ($r[$auto].mean) as $a
      | "| `\($cmd)` | " + ([.results[] | cell] | join(" | "))
        + (if $a == null then " | (auto not measured) | |"
           else " | \($a / $r["native"].mean * 10 | round / 10)× | \($r["qemu-user"].mean / $a * 10 | round / 10)× |" end)
    ' "$out/$w.json"
  done
} > "$out/table.md"
cat "$out/table.md"
