# Sourced by run-gpu.sh: the time budget, the rows of $OUT/summary.md and $OUT/results.json, and the
# logs tarball. Everything a stage leaves behind goes under $work (outside $OUT); $OUT only ever holds
#   summary.md     the table, one row appended the moment each stage ends (a killed run keeps its rows)
#   results.json   the same rows as JSON, rewritten after each row
#   logs.tar.gz    every stage's log (each cut to its last 2 MiB), rewritten after each row; < 16 MiB
# Needs: out, work, logs, start_seconds, budget_seconds.

# Seconds left of the whole call's budget.
left() { echo $(( budget_seconds - (SECONDS - start_seconds) )); }

# The timeout for a stage that wants $1 seconds: its own limit, cut to what the budget has left
# (keeping 20 s to write the files). Prints 0 when too little is left to start it.
limit_for() {
  local want=$1 remaining=$(( $(left) - 20 ))
  (( remaining < 15 )) && { echo 0; return; }
  (( want < remaining )) && echo "$want" || echo "$remaining"
}

json_escape() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\t'/ }; printf '%s' "${s//$'\n'/ }"; }

# row STAGE STATUS DETAIL [SECONDS]: appends to summary.md and rewrites results.json and the tarball.
# STATUS: ok | FAIL | TIMEOUT | no GPU | skipped | none
row() {
  local stage=$1 status=$2 detail=$3 seconds=${4:-}
  printf '| %s | %s | %s | %s |\n' "$stage" "$status" "$detail" "$seconds" >>"$out/summary.md"
  printf '%s\t%s\t%s\t%s\n' "$stage" "$status" "$detail" "$seconds" >>"$work/rows.tsv"
  case $status in FAIL|TIMEOUT) failed=1 ;; esac
  write_results
  pack_logs
}

write_results() {
  local first=1 stage status detail seconds
  {
    printf '{"date": "%s", "gpu": "%s", "precision_default": "fp32", "rows": [' "$(date -u +%FT%TZ)" "$(json_escape "${gpu:-none}")"
    while IFS=$'\t' read -r stage status detail seconds; do
      (( first )) || printf ', '
      first=0
      printf '{"stage": "%s", "status": "%s", "detail": "%s", "seconds": "%s"}' \
        "$(json_escape "$stage")" "$(json_escape "$status")" "$(json_escape "$detail")" "$seconds"
    done <"$work/rows.tsv"
    printf ']}\n'
  } >"$out/results.json.tmp" && mv "$out/results.json.tmp" "$out/results.json"
}

pack_logs() {
  local cut="$work/logs-cut"
  rm -rf "$cut" && mkdir -p "$cut"
  for file in "$logs"/*; do [ -f "$file" ] && tail -c 2097152 "$file" >"$cut/$(basename "$file")"; done
  tar -C "$cut" -czf "$out/logs.tar.gz.tmp" . && mv "$out/logs.tar.gz.tmp" "$out/logs.tar.gz"
}

# The first op the native library named in an error (its messages start "bn_<op>: "), if any.
first_failing_op() { grep -ohE 'bn_[a-z_0-9]+: ' "$@" 2>/dev/null | head -1 | tr -d ': '; }

# run_tests STAGE WANT_SECONDS FILTER [VAR=VALUE...]: the NUnit runner on the prebuilt test assembly.
# ok only when every matching test ran and passed (Inconclusive fails where a GPU is present).
run_tests() {
  local stage=$1 want=$2 filter=$3; shift 3
  local limit; limit=$(limit_for "$want")
  (( limit == 0 )) && { row "$stage" skipped "time budget spent"; return; }
  local log="$logs/${stage//[ \/]/-}.log" began=$SECONDS
  (cd "$prebuilt/tests" && timeout -k 10 "$limit" env "$@" "$dotnet" BertNative.Tests.dll --filter "$filter") >"$log" 2>&1
  local status=$? took=$(( SECONDS - began ))
  count() { awk -v key="$1" '$1 == key":" {print $2}' "$log" | tail -1; }
  local total passed failures skipped
  total=$(count total) passed=$(count succeeded) failures=$(count failed) skipped=$(count skipped)
  local summary="total ${total:-?}, passed ${passed:-?}, failed ${failures:-?}, inconclusive ${skipped:-?}"
  if (( status == 124 || status == 137 )); then row "$stage" TIMEOUT "killed after ${limit}s; $summary" "$took"
  elif [ "${total:-}" = 0 ]; then row "$stage" none "no tests match the filter" "$took"
  elif (( status == 0 )) && [ "${skipped:-}" = 0 ]; then row "$stage" ok "$summary" "$took"
  elif (( ! have_gpu )); then row "$stage" "no GPU" "$summary" "$took"
  else
    local first_test op
    first_test=$(grep -m1 -E '^ *failed ' "$log" | sed -E 's/^ *failed //; s/ \(.*//')
    op=$(first_failing_op "$log")
    row "$stage" FAIL "$summary (exit $status)${first_test:+; first failed: $first_test}${op:+; first failing op: $op}" "$took"
  fi
}
