#!/usr/bin/env bash
# One idempotent setup step for Microsoft.ML.GenerativeRec (run by ./build.sh before every command).
#   1. the native prerequisite of TorchSharp 0.107: libstdc++ with GLIBCXX_3.4.32 (GCC 13+);
#   2. the .NET local tools (.config/dotnet-tools.json: dotnet-repl for the notebooks);
#   3. the git-ignored data/ folder that the demo and the benchmarks read.
# It installs only what is missing, prints what it did, and exits non-zero with a readable
# message when it cannot do its job. Safe to run any number of times.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say()  { printf 'setup: %s\n' "$*"; }
fail() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# 1. GLIBCXX_3.4.32
# ---------------------------------------------------------------------------------------------
required_glibcxx="GLIBCXX_3.4.32"

find_libstdcxx() {
    if command -v ldconfig >/dev/null 2>&1; then
        ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64|libstdc\+\+\.so\.6 .*AArch64/ {print $NF; exit}'
    fi
}

has_glibcxx() {
    local lib
    lib="$(find_libstdcxx)"
    [ -n "$lib" ] && grep -qa "$required_glibcxx" "$lib"
}

install_trixie_libstdcxx() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || fail "libstdc++ lacks $required_glibcxx and installing it needs root (no sudo found).
       Run as root: build/setup.sh, or install libstdc++6 (>= 13) from Debian 13 'trixie' yourself."
        sudo="sudo"
    fi
    local sources=/etc/apt/sources.list.d/genrec-trixie.sources
    local pin=/etc/apt/preferences.d/genrec-trixie-low-priority
    if [ ! -f "$sources" ]; then
        say "adding Debian trixie as a low-priority apt source ($sources)"
        printf '%s\n' \
            'Types: deb' \
            'URIs: http://deb.debian.org/debian' \
            'Suites: trixie' \
            'Components: main' \
            'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' | $sudo tee "$sources" >/dev/null
    fi
    if [ ! -f "$pin" ]; then
        # Priority 100 < 500 (bookworm): nothing comes from trixie unless asked for with -t trixie.
        printf '%s\n' 'Package: *' 'Pin: release n=trixie' 'Pin-Priority: 100' | $sudo tee "$pin" >/dev/null
    fi
    say "installing libstdc++6 from trixie (takes about 30 s; it also upgrades libc6)"
    $sudo apt-get update -qq || fail "apt-get update failed; check the network or the apt sources."
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -t trixie libstdc++6 >/dev/null \
        || fail "apt-get install -t trixie libstdc++6 failed."
}

if has_glibcxx; then
    say "libstdc++ already provides $required_glibcxx: nothing to install"
else
    case "$(uname -s)" in
        Linux)
            if [ -r /etc/os-release ] && grep -q '^ID=debian' /etc/os-release; then
                install_trixie_libstdcxx
                has_glibcxx || fail "libstdc++ still lacks $required_glibcxx after the install."
                say "libstdc++ now provides $required_glibcxx"
            else
                fail "libstdc++ lacks $required_glibcxx, which TorchSharp 0.107 needs (GCC 13 or newer).
       Install a newer libstdc++6 with your distribution's package manager (Ubuntu 24.04+ already has it)."
            fi
            ;;
        *) say "not Linux: no native prerequisite to check" ;;
    esac
fi

# Fonts for the text in the notebooks' plots (ScottPlot draws with SkiaSharp, which finds fonts through fontconfig).
# Missing fonts break no build or test, so this only warns when it cannot install them.
if [ "$(uname -s)" = Linux ] && ! { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list 2>/dev/null | head -n 1)" ]; }; then
    if [ -r /etc/os-release ] && grep -q '^ID=debian' /etc/os-release && { [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1; }; then
        say "installing fontconfig and fonts-dejavu-core for the notebooks' plots"
        sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
        { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq fontconfig fonts-dejavu-core >/dev/null; } \
            || say "WARNING: could not install fonts; the notebooks' plots will have no text."
    else
        say "WARNING: no fonts found (fc-list); the notebooks' plots will have no text. Install fontconfig and a font package."
    fi
fi

# ---------------------------------------------------------------------------------------------
# 2. .NET local tools
# ---------------------------------------------------------------------------------------------
command -v dotnet >/dev/null 2>&1 || fail "the .NET SDK is not on PATH; install the .NET 10 SDK first."
if (cd "$repo" && dotnet tool restore >/dev/null); then
    say "restored .NET local tools ($(cd "$repo" && dotnet tool list --local | awk 'NR>2 {printf "%s %s ", $1, $2}'))"
else
    fail "'dotnet tool restore' failed (see .config/dotnet-tools.json); is the NuGet feed reachable?"
fi

# ---------------------------------------------------------------------------------------------
# 3. data/
# ---------------------------------------------------------------------------------------------
data="$repo/data/ml-1m"
shared="$repo/../shared/data/ml-1m"
mkdir -p "$data"
have_data() { [ -f "$data/movies.dat" ] && { [ -f "$data/ratings.dat" ] || [ -f "$data/sequences.all-users.txt.gz" ]; }; }

if have_data; then
    say "data/ml-1m already holds MovieLens-1M: nothing to copy"
elif [ -d "$shared" ]; then
    copied=0
    for f in "$shared"/*; do
        name="$(basename "$f")"
        if [ ! -f "$data/$name" ]; then cp "$f" "$data/$name"; chmod u+w "$data/$name"; copied=$((copied + 1)); fi
    done
    say "copied $copied MovieLens-1M file(s) from ../shared/data/ml-1m into data/ml-1m"
else
    url="https://files.grouplens.org/datasets/movielens/ml-1m.zip"
    # Published size and MD5 of the archive (GroupLens, ml-1m.zip.md5).
    expected_md5="c4d9eecfca2ab87c1945afe126590906"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    if command -v curl >/dev/null 2>&1 && curl -fsSL --max-time 120 -o "$tmp/ml-1m.zip" "$url" 2>/dev/null; then
        actual_md5="$(md5sum "$tmp/ml-1m.zip" | cut -d' ' -f1)"
        [ "$actual_md5" = "$expected_md5" ] || fail "downloaded $url but its MD5 is $actual_md5, expected $expected_md5."
        command -v unzip >/dev/null 2>&1 || fail "unzip is needed to unpack $url (apt-get install unzip)."
        unzip -q -j -o "$tmp/ml-1m.zip" 'ml-1m/*.dat' -d "$data"
        say "downloaded MovieLens-1M from GroupLens into data/ml-1m"
    else
        fail "no MovieLens-1M data found and it could not be downloaded.
       Put the MovieLens-1M files into $data : either ratings.dat and movies.dat from
       $url (unzipped), or sequences.all-users.txt.gz and movies.dat. Then run this again."
    fi
fi
say "done"
