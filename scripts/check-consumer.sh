#!/usr/bin/env bash
# A consumer outside the repository: fresh projects in a temporary folder (with a fresh NuGet cache) run
# `dotnet add package ... --source artifacts/feed`, compile the README examples taken from the packed packages
# themselves with warnings as errors, and find the XML docs (IntelliSense) next to the assembly.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
feed="$root/artifacts/feed"
version="$(dotnet msbuild "$root/src/UserMemory/UserMemory.csproj" -getProperty:Version)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export NUGET_PACKAGES="$work/packages"
fail() { echo "check-consumer: FAIL: $*" >&2; exit 1; }

# The first ```csharp block of a package's README.md, as packed.
readme_example() {
  unzip -p "$feed/$1.$version.nupkg" README.md >"$work/$1.README.md"
  awk '/^```csharp/{f=1; next} /^```/{if (f) exit} f' "$work/$1.README.md"
}

consumer() { # name, template, package
  local dir="$work/$1"
  dotnet new "$2" -o "$dir" -n "$1" --framework net10.0 >/dev/null
  rm -f "$dir/Class1.cs" "$dir/Program.cs"
  (cd "$dir" && dotnet add package "$3" --version "$version" --source "$feed" >"$work/$1.add.log" 2>&1) \
    || { cat "$work/$1.add.log"; fail "dotnet add package $3 failed"; }
  grep -q "\"source\": \"$feed" "$NUGET_PACKAGES/$(echo "$3" | tr '[:upper:]' '[:lower:]')/$version/.nupkg.metadata" \
    || fail "$3 was not restored from $feed"
  readme_example "$3" > "$dir/Example.cs"
  [ -s "$dir/Example.cs" ] || fail "$3's README has no csharp example"
  dotnet build "$dir" -c Release -warnaserror --nologo >"$work/$1.build.log" 2>&1 \
    || { cat "$work/$1.build.log"; fail "$3's README example does not compile warning-free"; }
  grep -qE "^ +0 Warning\(s\)" "$work/$1.build.log" || { cat "$work/$1.build.log"; fail "$3's README example has warnings"; }
  echo "check-consumer: $3 $version from the local feed; its README example compiles with no warnings"
}

consumer CoreConsumer classlib UserMemory
docs="$NUGET_PACKAGES/usermemory/$version/lib/net10.0/UserMemory.xml"
[ -f "$docs" ] || fail "no XML docs next to UserMemory.dll"
grep -q 'name="M:UserMemory.UserCopy.CopyOut' "$docs" || fail "UserMemory.xml lacks the docs of UserCopy.CopyOut"
echo "check-consumer: IntelliSense docs present ($(grep -c '<member name=' "$docs") documented members)"

consumer SpaceConsumer console UserMemory.AddressSpace
out="$(dotnet "$work/SpaceConsumer/bin/Release/net10.0/SpaceConsumer.dll")"
[ "$out" = "hello 9 EFAULT" ] || fail "the UserMemory.AddressSpace README example printed '$out'"
echo "check-consumer: the UserMemory.AddressSpace README example runs: $out"
