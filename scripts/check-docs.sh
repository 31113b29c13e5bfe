#!/usr/bin/env bash
# Opens pages of the built docs site (docs/_site, from scripts/docs.sh) in headless Chromium, served over local HTTP
# so the site's scripts run as on a web server, and asserts the key content of each rendered DOM. Installs chromium
# from Debian when missing. Nothing (no screenshot) is written outside artifacts/docs-check.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
site="$root/docs/_site"
out="$root/artifacts/docs-check"
fail() { echo "check-docs: FAIL: $*" >&2; exit 1; }
[ -f "$site/index.html" ] || fail "no site in $site: run bash scripts/docs.sh"

browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
  echo "check-docs: installing chromium (apt-get)" >&2
  if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq chromium >/dev/null
  browser="$(command -v chromium)"
fi

mkdir -p "$out"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$site" >"$out/http.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/index.html')" 2>/dev/null && break
  sleep 0.1
done

checked=0
# page, then strings its rendered DOM must contain
check() {
  local page="$1"; shift
  local dom="$out/$(echo "$page" | tr '/' '_').dom.html"
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking \
    --disable-extensions --disable-sync --no-first-run --mute-audio --user-data-dir="$out/profile" \
    --virtual-time-budget=5000 --dump-dom "http://127.0.0.1:$port/$page" >"$dom" 2>"$out/chromium.log" \
    || fail "chromium could not render $page (see $out/chromium.log)"
  for want in "$@"; do
    grep -qF -- "$want" "$dom" || fail "$page: rendered page lacks \"$want\" (DOM in $dom)"
  done
  checked=$((checked + 1))
  echo "check-docs: $page renders with ${#@} expected strings"
}

check index.html "Typed, validated access to user-space (guest) memory" "UserMemory.AddressSpace" "Getting started"
check articles/getting-started.html "Serve a system call" "UserCopy.CopyOut" "dotnet add package UserMemory" \
  'href="../api/UserMemory.UserCopy.html"' "Threat model" "Implementing an address space"
check articles/semantics.html "Semantics table" "address + size" "ENAMETOOLONG" "axptr" "IOV_MAX" "semantics-choices.html"
check articles/threat-model.html "Who is trusted" "No guest value can crash or hang the host"
check articles/implementing-an-address-space.html "The two rules that matter" "CheckRegionAccess" "EnterAccess"
check articles/benchmarks.html "full benchmark report" "BenchmarkDotNet"
check articles/generated/benchmarks-report.html "Benchmarks" "How to run"
check api/UserMemory.IUserAddressSpace.html "Interface IUserAddressSpace" "CheckRegionAccess" "GetKernelAddress"
check api/UserMemory.UserCopy.html "Class UserCopy" "CopyOut" "StrncpyFromUser"
check api/UserMemory.AddressSpace.AddrSpace.html "Class AddrSpace" "MapAlloc"
echo "check-docs: $checked pages rendered in headless Chromium with their key content"
