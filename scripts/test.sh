#!/usr/bin/env bash
# Runs every test in the solution and ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh || { echo "dependency install failed"; exit 1; }
log=$(mktemp)
dotnet test UserMemory.slnx -c Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# The Linux suite (busybox differential, probes, hostile and fidelity programs) runs on both backends where /dev/kvm
# exists: the first pass ran on the backend `--cpu auto` picks, which is KVM wherever /dev/kvm works, so the second
# names Unicorn.
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
  echo "test.sh: Linux suite again with --cpu unicorn"
  USERMEM_TEST_CPU=unicorn dotnet test tests/UserMemory.Linux.Tests -c Release --no-build \
    --filter 'FullyQualifiedName!~.Kvm.&FullyQualifiedName!~AbiLayout&FullyQualifiedName!~SyscallTable&FullyQualifiedName!~RunnerCommandLine' 2>&1 | tee -a "$log"
  second_status=${PIPESTATUS[0]}
  [ "$second_status" -ne 0 ] && status=$second_status
else
  echo "test.sh: /dev/kvm is not usable here; the Linux suite ran on Unicorn only"
fi
# Each test assembly prints "Passed!  - Failed: F, Passed: P, Skipped: S, ..." (or "Failed!  - ...").
read -r passed failed skipped < <(grep -E '^(Passed|Failed)!' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' \
  | awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
