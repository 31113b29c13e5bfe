#!/usr/bin/env bash
# Long differential fuzzing run (part 1 of RELIABILITY.md): compares every core API with the byte-granular model.
# Usage: bash scripts/fuzz-long.sh [cases]   (default 10 000 000; USERMEMORY_FUZZ_SEED=<seed> replays a seed)
# Builds once, then runs a private copy of the test binaries, so rebuilding the tree meanwhile is harmless.
# Ends with a line "fuzz-long: N cases, M mismatches, exit C"; the summary goes to artifacts/fuzz-long/report.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
cases=${1:-10000000}
out=artifacts/fuzz-long
mkdir -p "$out"
dotnet build tests/UserMemory.Reliability.Tests -c Release -v q -nologo >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
bin=$(mktemp -d)
cp -r tests/UserMemory.Reliability.Tests/bin/Release/net10.0/. "$bin/"
rm -f "$out/report.txt"
start=$(date +%s)
USERMEMORY_FUZZ_CASES=$cases USERMEMORY_FUZZ_REPORT="$PWD/$out/report.txt" \
  dotnet test "$bin/UserMemory.Reliability.Tests.dll" --filter "FullyQualifiedName~DifferentialFuzzTests" \
  --logger "console;verbosity=normal" >"$out/test.log" 2>&1
status=$?
end=$(date +%s)
rm -rf "$bin"
ran=$(grep -oE 'differential fuzz: [0-9]+ cases' "$out/report.txt" 2>/dev/null | grep -oE '[0-9]+' | head -1)
mismatches=$(grep -c 'FuzzMismatchException :' "$out/test.log")
echo "fuzz-long: ${ran:-0} cases, ${mismatches} mismatches, exit ${status}, $((end - start)) s (log: $out/test.log)"
[ -f "$out/report.txt" ] && cat "$out/report.txt"
exit "$status"
