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
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
