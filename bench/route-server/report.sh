# shellcheck shell=bash
# Results of run.sh as Markdown: printed after the run, and with --write-docs written into
# docs/benchmarks.md, section "Route server". Sourced by run.sh; reads its R_* results.

# ratio VALUE BASE : VALUE / BASE with two decimals, "-" when either is not a number.
ratio() {
  awk -v v="$1" -v b="$2" 'BEGIN {
    if (v !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) { print "-"; exit }
    printf "%.2f", v / b }'
}

machine_facts() {
  local cpu mem os
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  mem=$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
  os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
  echo "${cpu:-unknown CPU}, $(nproc) cores, ${mem} GiB, Linux $(uname -r), ${os:-unknown OS}"
}

results_markdown() {
  local d base=bird
  echo "| daemon | propagate (s) | x BIRD | withdraw (s) | x BIRD | CPU (s) | x BIRD | peak RSS (MiB) | x BIRD | status |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  for d in $DAEMONS; do
    [[ -n "${R_STATUS[$d]:-}" ]] || continue
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$d" \
      "${R_PROP[$d]}" "$(ratio "${R_PROP[$d]}" "${R_PROP[$base]:-}")" \
      "${R_WD[$d]}" "$(ratio "${R_WD[$d]}" "${R_WD[$base]:-}")" \
      "${R_CPU[$d]}" "$(ratio "${R_CPU[$d]}" "${R_CPU[$base]:-}")" \
      "${R_RSS[$d]}" "$(ratio "${R_RSS[$d]}" "${R_RSS[$base]:-}")" \
      "${R_STATUS[$d]}"
  done
  echo
  echo "| daemon | version | feeder send (s) | CPU propagate (s) | CPU withdraw (s) | feeder+sinks CPU (s) | load (1 min) before | first AS, next hop at a sink |"
  echo "|---|---|---:|---:|---:|---:|---:|---|"
  for d in $DAEMONS; do
    [[ -n "${R_STATUS[$d]:-}" ]] || continue
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$d" "${R_VERSION[$d]}" "${R_FEED[$d]}" \
      "${R_CPU_A[$d]}" "${R_CPU_W[$d]}" "${R_TOOLS[$d]}" "${R_LOAD[$d]}" "${R_SAMPLE[$d]}"
  done
}

# The feed's distinct attribute sets (the feeder's default: P/20).
attribute_sets() {
  if ((${ATTRIBUTE_SETS:-0} > 0)); then echo "$ATTRIBUTE_SETS"; else echo $((PREFIXES / 20)); fi
}

print_table() {
  echo
  echo "Route server: P=$PREFIXES prefixes, $(attribute_sets) attribute sets, S=$SINKS sinks, seed $SEED; $(machine_facts)"
  echo
  results_markdown
}

docs_section() {
  cat <<EOF
## Route server

\`bench/route-server/run.sh\` runs each daemon in turn as a plain eBGP route server in network
namespaces: one feeder (\`bgp_feeder\`, AS 65001) sends P prefixes, S sinks (\`bgp_sink\`,
AS 65101...) receive them. All daemons run on the same topology, with the same feed, in one run.

- **Feed**: deterministic for a seed; prefix lengths ~60% /24, ~25% /22-/23, the rest /16-/21;
  P/20 distinct AS paths (50,000 for a full table) of 1-8 ASes with a skewed use, ORIGIN IGP or
  INCOMPLETE, MED on ~30%, 0-4 communities; prefixes sharing attributes are packed into one
  UPDATE of up to 4096 octets, pre-encoded with the vipd codec and streamed as fast as TCP
  takes them (keepalives in between).
- **propagate**: from the feeder writing its first UPDATE to the last sink holding all P
  prefixes (each sink stamps the moment it counts P distinct prefixes; CLOCK_MONOTONIC is shared
  by the namespaces). **withdraw**: the same for a full withdrawal (every prefix in Withdrawn
  Routes, packed) until every sink holds none.
- **CPU**: utime+stime of all the daemon's processes (everything in the router namespace) over
  both phases. **peak RSS**: VmHWM summed over those processes (an upper bound for OpenBGPD,
  whose processes peak at different times). **feeder send**: how long the feeder took to
  write the whole table, i.e. how fast the daemon read it. **first AS, next hop**: what a sink
  received with its first route; a route server passes the feeder's (65001, 10.0.0.2) on.
- **Configs** (written by \`bench/route-server/daemons.sh\`): every neighbor passive,
  route-server semantics (BIRD \`rs client\`, FRR \`route-server-client\`, GoBGP
  \`route-server-client\`, OpenBGPD \`transparent-as yes\`, vipd \`route-server-client\`), eBGP
  filters opened (BIRD \`import all; export all\`, FRR \`no bgp ebgp-requires-policy\`,
  OpenBGPD \`allow from any\`/\`allow to any\`), no kernel (BIRD has no kernel protocol, FRR
  \`bgpd -Z -n\` and \`bgp no-rib\`, GoBGP without zebra, OpenBGPD \`fib-update no\`, vipd
  \`bgp no-rib\`), FRR \`advertisement-interval 0\` (the others have no MRAI). Everything else
  is each daemon's default.
- Targets (issue 3): vipd propagates and withdraws in at most 0.5x BIRD's time, with a peak
  RSS of at most BIRD's.

### Results

Run on $(date -u +%Y-%m-%d) from commit $RS_COMMIT: P = $PREFIXES prefixes, S = $SINKS sinks, seed $SEED.
Machine: $(machine_facts).${NOTE:+ $NOTE}

$(results_markdown)

### How to run

\`\`\`
scripts/install-deps.sh
cmake -S . -B build-bench -DVIPD_BENCH=ON -DVIPD_INTEROP=OFF -DVIPD_TESTS=OFF
cmake --build build-bench -j2 --target bgp_feeder bgp_sink vipd vipctl
sudo $RS_COMMAND
\`\`\`

\`--quick\` (P = 50,000, S = 2) is a smoke run of the harness; \`--daemons "bird frr"\` picks
daemons; \`--keep\` keeps the configs and logs (path printed at the start). Each phase gives up
after \`--timeout\` seconds (default 1800, as GoBGP needs over 15 minutes a phase for a full
table here), or after \`--stall\` seconds in which neither the sinks' counts nor
the daemon's CPU time moved; the row then says why.

### What limits the measurement

- The feeder, the sinks and the daemon share the machine's cores (and the veth/bridge work
  is kernel time of whoever sends): with few cores the sinks' decoding and the kernel's TCP
  work compete with the daemon. Ratios to BIRD in the same run are the figure to read, not
  absolute times.
- The sinks' work depends on how the daemon packs its UPDATEs: fewer prefixes per UPDATE
  means more messages for the sinks and the kernel on the same cores (feeder+sinks CPU column).
- A shared machine (other builds running) adds noise: the load before each daemon's round is
  in the second table.
- Timestamps have the harness's polling out of the way (the tools stamp the events
  themselves), but CPU and RSS are read by the harness, which polls every 0.5 s: the daemon's CPU
  includes up to that much idle time after a phase.
EOF
}

write_docs() {
  local doc="$RS_REPO/docs/benchmarks.md" section
  section=$(mktemp "$IT_DIR/section.XXXXXX")
  docs_section >"$section"
  if [[ ! -f "$doc" ]]; then
    {
      echo "# Benchmarks"
      echo
      echo "Side-by-side benchmarks against the real daemons, all in one run on one machine"
      echo "(DESIGN \"Testing layers\" 5). Read the ratios, not the absolute times."
      echo
    } >"$doc"
  fi
  # Replace the "## Route server" section (up to the next "## " heading), or append it.
  awk -v section="$section" '
    BEGIN { while ((getline line < section) > 0) text = text line "\n" }
    /^## / { if (in_section) print ""; in_section = 0 }
    $0 == "## Route server" { printf "%s", text; in_section = 1; written = 1; next }
    !in_section { print }
    END { if (!written) printf "%s", text }' "$doc" >"$doc.tmp"
  mv "$doc.tmp" "$doc"
  it_log "results written to $doc"
}
