#!/usr/bin/env bash
# Runs /bin/busybox under usermem-run: `bash scripts/run.sh sh -c 'ls / | wc -l'`.
# Builds the runner once (NativeAOT when the toolchain allows, else the framework-dependent apphost) into
# artifacts/runner, and installs the Debian packages it needs (libunicorn2, busybox-static...) when missing.
# USERMEM_STRACE=1 adds --strace.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runner="$root/artifacts/runner/usermem-run"
stamp="$root/artifacts/runner/.built-from"
bash "$root/scripts/install-deps.sh" >&2
source_hash() {
  (cd "$root" && find src -name '*.cs' -o -name '*.csproj' | sort | xargs cat | sha256sum | cut -d' ' -f1)
}
want="$(source_hash)"
if [ ! -x "$runner" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "usermem-run: building (once) into artifacts/runner ..." >&2
  rm -rf "$root/artifacts/runner"
  mkdir -p "$root/artifacts"
  if ! dotnet publish "$root/src/UserMemory.Runner" -c Release -r linux-x64 -o "$root/artifacts/runner" >"$root/artifacts/publish.log" 2>&1; then
    echo "usermem-run: NativeAOT publish failed (see artifacts/publish.log); using the framework-dependent build" >&2
    dotnet publish "$root/src/UserMemory.Runner" -c Release -r linux-x64 -p:PublishAot=false --self-contained false \
      -o "$root/artifacts/runner" >>"$root/artifacts/publish.log" 2>&1
  fi
  echo "$want" > "$stamp"
fi
extra=()
[ "${USERMEM_STRACE:-0}" = "1" ] && extra+=(--strace)
exec "$runner" "${extra[@]}" -- /bin/busybox "$@"
