#!/usr/bin/env bash
# End-to-end benchmark: syscall-heavy busybox workloads natively, under qemu-x86_64 (Debian qemu-user) and under
# usermem-run, timed with hyperfine (or bash's time when hyperfine is missing), then one run of each under
# `usermem-run --stats` to split the runner's time into the syscall layer and everything else (CPU emulation).
#
#   bash bench/e2e.sh            # all workloads, 5 timed runs each (about 5 minutes on 2 idle cores)
#   RUNS=3 bash bench/e2e.sh     # fewer runs
#   WORKLOADS="dd1 find" bash bench/e2e.sh   # workloads: true (startup), dd1, dd64k, cat, find, md5, sort, forkexec
#   CPUS="unicorn" bash bench/e2e.sh         # runner backends to compare (default: unicorn, plus kvm when /dev/kvm works)
#
# Results: artifacts/e2e/<workload>.md (hyperfine tables) and artifacts/e2e/stats.txt; a summary on stdout.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/artifacts/e2e"
runs="${RUNS:-5}"
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
sorted="$out/numbers300k"
[ -f "$sorted" ] || seq 300000 | shuf --random-source=<(yes) > "$sorted"

cmd_for() {
  case "$1" in
    true) echo "true" ;; # startup cost only
    dd1) echo "dd if=/dev/zero of=/dev/null bs=1 count=400000" ;;
    dd64k) echo "dd if=/dev/zero of=/dev/null bs=64k count=16384" ;;
    cat) echo "cat $data" ;;
    find) echo "find /usr" ;;
    md5) echo "md5sum $data" ;;
    sort) echo "sort -n $sorted" ;;
    forkexec) echo "sh -c 'i=0; while [ \$i -lt 50 ]; do /bin/true; i=\$((i+1)); done'" ;;
    *) echo "unknown workload $1" >&2; exit 2 ;;
  esac
}

echo "# e2e $(date -u +%FT%TZ) on $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/summary.txt"
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
    hyperfine -N --style basic --warmup 1 --runs "$runs" --output null --export-markdown "$out/$w.md" "${hf[@]}" >/dev/null
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
  # One run per backend with --stats: syscall count and time inside the syscall layer.
  for cpu in $CPUS; do
    line="$(bash -c "$runner --cpu $cpu --stats -- $busybox $args" 2>&1 >/dev/null | grep '^usermem-run stats' || true)"
    echo "$w ($cpu): $line" | tee -a "$out/stats.txt" "$out/summary.txt"
  done
done
