#!/usr/bin/env bash
# Runs third-party test suites natively and with every program under usermem-run, and prints the comparison:
#   busybox  - busybox's own testsuite/runtest (every applet that has tests)
#   ash      - busybox's shell/ash_test (run-all), the shell being busybox ash
#   mksh     - mksh's check.t through check.pl, the shell being /usr/bin/mksh
# A test counts as divergent when it passes natively and fails (or times out) under the runner.
#
# Not part of CI: it needs network for the sources (apt-get source, Debian's deb-src) and takes a long time.
#
# Usage: scripts/third-party-suites.sh [--cpu unicorn|kvm] [--runner PATH] [--dir DIR] [--mode native|runner|both]
#                                      [--applets "a b c"] [suite...]
#   --dir      where sources, working copies and results go (default /work/suites, or $USERMEM_SUITES_DIR);
#              keep it outside the repository
#   --runner   the usermem-run to test (default: this repository's runner, published with NativeAOT under --dir, so
#              rebuilding the repository while the suites run does not change it).
#   --applets  busybox applets to run runtest for (default: every applet with tests)
#   suite      busybox, ash, mksh (default: all three)
# Results: DIR/results/<suite>.<mode>.txt (one "PASS name"/"FAIL name" line per test) and the printed comparison.
# Requirements: busybox-static (the busybox under test is /bin/busybox), mksh, perl, gcc (static wrappers), dpkg-dev.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cpu=unicorn
runner=
dir=${USERMEM_SUITES_DIR:-/work/suites}
modes="native runner"
applets=
suites=()
# Per-unit time limits (seconds): one busybox applet's tests, one ash test script, one mksh test.
applet_limit=900
ash_limit=120
mksh_limit=180

while [ $# -gt 0 ]; do
    case "$1" in
        --cpu) cpu=$2; shift 2 ;;
        --runner) runner=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        --mode) [ "$2" = both ] && modes="native runner" || modes=$2; shift 2 ;;
        --applets) applets=$2; shift 2 ;;
        busybox|ash|mksh) suites+=("$1"); shift ;;
        *) echo "usage: $0 [--cpu unicorn|kvm] [--runner PATH] [--dir DIR] [--mode native|runner|both] [--applets LIST] [busybox|ash|mksh...]" >&2; exit 2 ;;
    esac
done
[ ${#suites[@]} -gt 0 ] || suites=(busybox ash mksh)
mkdir -p "$dir/results"
dir=$(cd "$dir" && pwd)

# ---- sources -------------------------------------------------------------------------------------------------------
fetch_sources() {
    local need=()
    compgen -G "$dir/busybox-*/testsuite/runtest" >/dev/null || need+=(busybox)
    compgen -G "$dir/mksh-*/check.t" >/dev/null || need+=(mksh)
    [ ${#need[@]} -gt 0 ] || return 0
    if ! apt-get source --print-uris busybox >/dev/null 2>&1; then
        # Debian: add the source lines matching the configured binary suites.
        local list=/etc/apt/sources.list.d/usermem-suites-src.sources
        if [ -w /etc/apt/sources.list.d ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
            sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$list"
            apt-get update -qq
        fi
    fi
    (cd "$dir" && apt-get source "${need[@]}")
}
fetch_sources
bbsrc=$(ls -d "$dir"/busybox-*/ | head -1); bbsrc=${bbsrc%/}
mksrc=$(ls -d "$dir"/mksh-*/ | head -1); mksrc=${mksrc%/}

# ---- the runner and the wrappers -----------------------------------------------------------------------------------
if [ -z "$runner" ]; then
    # NativeAOT, as scripts/run.sh builds it: the framework-dependent build spends 0.3-0.4 s starting the JIT in every
    # program the suites start, which alone fails their timing-sensitive tests (ash last_amp, mksh heredoc-tmpfile-*).
    rm -rf "$dir/runner-$$"
    if ! dotnet publish "$repo/src/UserMemory.Runner" -c Release -r linux-x64 -o "$dir/runner-$$" >"$dir/publish.log" 2>&1; then
        echo "NativeAOT publish failed (see $dir/publish.log); using the framework-dependent build" >&2
        dotnet publish "$repo/src/UserMemory.Runner" -c Release -r linux-x64 -p:PublishAot=false --self-contained false \
            -o "$dir/runner-$$" >>"$dir/publish.log" 2>&1
    fi
    runner="$dir/runner-$$/usermem-run"
fi
rt="$dir/rt-$cpu-$$"
trap 'rm -rf "$rt" "$dir/runner-$$"' EXIT
rm -rf "$rt"; mkdir -p "$rt/bin"
declare -A target=([busybox]=/bin/busybox [mksh]=/usr/bin/mksh)
for name in "${!target[@]}"; do
    gcc -static -O2 -DRUNNER="\"$runner\"" -DCPU="\"$cpu\"" -DTARGET="\"${target[$name]}\"" \
        -o "$rt/$name-wrapper" "$repo/scripts/third-party-suites/guest-wrapper.c"
    ln -s "../$name-wrapper" "$rt/bin/$name"
done

# The program a suite runs: natively the real one, under the runner the wrapper of the same name.
program() { # mode name
    if [ "$1" = native ]; then readlink -f "${target[$2]}"; else echo "$rt/bin/$2"; fi
}

# busybox-static's configuration (the runtest and ash tests read it to skip what is not built).
bbconfig() {
    local c
    for c in "$bbsrc/debian/config/pkg/static" "$bbsrc/.config"; do [ -f "$c" ] && { echo "$c"; return; }; done
    echo "no busybox .config found" >&2; exit 1
}

# ---- busybox runtest -----------------------------------------------------------------------------------------------
run_busybox() { # mode
    local mode=$1 work="$dir/work-$cpu/$1/busybox" a
    rm -rf "$work"; mkdir -p "$work/bin"
    cp -a "$bbsrc/testsuite" "$work/testsuite"
    mkdir -p "$work/scripts"; cp "$bbsrc/scripts/echo.c" "$work/scripts/"   # testing.sh builds ../scripts/echo.c
    cp "$(bbconfig)" "$work/bin/.config"
    ln -s "$(program "$mode" busybox)" "$work/bin/busybox"
    local list=$applets
    if [ -z "$list" ]; then
        for a in $(/bin/busybox --list); do
            { [ -d "$work/testsuite/$a" ] || [ -f "$work/testsuite/$a.tests" ]; } && list="$list $a"
        done
    fi
    : > "$dir/results/busybox.$mode.txt"
    for a in $list; do
        (cd "$work/testsuite" && bindir="$work/bin" tsdir="$work/testsuite" \
            timeout -k 10 $applet_limit ./runtest "$a" </dev/null 2>&1 || echo "TIMEOUT-OR-FAIL: applet $a rc=$?") |
            tee "$work/$a.log" | sed -n "s/^\(PASS\|FAIL\): /\1 $a: /p" >> "$dir/results/busybox.$mode.txt"
    done
}

# ---- ash tests -----------------------------------------------------------------------------------------------------
run_ash() { # mode
    local mode=$1 work="$dir/work-$cpu/$1/ash_test" prefix=
    rm -rf "$work"; mkdir -p "${work%/*}"; cp -a "$bbsrc/shell/ash_test" "$work"
    cp "$(bbconfig)" "$work/.config"
    ln -s /bin/busybox "$work/ash"
    (cd "$work" && for p in printenv recho zecho; do gcc -O2 -static -o $p $p.c; done)
    # run-all starts each test script with $THIS_SH (the ./ash link); under the runner that start goes through
    # usermem-run, and everything the script runs from there on (THIS_SH included) runs inside the guest, by the same
    # paths as natively. Every test script gets a time limit, so a hang costs one test and not the run.
    [ "$mode" = native ] || prefix="$runner --cpu $cpu "
    sed -i -e "s|^\t\t\tsh \"\$x\" >|\t\t\ttimeout -k 5 $ash_limit ${prefix}/bin/sh \"\$x\" >|" \
        -e "s|^\t\t\t\"\$THIS_SH\" \"./\$x\" 2>&1|\t\t\ttimeout -k 5 $ash_limit ${prefix}\"\$THIS_SH\" \"./\$x\" 2>\&1|" \
        "$work/run-all"
    grep -q "timeout -k 5 $ash_limit ${prefix}\"\$THIS_SH\"" "$work/run-all" || { echo "run-all: patch failed" >&2; exit 1; }
    (cd "$work" && ./run-all </dev/null 2>&1) | tee "$work/run-all.log" |
        sed -n -e 's/^\(ash-[^:]*\): ok$/PASS \1/p' -e 's/^\(ash-[^:]*\):.*$/FAIL \1/p' > "$dir/results/ash.$mode.txt" || true
}

# ---- mksh check.t --------------------------------------------------------------------------------------------------
run_mksh() { # mode
    local mode=$1 work="$dir/work-$cpu/$1/mksh" cats
    rm -rf "$work"; mkdir -p "$work/tmp"
    cats=$(sed -n 's/^cat=//p' /usr/share/doc/mksh/testdata.full 2>/dev/null ||
           echo "fastbox,shell:legacy-no,int:32,shell:textmode-no,shell:binmode-yes,stdout-ed,no-stderr-ed")
    (cd "$mksrc" && perl check.pl -s check.t -p "$(program "$mode" mksh)" -T "$work/tmp" -t $mksh_limit \
        -C "$cats,regress:no-ctty" </dev/null 2>&1) | tee "$work/check.log" |
        sed -n -e 's/^pass \(.*\)$/PASS \1/p' -e 's/^FAIL \([^ ]*\).*$/FAIL \1/p' > "$dir/results/mksh.$mode.txt" || true
}

# ---- comparison ----------------------------------------------------------------------------------------------------
compare() { # suite
    local n="$dir/results/$1.native.txt" r="$dir/results/$1.runner.txt"
    [ -f "$n" ] && [ -f "$r" ] || return 0
    local np rp div
    np=$(grep -c '^PASS ' "$n" || true)
    rp=$(grep -c '^PASS ' "$r" || true)
    div=$(comm -23 <(sed -n 's/^PASS //p' "$n" | sort -u) <(sed -n 's/^PASS //p' "$r" | sort -u))
    echo "== $1: native $np passed of $(wc -l < "$n"); runner ($cpu) $rp passed of $(wc -l < "$r");" \
         "passing natively but not under the runner: $(printf '%s' "$div" | grep -c . || true)"
    [ -z "$div" ] || printf '%s\n' "$div" | sed 's/^/   /'
}

for s in "${suites[@]}"; do
    for m in $modes; do
        echo "running $s ($m)..." >&2
        "run_$s" "$m"
    done
done
for s in "${suites[@]}"; do compare "$s"; done
