#!/usr/bin/env bash
# The commands of the README. Each runs the idempotent setup step first (build/setup.sh).
#   ./build.sh demo [args]   load MovieLens-1M from data/ and run the sample
#   ./build.sh test          build everything, run the whole test suite, a one-epoch demo, then every notebook
#   ./build.sh notebooks     only the notebooks (samples/notebooks), against a freshly packed package
#   ./build.sh pack          the NuGet package into artifacts/packages (what the notebooks reference)
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
        # Build everything (samples too, so they never rot), then run the tests, then the notebooks
        # (with one epoch each: build/run-notebooks.sh).
        dotnet build ML.GenerativeRec.sln -c Release
        dotnet test ML.GenerativeRec.sln -c Release --no-build "$@"
        # The README's demo command, short: one epoch per model, through save, reload and titles.
        dotnet run -c Release --no-build --project samples/MovieLens -- --help > /dev/null
        dotnet run -c Release --no-build --project samples/MovieLens -- --epochs 1 --output artifacts/sample-check
        bash build/run-notebooks.sh
        ;;
    notebooks)
        bash build/setup.sh
        bash build/run-notebooks.sh "$@"
        ;;
    pack)
        bash build/setup.sh
        bash build/pack.sh "$@"
        ;;
    *)
        echo "usage: ./build.sh demo [sample options] | test [dotnet test options] | notebooks [notebook.ipynb ...] | pack | setup" >&2
        exit 2
        ;;
esac
