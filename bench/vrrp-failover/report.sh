# shellcheck shell=bash
# Results of run.sh as Markdown: printed after the run, and with --write-docs written into
# docs/benchmarks.md, section "VRRP failover". Sourced by run.sh; reads RESULTS, a TSV of
#   impl version advert mode rep outage_ms takeover_ms garp_ms before>after status
#   since_last_advert_ms garp_senders

impl_version() {
  case $1 in
    vipd) "$VIPD_BIN_DIR/vipd" --version 2>/dev/null | head -n1 ;;
    keepalived) keepalived --version 2>&1 | head -n1 ;;
  esac
}

# rfc_bound_ms VERSION ADVERT MODE : 3 x advert + Skew_Time (kill9) or Skew_Time (term), for
# the priority-10 backups.
rfc_bound_ms() {
  local adverts=3
  [[ $3 == term ]] && adverts=0
  vr_bound_ms "$2" "$VR_BACKUP_PRIO" "$1" "$adverts"
}

# stats IMPL VERSION ADVERT MODE COLUMN : "runs median min max" of a numeric column.
stats() {
  awk -F'\t' -v i="$1" -v v="$2" -v a="$3" -v m="$4" -v c="$5" '
    $1 == i && $2 == v && $3 == a && $4 == m && $c ~ /^[0-9.]+$/ { print $c }' "$RESULTS" |
    sort -g | awk '{ x[NR] = $1 } END {
      if (NR == 0) { print "0 - - -"; exit }
      med = NR % 2 ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2
      printf "%d %.0f %.0f %.0f\n", NR, med, x[1], x[NR] }'
}

# target_text ADVERT MODE BOUND : the issue's target for vipd. After kill -9: within 10% of the
# RFC bound, held against the end of the outage counted from the master's last advert (the
# outage itself is shorter by the random phase of the crash); after SIGTERM at advert_int 1:
# an outage under 50 ms.
target_text() {
  if [[ $2 == kill9 ]]; then
    echo "back after last advert <= $(($3 * 11 / 10))"
  elif [[ $1 == 1 ]]; then
    echo "outage < 50"
  else
    echo "-"
  fi
}

target_met() {  # ADVERT MODE BOUND OUTAGE_MAX SINCE_ADVERT_MAX
  local value=$4
  [[ $2 == kill9 ]] && value=$5
  [[ $value =~ ^[0-9.]+$ ]] || { echo "no data"; return; }
  if [[ $2 == kill9 ]]; then
    awk -v m="$value" -v b="$3" 'BEGIN { print (m <= b * 1.1 ? "yes" : "no") }'
  elif [[ $1 == 1 ]]; then
    awk -v m="$value" 'BEGIN { print (m < 50 ? "yes" : "no") }'
  else
    echo "-"
  fi
}

results_markdown() {
  local impl c version advert mode bound runs med min max moved garp since since_med since_max
  echo "| daemon | VRRP | advert_int (s) | stop | runs | outage median (ms) | min | max | VIP moved, median (ms) | first GARP, median (ms) | back after last advert, median / max (ms) | RFC bound (ms) | target (max, ms) | met |"
  echo "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
  for c in $CASES; do
    version=${c%%:*} advert=${c#*:}
    for mode in $MODES; do
      bound=$(rfc_bound_ms "$version" "$advert" "$mode")
      for impl in $IMPLS; do
        read -r runs med min max <<<"$(stats "$impl" "$version" "$advert" "$mode" 6)"
        moved=$(stats "$impl" "$version" "$advert" "$mode" 7 | cut -d' ' -f2)
        garp=$(stats "$impl" "$version" "$advert" "$mode" 8 | cut -d' ' -f2)
        read -r _ since_med _ since_max <<<"$(stats "$impl" "$version" "$advert" "$mode" 11)"
        since="$since_med / $since_max"
        local target="-" met="-"
        if [[ $impl == vipd ]]; then
          target=$(target_text "$advert" "$mode" "$bound")
          met=$(target_met "$advert" "$mode" "$bound" "$max" "$since_max")
        fi
        printf '| %s | v%s%s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$impl" \
          "$version" "$([[ $version == 2 ]] && echo ' PASS')" "$advert" \
          "$([[ $mode == kill9 ]] && echo 'kill -9' || echo 'SIGTERM')" "$runs" "$med" "$min" "$max" \
          "$moved" "$garp" "$since" "$bound" "$target" "$met"
      done
    done
  done
  if [[ $IMPLS == *vipd* && $IMPLS == *keepalived* ]]; then
    echo
    echo "| VRRP | advert_int (s) | stop | outage median, vipd / keepalived (ms) | back after last advert median, vipd / keepalived (ms) | vipd - keepalived (ms) | vipd no worse (within 1% of the bound) |"
    echo "|---|---:|---|---:|---:|---:|---|"
    for c in $CASES; do
      version=${c%%:*} advert=${c#*:}
      for mode in $MODES; do
        local v k vs ks
        v=$(stats vipd "$version" "$advert" "$mode" 6 | cut -d' ' -f2)
        k=$(stats keepalived "$version" "$advert" "$mode" 6 | cut -d' ' -f2)
        vs=$(stats vipd "$version" "$advert" "$mode" 11 | cut -d' ' -f2)
        ks=$(stats keepalived "$version" "$advert" "$mode" 11 | cut -d' ' -f2)
        # Judged on the phase-free figure, the end of the outage after the last advert; a
        # difference within 1% of the RFC bound is noise and counts as equal.
        bound=$(rfc_bound_ms "$version" "$advert" "$mode")
        printf '| v%s | %s | %s | %s / %s | %s / %s | %s | %s |\n' "$version" "$advert" \
          "$([[ $mode == kill9 ]] && echo 'kill -9' || echo 'SIGTERM')" "$v" "$k" "$vs" "$ks" \
          "$(awk -v v="$vs" -v k="$ks" 'BEGIN { if (v !~ /^[0-9.]+$/ || k !~ /^[0-9.]+$/) print "-"; else printf "%+d", v - k }')" \
          "$(awk -v v="$vs" -v k="$ks" -v b="$bound" 'BEGIN { if (v !~ /^[0-9.]+$/ || k !~ /^[0-9.]+$/) print "-"; else print (v <= k + b / 100 ? "yes" : "no") }')"
      done
    done
  fi
  # Runs whose outage, counted from the last advert, is over the bound by more than 10% (and
  # 100 ms): with who sent the gratuitous ARPs right after the takeover (the client follows the
  # last one).
  local over
  over=$(for c in $CASES; do
    version=${c%%:*} advert=${c#*:}
    for mode in $MODES; do
      bound=$(rfc_bound_ms "$version" "$advert" "$mode")
      awk -F'\t' -v v="$version" -v a="$advert" -v m="$mode" -v b="$bound" '
        $2 == v && $3 == a && $4 == m && $11 ~ /^[0-9]+$/ && $11 > b + (b * 0.1 > 100 ? b * 0.1 : 100) {
          printf "| %s | v%s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3,
            (m == "kill9" ? "kill -9" : "SIGTERM"), $5, $6, $11, $9, $12 }' "$RESULTS"
    done
  done)
  if [[ -n "$over" ]]; then
    echo
    echo "Runs over the RFC bound by more than 10% and 100 ms (back after last advert), with the gratuitous ARPs on the wire in the 200 ms after the first one (a client takes the sender of the last one):"
    echo
    echo "| daemon | VRRP | advert_int (s) | stop | run | outage (ms) | back after last advert (ms) | replies from, before > after | gratuitous ARP senders, in order |"
    echo "|---|---|---:|---|---:|---:|---:|---|---|"
    echo "$over"
  fi
  local failed
  failed=$(awk -F'\t' '$10 != "ok"' "$RESULTS")
  if [[ -n "$failed" ]]; then
    echo
    echo "Runs with a problem (impl, version, advert, stop, repetition, outage, VIP moved, GARP, who answered, status, since the last advert, GARP senders):"
    echo
    awk '{ print "    " $0 }' <<<"$failed"
  fi
}

machine_line() {
  local model cores mem
  model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)
  cores=$(getconf _NPROCESSORS_ONLN)
  mem=$(free -g 2>/dev/null | awk '/^Mem:/ { print $2 }')
  printf '%s, %s cores, %s GiB, Linux %s, %s' "${model:-CPU unknown}" "$cores" "${mem:-?}" \
    "$(uname -r)" "$(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release)"
}

print_table() {
  echo
  echo "VRRP failover: $REPS repetitions; $(machine_line); load before: $LOAD_BEFORE"
  for impl in $IMPLS; do echo "  $impl: ${VERSION_OF[$impl]}"; done
  echo
  results_markdown
}

docs_section() {
  local commit impl
  commit=$(git -C "$VB_REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
  cat <<EOF
## VRRP failover

\`bench/vrrp-failover/run.sh\` measures what a client on the LAN sees when the master router
goes away. The seed's four routers on one bridge, in network namespaces: r1 192.168.5.2
(priority 100) and r2-r4 192.168.5.3-5 (priority 10), VIP 192.168.5.1/16, VRID 51, the seed's
\`keepalived.conf\` with only priority, \`vrrp_version\` and \`advert_int\` changed (v3 without
the authentication block); all four run vipd, or all four keepalived, with the same files.

- **Prober**: a client namespace (192.168.5.100) sends a UDP datagram to the VIP every 1 ms
  (\`bench/vrrp-failover/probe.py\`, real-time priority); every router runs an echo responder
  on the port. **Outage** = last reply before the event -> first reply after it, from the
  prober's own timestamps.
- **kill -9**: SIGKILL to the master's daemon (keepalived: parent and VRRP child, both stopped
  first so the child sends nothing) and its link set down at the same moment: a dead router,
  whose stale VIP answers nobody. Then the daemon is started again and the link brought up
  (it must clear the stale VIP), and r1 preempts before the next run.
- **SIGTERM**: a clean stop; the daemon sends an advert with priority 0 and removes the VIP.
- **VIP moved**: when a backup had the VIP configured (a sampler dumps the four routers'
  addresses every 5 ms); **first GARP**: its first gratuitous ARP on the bridge (tcpdump); both
  counted from the start of the outage. **Back after last advert**: the end of the outage
  counted from r1's last advert on the bridge (tcpdump; after SIGTERM the priority-0 advert),
  the instant the RFC timers run from: free of the crash's random phase within the advert
  interval, it is the figure to hold against the RFC bound.
- **RFC bound**: after a crash the Master_Down_Interval of a priority-10 backup,
  3 x Advertisement_Interval + Skew_Time; after priority 0 the Skew_Time alone. Skew_Time is
  (256 - 10) / 256 s in VRRPv2 (RFC 3768 §6.1) and that times the interval in VRRPv3
  (RFC 5798 §6.1): 3961 / 961 ms at 1 s, 198 / 48 ms at 0.05 s. The outage after a crash is
  between 2 and 3 intervals + skew (the last advert left up to one interval before the crash),
  plus the time to the client's ARP update.
- **Runs over the bound** are listed with the gratuitous ARPs seen right after the takeover.
  When the backups' timers expire together, several become master for a moment and each sends
  its burst; Linux takes a gratuitous ARP whatever the neighbour entry's locktime, so if a
  loser's burst crosses the wire last, the client sends to a router that has just given the
  VIP up, until the winner's second burst \`garp_master_delay\` (5 s) later.
- **Targets** (issue 4): after kill -9, within 10% of the RFC bound and no worse than
  keepalived in the same run (both judged here on "back after last advert", the outage without
  the crash's phase: the stricter reading); after a clean stop, an outage under 50 ms at
  advert_int 1.

### Results

Run on $(date +%Y-%m-%d) at commit $commit: $REPS repetitions of each case.
Machine: $(machine_line); load average before the run $LOAD_BEFORE.${NOTE:+ $NOTE}
$(for impl in $IMPLS; do echo "- $impl: ${VERSION_OF[$impl]}"; done)

$(results_markdown)

### How to run

\`\`\`
scripts/install-deps.sh
cmake -S . -B $BUILD_NAME -DVIPD_INTEROP=OFF
cmake --build $BUILD_NAME --target vipd vipctl
sudo $VB_COMMAND
\`\`\`

\`--quick\` runs each case once; \`--impls keepalived\` measures keepalived alone (the check
of the prober); \`--cases "3:0.05"\` picks cases (VERSION:ADVERT_INT); \`--keep\` keeps the
configs, logs and prober files (path printed at the start).

### What limits the measurement

- The prober sends every 1 ms: outages are known to about 1 ms; gaps under 5 ms are not
  reported (0 in the table).
- The machine's two cores are shared with everything else running (the load is above): a
  daemon that is descheduled when its timer fires takes over late. The prober, the echo
  responders and the sampler run with real-time priority; the daemons do not.
- The outage includes the client's ARP update, which happens on the new master's gratuitous
  ARP; the "first GARP" column separates it from the detection time.
EOF
}

# write_docs : puts docs_section into docs/benchmarks.md in place of its "## VRRP failover"
# section (up to the next "## " heading), or at the end; the other sections stay as they are.
write_docs() {
  local doc="$VB_REPO/docs/benchmarks.md"
  docs_section | "$VR_PYTHON" -c '
import os, re, sys
path, section = sys.argv[1], sys.stdin.read().rstrip("\n") + "\n"
text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
pattern = re.compile(r"^## VRRP failover\n.*?(?=^## |\Z)", re.M | re.S)
if pattern.search(text):
    text = pattern.sub(lambda m: section + ("\n" if m.end() < len(text) else ""), text, count=1)
else:
    text = text.rstrip("\n") + "\n\n" + section
with open(path + ".tmp", "w") as out:
    out.write(text)
os.replace(path + ".tmp", path)' "$doc" || return 1
  it_log "results written to $doc"
}
