#!/usr/bin/env bash
# One command for everything that ships: `bash scripts/pack.sh` (CI runs it).
#   pack      dotnet pack the four packages (+ symbols) into artifacts/feed
#   packages  check their contents and install/run the usermem-run tool from the feed   (scripts/check-packages.sh)
#   api       a changed public signature fails the build; the update script fixes it  (scripts/check-api-baseline.sh)
#   samples   build and run samples/ against artifacts/feed only, compare the output   (scripts/samples.sh)
#   consumer  a project outside the repository adds the packages and compiles the READMEs (scripts/check-consumer.sh)
#   docs      docfx site (warnings are errors) and headless Chromium checks of its pages (scripts/docs.sh)
# Give step names to run only those, e.g. `bash scripts/pack.sh pack samples`. Logs: artifacts/pack-logs/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
all=(pack packages api samples consumer docs)
steps=("$@")
[ "${#steps[@]}" -gt 0 ] || steps=("${all[@]}")
logs="$root/artifacts/pack-logs"
mkdir -p "$logs"

step_pack() {
  rm -rf "$root/artifacts/feed"
  for p in UserMemory UserMemory.AddressSpace UserMemory.Linux UserMemory.Runner; do
    dotnet pack "src/$p/$p.csproj" -c Release -o "$root/artifacts/feed" --nologo
  done
  ls "$root/artifacts/feed"
}
step_packages() { bash scripts/check-packages.sh; }
step_api() { bash scripts/check-api-baseline.sh; }
step_samples() { bash scripts/samples.sh; }
step_consumer() { bash scripts/check-consumer.sh; }
step_docs() { bash scripts/docs.sh; }

started=$SECONDS
for step in "${steps[@]}"; do
  declare -F "step_$step" >/dev/null || { echo "pack.sh: unknown step '$step' (steps: ${all[*]})" >&2; exit 2; }
  t=$SECONDS
  echo "pack.sh: $step ..."
  if ! "step_$step" >"$logs/$step.log" 2>&1; then
    tail -n 60 "$logs/$step.log"
    echo "pack.sh: step '$step' FAILED after $((SECONDS - t)) s (full log: artifacts/pack-logs/$step.log)"
    exit 1
  fi
  grep -E '^(check-|samples:|api-baseline:|docs:)' "$logs/$step.log" || true
  echo "pack.sh: $step ok ($((SECONDS - t)) s)"
done
echo "pack.sh: ${#steps[@]} steps ok in $((SECONDS - started)) s: ${steps[*]}"
