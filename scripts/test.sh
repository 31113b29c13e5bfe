#!/usr/bin/env bash
# Runs every test in the solution and ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh || { echo "dependency install failed"; exit 1; }
log=$(mktemp)
USERMEM_TEST_CPU=unicorn dotnet test UserMemory.slnx -c Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# The Linux suite (busybox differential, probes, hostile and fidelity programs) once more on the KVM backend, where
# /dev/kvm exists; the first pass ran on Unicorn (named explicitly: `--cpu auto` picks KVM wherever it works).
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
  echo "test.sh: Linux suite again with --cpu kvm"
  USERMEM_TEST_CPU=kvm dotnet test tests/UserMemory.Linux.Tests -c Release --no-build \
    --filter 'FullyQualifiedName!~.Kvm.&FullyQualifiedName!~AbiLayout&FullyQualifiedName!~SyscallTable&FullyQualifiedName!~RunnerCommandLine' 2>&1 | tee -a "$log"
  kvm_status=${PIPESTATUS[0]}
  [ "$kvm_status" -ne 0 ] && status=$kvm_status
else
  echo "test.sh: /dev/kvm is not usable here; the KVM pass of the Linux suite is skipped"
fi
# Each test assembly prints "Passed!  - Failed: F, Passed: P, Skipped: S, ..." (or "Failed!  - ...").
read -r passed failed skipped < <(grep -E '^(Passed|Failed)!' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' \
  | awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
