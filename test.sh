#!/usr/bin/env bash
# Runs every test of NanoVlm.Web and ends with one line: "N passed, N failed, N skipped".
# Installs what the tests need where it is missing (Debian's chromium for the browser tests).
set -uo pipefail
cd "$(dirname "$0")"

chromium_path="${NANOVLM_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium_path" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests..."
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
      || echo "warning: could not install chromium; the browser tests will fail and say why." >&2
  else
    echo "warning: no Chromium at $chromium_path. Install it (sudo apt-get install chromium) or set NANOVLM_CHROMIUM;" >&2
    echo "         the browser tests will fail until then." >&2
  fi
fi

# The PyTorch engine's tests (src/Distributed) need Debian's PyTorch, NumPy, OpenBLAS and pytest.
python="${NANOVLM_PYTHON:-/usr/bin/python3}"
python_packages="python3-torch python3-numpy libopenblas0-pthread python3-pytest"
if ! "$python" -c "import torch, numpy, pytest" >/dev/null 2>&1 \
  || { command -v dpkg >/dev/null 2>&1 && ! dpkg -s libopenblas0-pthread >/dev/null 2>&1; }; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's $python_packages for the Python tests..."
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $python_packages >/dev/null \
      || echo "warning: could not install $python_packages; the Python tests will fail and say why." >&2
  else
    echo "warning: $python lacks torch, numpy or pytest (or OpenBLAS is missing). Install them (sudo apt-get install $python_packages)" >&2
    echo "         or set NANOVLM_PYTHON; the Python tests will fail until then." >&2
  fi
fi

# The Slurm tests start a single-node cluster of their own (munged, slurmctld, slurmd as root) from Debian's packages.
if [ ! -x /usr/sbin/slurmctld ] || [ ! -x /usr/sbin/munged ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's slurm-wlm and munge for the Slurm tests..."
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null \
      || echo "warning: could not install slurm-wlm and munge; the Slurm tests will fail and say why." >&2
  else
    echo "warning: Slurm is not installed (sudo apt-get install slurm-wlm munge); the Slurm tests will fail until then." >&2
  fi
fi

mkdir -p artifacts
log=artifacts/test-output.log
# Measurements (Category=Measurement, e.g. the five-tab throughput) print figures and take minutes: run them on
# their own with --filter Category=Measurement; they are not tests and are neither run nor counted here.
dotnet test NanoVlm.Web.sln --nologo --filter "Category!=Measurement" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Sum the per-project summaries: "Passed!  - Failed:     0, Passed:    20, Skipped:     0, Total: ..."
read -r passed failed skipped < <(
  grep -E '^(Passed|Failed)! +- Failed:' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' |
    awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}'
)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test exited with $status before reporting a failing test (build error or crashed test host); see $log." >&2
  failed=1
fi

# The Python tests run after the .NET ones: the cross-engine tests call the server that dotnet test built.
python_log=artifacts/python-test-output.log
"$python" -m pytest src/Distributed/tests -q -p no:cacheprovider 2>&1 | tee "$python_log"
python_status=${PIPESTATUS[0]}
python_summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed|skipped|error)' "$python_log" | tail -n 1)
count() { # the number before "$1" in pytest's summary line ("3 failed, 40 passed, 1 skipped, 2 errors in 61.2s"), else 0
  local n
  n=$(echo "$python_summary" | grep -oE "[0-9]+ $1" | grep -oE '[0-9]+' | head -n 1)
  echo "${n:-0}"
}
python_failed=$(( $(count failed) + $(count error) ))
passed=$(( passed + $(count passed) ))
skipped=$(( skipped + $(count skipped) ))
if [ "$python_status" -ne 0 ] && [ "$python_failed" -eq 0 ]; then
  echo "pytest exited with $python_status without reporting a failing test (is $python's pytest installed?); see $python_log." >&2
  python_failed=1
fi
failed=$(( failed + python_failed ))
status=$(( status | python_status ))
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
