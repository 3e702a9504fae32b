# Smoke runs on the newer Pythons, sourced by .ci/run inside its 3.11 virtual environment.
# smoke_start: for each of 3.12 and 3.13, in the background, a fresh virtual environment with
# the package and the current releases of its dependencies (uv; Brian2 2.10 and 2.11 where
# 3.11 has 2.9), then `neuro-kv run paired-recall --seeds 1-4 --workers 2` on cpp_standalone.
# smoke_check: the same command on 3.11 (tests/test_cli.py builds it, so it compiles nothing
# after the suite), then a check that every seed's spikes and metrics on 3.12 and 3.13 equal
# 3.11's.
SMOKE_COMMAND=(run paired-recall --seeds 1-4 --workers 2)
SMOKE_PYTHONS=(3.12 3.13)

smoke_interpreter() {  # a Python of this minor version: pyenv's if there is one, else uv's
  local root version
  root=$(pyenv root 2>/dev/null || true)
  version=$(pyenv latest "$1" 2>/dev/null || true)
  if [[ -n "$root" && -n "$version" && -x "$root/versions/$version/bin/python$1" ]]; then
    echo "$root/versions/$version/bin/python$1"
  else
    echo "$1"
  fi
}

smoke_on() {  # smoke_on MINOR: install and run on that Python; output in $SMOKE/MINOR.log
  uv venv -q -p "$(smoke_interpreter "$1")" "$SMOKE/venv-$1" &&
    VIRTUAL_ENV="$SMOKE/venv-$1" uv pip install -q . &&
    "$SMOKE/venv-$1/bin/neuro-kv" "${SMOKE_COMMAND[@]}" --quiet --out "$SMOKE/$1"
}

smoke_start() {
  SMOKE=$(mktemp -d)
  # on exit, a smoke run still going (the suite failed) is stopped and its files removed
  trap '{ jobs -p | xargs -r kill; } 2>/dev/null || true; rm -rf "$SMOKE"' EXIT
  SMOKE_PIDS=()
  for minor in "${SMOKE_PYTHONS[@]}"; do
    smoke_on "$minor" >"$SMOKE/$minor.log" 2>&1 &
    SMOKE_PIDS+=($!)
  done
}

smoke_check() {
  neuro-kv "${SMOKE_COMMAND[@]}" --quiet --out "$SMOKE/3.11" >"$SMOKE/3.11.log" 2>&1 ||
    { cat "$SMOKE/3.11.log"; return 1; }
  local i minor
  for i in "${!SMOKE_PYTHONS[@]}"; do
    minor=${SMOKE_PYTHONS[$i]}
    wait "${SMOKE_PIDS[$i]}" || { echo "Python $minor:"; cat "$SMOKE/$minor.log"; return 1; }
    "$SMOKE/venv-$minor/bin/python" -c 'import sys, brian2, numpy; print(f"Python '\
'{sys.version.split()[0]} (Brian2 {brian2.__version__}, numpy {numpy.__version__}):", end=" ")'
    python .ci/same_spikes.py "$SMOKE/3.11" "$SMOKE/$minor"
  done
}
