#!/usr/bin/env bash
# Checks the packed packages in artifacts/feed: README, MIT licence, repository commit (SourceLink), symbol packages,
# XML docs, a dependency-free core that carries the analyzer when src/UserMemory.Analyzers exists, and the
# usermem-run tool installed from the feed and run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
feed="$root/artifacts/feed"
version="$(dotnet msbuild "$root/src/UserMemory/UserMemory.csproj" -getProperty:Version)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "check-packages: FAIL: $*" >&2; exit 1; }
# entry_has ZIP ENTRY-PATTERN TEXT: whether the (concatenated) entries contain TEXT. Extracted to a file first, so an
# early-exiting grep cannot make unzip fail with SIGPIPE under pipefail.
entry_has() { unzip -p "$1" "$2" >"$work/entry" 2>/dev/null || true; grep -aqe "$3" "$work/entry"; }

for id in UserMemory UserMemory.AddressSpace UserMemory.Linux UserMemory.Runner; do
  nupkg="$feed/$id.$version.nupkg"
  [ -f "$nupkg" ] || fail "missing $nupkg"
  [ -f "$feed/$id.$version.snupkg" ] || fail "missing the symbol package of $id"
  files="$(unzip -Z1 "$nupkg")"
  nuspec="$(unzip -p "$nupkg" "$id.nuspec")"
  grep -qx README.md <<<"$files" || fail "$id has no README.md"
  entry_has "$nupkg" README.md '^```' || fail "$id's README has no example"
  grep -q '<license type="expression">MIT</license>' <<<"$nuspec" || fail "$id has no MIT licence expression"
  grep -qE '<repository type="git" url="[^"]+"[^>]* commit="[0-9a-f]{40}"' <<<"$nuspec" || fail "$id has no repository commit (SourceLink)"
  entry_has "$feed/$id.$version.snupkg" '*.pdb' '"documents"' || fail "$id's symbols carry no SourceLink map"
  if [ "$id" = UserMemory.Runner ]; then
    grep -qx 'tools/net10.0/any/DotnetToolSettings.xml' <<<"$files" || fail "the runner is not a .NET tool"
  else
    grep -qx "lib/net10.0/$id.dll" <<<"$files" || fail "$id has no lib/net10.0/$id.dll"
    grep -qx "lib/net10.0/$id.xml" <<<"$files" || fail "$id has no XML docs"
  fi
  echo "check-packages: $id $version: README, MIT, SourceLink commit, snupkg, $(wc -l <<<"$files") files"
done

core_nuspec="$(unzip -p "$feed/UserMemory.$version.nupkg" UserMemory.nuspec)"
grep -q '<dependency ' <<<"$core_nuspec" && fail "the core package has dependencies"
if [ -f "$root/src/UserMemory.Analyzers/UserMemory.Analyzers.csproj" ]; then
  unzip -Z1 "$feed/UserMemory.$version.nupkg" >"$work/core-files"
  grep -qx 'analyzers/dotnet/cs/UserMemory.Analyzers.dll' "$work/core-files" \
    || fail "the core package lacks analyzers/dotnet/cs/UserMemory.Analyzers.dll"
  echo "check-packages: UserMemory carries its analyzer under analyzers/dotnet/cs"
else
  echo "check-packages: src/UserMemory.Analyzers does not exist yet: no analyzer to carry"
fi
echo "check-packages: the core package has no dependencies"

# The tool: install from the feed into a private folder and run it.
NUGET_PACKAGES="$work/packages" dotnet tool install UserMemory.Runner --version "$version" --add-source "$feed" \
  --tool-path "$work/tools" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "dotnet tool install failed"; }
"$work/tools/usermem-run" --help >"$work/help.txt" && grep -q -- "--strace" "$work/help.txt" || fail "usermem-run --help does not document --strace"
set +e; "$work/tools/usermem-run" --no-such-option >/dev/null 2>"$work/usage.txt"; status=$?; set -e
[ "$status" = 2 ] && grep -q "unknown option" "$work/usage.txt" || fail "a bad option did not give exit 2 and a message"
if [ -x /bin/busybox ] && ldconfig -p >"$work/ld.txt" && grep -q libunicorn "$work/ld.txt"; then
  out="$("$work/tools/usermem-run" /bin/busybox sh -c 'echo tool works | cat')"
  [ "$out" = "tool works" ] || fail "the installed tool printed '$out'"
  echo "check-packages: usermem-run installed from the feed runs busybox (framework-dependent)"
else
  echo "check-packages: usermem-run installed from the feed answers --help (no busybox/libunicorn to run it)"
fi
