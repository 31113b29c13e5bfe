#!/usr/bin/env bash
# A/B of two usermem-run builds on issue 12's workloads, interleaved (old, new, old, new, ...), printing wall, user and
# system seconds per run and the load average before each. Not part of CI.
#   OLD=/tmp/runner-main/usermem-run NEW=/tmp/runner-branch/usermem-run RUNS=3 CPU=kvm bash bench/kvm-exit/ab.sh
set -euo pipefail
old="${OLD:?OLD=path to the old usermem-run}"
new="${NEW:?NEW=path to the new usermem-run}"
runs="${RUNS:-3}"
cpu="${CPU:-kvm}"
data="${DATA:-/tmp/kvmexit-data}"
mkdir -p "$data"
[ -f "$data/file50M" ] || head -c 52428800 /dev/urandom > "$data/file50M"
[ -f "$data/sort300k" ] || seq 300000 | shuf --random-source=<(yes) > "$data/sort300k"
declare -A cmds=(
  [md5]="/bin/busybox md5sum $data/file50M"
  [sort]="/bin/busybox sort -n $data/sort300k"
  [dd1]="/bin/busybox dd if=/dev/zero of=/dev/null bs=1 count=400000"
  [find]="/bin/busybox find /usr"
  [forkexec]="/bin/busybox sh -c 'i=0; while [ \$i -lt 50 ]; do /bin/true; i=\$((i+1)); done'"
)
for w in ${WORKLOADS:-md5 sort dd1 find forkexec}; do
  for i in $(seq "$runs"); do
    for side in old new; do
      runner="$old"; [ "$side" = new ] && runner="$new"
      load=$(cut -d' ' -f1 /proc/loadavg)
      t=$( { /usr/bin/time -f "%e %U %S" bash -c "$runner --cpu $cpu ${cmds[$w]} >/dev/null 2>&1"; } 2>&1 | tail -1)
      echo "$w $side run$i load $load wall/user/sys $t"
    done
  done
done
