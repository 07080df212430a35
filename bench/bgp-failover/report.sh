# shellcheck shell=bash
# Results of run.sh as Markdown: printed after the run, and with --write-docs written into
# docs/benchmarks.md, section "BGP failover (BFD)". Sourced by run.sh; reads RESULTS, a TSV of
#   router interval_ms rep outage_ms fib_ms victim victim_flows status bfd_down_ms reaction_ms
# (fib_ms and bfd_down_ms counted from the cut as timed by the harness; reaction_ms = their
# difference, from the router's BFD Down to its kernel route change).

# stats ROUTER INTERVAL COLUMN : "runs median min max" of a numeric column.
stats() {
  awk -F'\t' -v r="$1" -v i="$2" -v c="$3" '$1 == r && $2 == i && $c ~ /^-?[0-9.]+$/ { print $c }' "$RESULTS" |
    sort -g | awk '{ x[NR] = $1 } END {
      if (NR == 0) { print "0 - - -"; exit }
      med = NR % 2 ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2
      printf "%d %.0f %.0f %.0f\n", NR, med, x[1], x[NR] }'
}

# The issue's target for vipd at 50 ms x 3: every outage at most the detection time + 10 ms, and
# the median at most FRR's and BIRD's in the same run.
target_cell() {  # ROUTER INTERVAL
  [[ $1 == vipd && $2 == 50 ]] || { echo "-"; return; }
  local n med min max other ok=yes
  read -r n med min max <<<"$(stats vipd 50 4)"
  [[ $max =~ ^[0-9]+$ ]] || { echo "no data"; return; }
  ((max <= 160)) || ok=no
  for other in frr bird; do
    [[ $ROUTERS == *$other* ]] || continue
    local omed
    omed=$(stats "$other" 50 4 | cut -d' ' -f2)
    [[ $omed =~ ^[0-9]+$ ]] && ((med > omed)) && ok=no
  done
  echo "max <= 160, median <= FRR's and BIRD's: $ok"
}

results_markdown() {
  local iv impl n med min max rmed rmin rmax statuses
  echo "| router | BFD | detection time (ms) | cuts | outage median (ms) | min | max | BFD Down -> kernel route changed, median (ms) | min | max | target | status |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
  for iv in $INTERVALS; do
    for impl in $ROUTERS; do
      read -r n med min max <<<"$(stats "$impl" "$iv" 4)"
      read -r _ rmed rmin rmax <<<"$(stats "$impl" "$iv" 10)"
      statuses=$(awk -F'\t' -v r="$impl" -v i="$iv" '$1 == r && $2 == i { print $8 }' "$RESULTS" | sort | uniq -c |
        awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }')
      echo "| $impl | $iv ms x 3 | $((iv * 3)) | $n | $med | $min | $max | $rmed | $rmin | $rmax | $(target_cell "$impl" "$iv") | ${statuses:-no run} |"
    done
  done
  echo
  echo "| router | version |"
  echo "|---|---|"
  for impl in $ROUTERS; do echo "| $impl | $(router_version "$impl") |"; done
}

report_print() {
  echo
  echo "== BGP+BFD failover: six speakers, one /32, one speaker's link cut; outage seen by a 1 ms prober ($FLOWS flows)"
  results_markdown
  echo
  echo "raw results: $RESULTS"
}

# report_write_docs FILE : replaces the "### Results" part of the "## BGP failover (BFD)" section.
report_write_docs() {
  local file=$1 tmp commit machine
  commit=$(git -C "$BB_REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
  machine="$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
  tmp=$(mktemp)
  {
    echo "Run on $(date -u +%F) from commit $commit: $REPS cuts for each router and interval, $FLOWS flows."
    echo "Machine: $machine. Load (1 min) before: $LOAD_BEFORE.${NOTE:+ $NOTE}"
    echo "Command: \`$BB_COMMAND\`"
    echo
    results_markdown
  } >"$tmp"
  awk -v res="$tmp" '
    /^## BGP failover \(BFD\)/ { in_sec = 1 }
    in_sec && /^### Results/ { print; print ""; while ((getline l < res) > 0) print l; print ""; skip = 1; next }
    skip && /^### / { skip = 0 }
    skip && /^## / { skip = 0; in_sec = 0 }
    !skip { print }' "$file" >"$file.new" && mv "$file.new" "$file"
  rm -f "$tmp"
  it_log "results written to $file"
}
