#!/usr/bin/env bash
# A resumable queue of quality runs (issue #19), in parallel lanes, at the lowest CPU priority, in the background.
#
#   build/quality-runs.sh publish            build the benchmarks into artifacts/quality-bin (clean checkout only; records the commit)
#   build/quality-runs.sh start [--lanes N] [queue]
#                                            start the queue in the background (default queue: build/quality-queue.txt) in N
#                                            lanes of one run each, every run on (cores / N) torch threads (default N: the
#                                            number of cores; two 1-thread runs train 1.5x the tokens/s of one 2-thread run)
#   build/quality-runs.sh status             the runner's PID, each lane's current run and its last epoch, what is done and pending
#   build/quality-runs.sh collect [--commit] copy the newest checkpoint of every unfinished run into
#                                            docs/benchmarks/runs-in-progress/ (tracked), drop those of finished runs;
#                                            --commit also commits the result files and that folder
#   build/quality-runs.sh stop               stop the runner and its current runs (each resumes from its last checkpoint)
#
# Queue lines: "quality <config> <seed>" or "batching-speed <file name> [<rounds>]"; '#' starts a comment. Each lane takes
# the next line no lane has claimed. A quality run is skipped when docs/benchmarks/quality-<config>-seed<seed>.json
# exists; a run that was interrupted resumes from its newest checkpoint in artifacts/benchmarks/<config>-seed<seed>/, or,
# in a fresh checkout, from docs/benchmarks/runs-in-progress/. The runner copies each current run's newest checkpoint
# there every 10 minutes, so a commit of that folder (collect --commit) is all a session has to do before it ends.
# A batching-speed line times epochs: start such a queue with --lanes 1, or the other lanes share its cores.
# Logs: artifacts/quality-runs/.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$repo/artifacts/quality-bin"
logs="$repo/artifacts/quality-runs"
results="$repo/docs/benchmarks"
carried="$results/runs-in-progress"
checkpoints="$repo/artifacts/benchmarks"
pidfile="$logs/runner.pid"
claims="$logs/claims"                 # one folder per queue line a lane has taken
say() { printf 'quality-runs: %s\n' "$*"; }
fail() { printf 'quality-runs: ERROR: %s\n' "$*" >&2; exit 1; }

running_pid() {
    [ -f "$pidfile" ] || return 1
    local pid; pid="$(cat "$pidfile")"
    kill -0 "$pid" 2>/dev/null && printf '%s\n' "$pid"
}

# Newest checkpoint file of a folder (names are checkpoint-NNNN.bin, NNNN = epochs completed).
newest() { ls "$1"/checkpoint-*.bin 2>/dev/null | sort | tail -n 1; }

# Copies the newest checkpoint of run $1 (config-seedN) into the tracked folder, replacing an older one there.
carry() {
    local run="$1" source; source="$(newest "$checkpoints/$run")" || true
    [ -n "$source" ] || return 0
    local target="$carried/$run" name; name="$(basename "$source")"
    [ -f "$target/$name" ] && return 0
    mkdir -p "$target"
    cp "$source" "$target/$name.tmp" && mv "$target/$name.tmp" "$target/$name"
    find "$target" -name 'checkpoint-*.bin' ! -name "$name" -delete
}

# Before run $1 starts: a carried checkpoint newer than the local ones goes back where the trainer looks for it.
restore() {
    local run="$1" theirs ours
    theirs="$(newest "$carried/$run")" || true
    [ -n "$theirs" ] || return 0
    ours="$(newest "$checkpoints/$run")" || true
    if [ -z "$ours" ] || [[ "$(basename "$theirs")" > "$(basename "$ours")" ]]; then
        mkdir -p "$checkpoints/$run"
        cp "$theirs" "$checkpoints/$run/"
        say "restored $(basename "$theirs") of $run from docs/benchmarks/runs-in-progress"
    fi
}

publish() {
    cd "$repo"
    if [ -n "$(git status --porcelain --untracked-files=no -- . ':!docs')" ]; then
        fail "the checkout has uncommitted changes outside docs/; commit them first, so the result files can name the commit they ran."
    fi
    if pid="$(running_pid)"; then fail "the runner ($pid) is using artifacts/quality-bin; stop it first."; fi
    [ -f data/ml-1m/sequences.all-users.txt.gz ] || fail "data/ml-1m is missing; run build/setup.sh first."
    local commit; commit="$(git rev-parse HEAD)"
    rm -rf "$bin"
    dotnet build test/Microsoft.ML.GenerativeRec.Benchmarks -c Release -o "$bin" -nologo -v quiet
    printf '%s\n' "$commit" > "$bin/COMMIT"
    say "published commit $commit into artifacts/quality-bin"
}

# The foreground loop (start runs it under nohup/setsid/nice): the lanes, and the carrier of their checkpoints.
run_queue() {
    local queue="$1" lanes="$2"
    [ -f "$bin/COMMIT" ] || fail "no published benchmarks; run build/quality-runs.sh publish first."
    export GENREC_BENCHMARK_COMMIT; GENREC_BENCHMARK_COMMIT="$(cat "$bin/COMMIT")"
    local cores; cores="$(nproc)"
    # libtorch reads OMP_NUM_THREADS when it starts; a lane's share of the cores, at least one thread.
    export OMP_NUM_THREADS=$(( cores / lanes > 0 ? cores / lanes : 1 ))
    say "$(date -u +%FT%TZ) runner $$ started: queue $queue, $lanes lane(s) of $OMP_NUM_THREADS thread(s), binary of commit $GENREC_BENCHMARK_COMMIT"
    rm -rf "$claims" "$logs"/current.*; mkdir -p "$claims"
    # Every 10 minutes, each current run's newest checkpoint goes into the tracked folder.
    ( while sleep 600; do for current in "$logs"/current.*; do [ -f "$current" ] && carry "$(cat "$current")" || true; done; done ) &
    local carrier=$! lane workers=()
    for lane in $(seq 1 "$lanes"); do run_lane "$queue" "$lane" & workers+=("$!"); done
    trap 'kill "$carrier" "${workers[@]}" 2>/dev/null || true; rm -f "$logs"/current.*' EXIT
    wait "${workers[@]}"
    say "$(date -u +%FT%TZ) queue finished"
}

# Lane $2 of queue $1: each line no other lane has claimed (mkdir is atomic), one after another.
run_lane() {
    local queue="$1" lane="$2" current="$logs/current.$2"
    while read -r kind config seed _; do
        case "$kind" in ''|'#'*) continue ;; esac
        if [ "$kind" = batching-speed ]; then
            # batching-speed <file name> [<rounds>]: skipped when docs/benchmarks/<file name>.json exists.
            local name="${config:-batching-speed}" rounds="${seed:-2}"
            if [ -f "$results/$name.json" ]; then continue; fi
            mkdir "$claims/$name" 2>/dev/null || continue
            say "$(date -u +%FT%TZ) lane $lane: start $name"
            if (cd "$repo" && dotnet "$bin/Microsoft.ML.GenerativeRec.Benchmarks.dll" batching-speed --name "$name" --rounds "$rounds" < /dev/null) > "$logs/$name.log" 2>&1; then
                say "$(date -u +%FT%TZ) lane $lane: done  $name"
            else
                say "$(date -u +%FT%TZ) lane $lane: FAILED $name (exit $?; see $logs/$name.log)"
            fi
            continue
        fi
        [ "$kind" = quality ] || { say "unknown queue line: $kind $config $seed"; continue; }
        local run="$config-seed$seed"
        if [ -f "$results/quality-$run.json" ]; then continue; fi
        mkdir "$claims/$run" 2>/dev/null || continue
        restore "$run"
        printf '%s\n' "$run" > "$current"
        say "$(date -u +%FT%TZ) lane $lane: start $run (log artifacts/quality-runs/$run.log)"
        if (cd "$repo" && dotnet "$bin/Microsoft.ML.GenerativeRec.Benchmarks.dll" quality "$config" --seed "$seed" --no-table < /dev/null) >> "$logs/$run.log" 2>&1; then
            rm -rf "${carried:?}/$run"
            say "$(date -u +%FT%TZ) lane $lane: done  $run: test $(grep -oE '@10 +HR [0-9.]+' "$logs/$run.log" | tail -n 1 | sed -E 's/@10 +HR/HR@10/' || true)"
        else
            local code=$?
            carry "$run" || true
            say "$(date -u +%FT%TZ) lane $lane: FAILED $run (exit $code; see its log); going on with the next run"
        fi
        rm -f "$current"
    done < "$queue"
}

start() {
    local lanes; lanes="$(nproc)"
    if [ "${1:-}" = --lanes ]; then
        lanes="${2:-}"; shift 2 || true
        [[ "$lanes" =~ ^[1-9][0-9]*$ ]] || fail "--lanes takes a positive whole number of lanes."
    fi
    local queue="${1:-$repo/build/quality-queue.txt}"
    queue="$(cd "$(dirname "$queue")" && pwd)/$(basename "$queue")"
    [ -f "$queue" ] || fail "no queue file $queue"
    if pid="$(running_pid)"; then fail "the runner is already running (PID $pid)."; fi
    [ -f "$bin/COMMIT" ] || fail "no published benchmarks; run build/quality-runs.sh publish first."
    mkdir -p "$logs"
    # Its own session and process group (stop ends the group), lowest priority, immune to the terminal's hang-up.
    setsid nohup nice -n 19 bash "$repo/build/quality-runs.sh" run-queue "$queue" "$lanes" >> "$logs/runner.log" 2>&1 < /dev/null &
    printf '%s\n' "$!" > "$pidfile"
    # setsid gives the runner an autogroup of its own, and Linux shares the CPU between autogroups before it looks at
    # nice: without this the niced queue took a full core from the test suite (a learning test timed out, 2026-12-03).
    # Wait until setsid has made the new session: written earlier, the 19 lands on the caller's autogroup instead (seen
    # 2026-12-04: the caller's builds crawled while the runner kept both cores).
    local runner="$!" tries=0
    session_of() { ps -o sid= -p "$1" 2>/dev/null | tr -d ' '; }
    while [ "$(session_of "$runner")" != "$runner" ] && [ "$tries" -lt 50 ]; do sleep 0.1; tries=$((tries + 1)); done
    if [ "$(session_of "$runner")" != "$runner" ] || ! echo 19 > "/proc/$runner/autogroup" 2>/dev/null; then
        say "could not lower the runner's autogroup; it competes with other sessions"
    fi
    say "started runner PID $runner, $lanes lane(s) (log artifacts/quality-runs/runner.log)"
}

status() {
    if pid="$(running_pid)"; then say "runner PID $pid is running"; else say "the runner is not running"; fi
    local current run
    for current in "$logs"/current.*; do
        [ -f "$current" ] || continue
        run="$(cat "$current")"
        say "lane ${current##*.}: $run; last epoch: $(grep -E '^ +[0-9:]{8} ' "$logs/$run.log" | tail -n 1 | sed 's/; heap.*//' || true)"
    done
    local queue="${1:-$repo/build/quality-queue.txt}" done=0 pending=()
    while read -r kind config seed _; do
        [ "$kind" = quality ] || continue
        if [ -f "$results/quality-$config-seed$seed.json" ]; then done=$((done + 1)); else pending+=("$config-seed$seed"); fi
    done < "$queue"
    say "$done done, ${#pending[@]} pending: ${pending[*]:-}"
}

collect() {
    mkdir -p "$carried"
    local folder run
    for folder in "$checkpoints"/*-seed*/; do
        [ -d "$folder" ] || continue
        run="$(basename "$folder")"
        case "$run" in *-epochs*) continue ;; esac                  # shortened (smoke) runs
        if [ -f "$results/quality-$run.json" ]; then rm -rf "${carried:?}/$run"; else carry "$run"; fi
    done
    for folder in "$carried"/*/; do
        [ -d "$folder" ] || continue
        run="$(basename "$folder")"
        [ -f "$results/quality-$run.json" ] && rm -rf "${carried:?}/$run"
    done
    du -sh "$carried" 2>/dev/null | sed 's/^/quality-runs: runs in progress: /' || true
    if [ "${1:-}" = --commit ]; then
        cd "$repo"
        git add -A docs/benchmarks/runs-in-progress docs/benchmarks/quality-*.json docs/benchmarks/batching-speed*.json
        git commit -m "Quality runs: result files and the newest checkpoint of each unfinished run ($(date -u +%FT%TZ))" -- docs/benchmarks \
            || say "nothing to commit"
    else
        say "to keep them: git add -A docs/benchmarks && git commit (or: build/quality-runs.sh collect --commit)"
    fi
}

stop() {
    if pid="$(running_pid)"; then
        # CONT as well: a paused group (kill -STOP) would hold the TERM until it ran again.
        kill -- "-$pid" && { kill -CONT -- "-$pid" 2>/dev/null || true; }
        say "stopped the runner's process group $pid; its current runs resume from their last checkpoints"
        rm -rf "$pidfile" "$logs"/current.* "$claims"
    else
        say "the runner is not running"
    fi
}

case "${1:-}" in
    publish) publish ;;
    start) shift; start "$@" ;;
    run-queue) shift; run_queue "$1" "${2:-1}" ;;
    status) shift; status "$@" ;;
    collect) shift; collect "$@" ;;
    stop) stop ;;
    *) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
