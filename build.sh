#!/usr/bin/env bash
# The two commands of the README. Each runs the idempotent setup step first (build/setup.sh).
#   ./build.sh demo [args]   load MovieLens-1M from data/ and run the sample
#   ./build.sh test          build everything and run the whole test suite
#   ./build.sh setup         only the setup step
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
    setup)
        bash build/setup.sh
        ;;
    demo)
        bash build/setup.sh
        dotnet run -c Release --project samples/MovieLens -- "$@"
        ;;
    test)
        bash build/setup.sh
        # Build everything (samples too, so they never rot), then run the tests.
        dotnet build ML.GenerativeRec.sln -c Release
        dotnet test ML.GenerativeRec.sln -c Release --no-build "$@"
        ;;
    *)
        echo "usage: ./build.sh demo [sample options] | test [dotnet test options] | setup" >&2
        exit 2
        ;;
esac
