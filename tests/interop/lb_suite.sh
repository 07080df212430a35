# shellcheck shell=bash
# Shared by the load balancer's interop tests (lb_frr, lb_l2): the cluster directory's objects
# and vipd as a node's speaker. Needs lib.sh, and $lb (the MetalLB resources) and $k8s (the
# cluster directory) set by the test.

# k8s_node_yaml NAME [EXTRA LABEL LINE] : a Ready Node labelled with its hostname.
k8s_node_yaml() {
  cat <<YAML
apiVersion: v1
kind: Node
metadata:
  name: $1
  labels:
    kubernetes.io/hostname: $1
${2:-}
status:
  conditions:
  - type: Ready
    status: "True"
YAML
}

k8s_namespace_yaml() { printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n' "$1"; }

declare -gA LB_PID=() LB_SOCK=()
# lb_start NODE [VIPD ARGS...] : vipd on NODE with the test's resources and cluster directory.
lb_start() {
  local node=$1
  shift
  LB_SOCK[$node]=$IT_DIR/vipd-$node.sock
  it_add_log "vipd on $node" "$IT_DIR/vipd-$node.log"
  ip netns exec "${NODE_NS[$node]}" "$VIPD_BIN_DIR/vipd" --foreground --lb-config "$lb" \
    --k8s-dir "$k8s" --node-name "$node" --socket "${LB_SOCK[$node]}" \
    --log-file "$IT_DIR/vipd-$node.log" "$@" >>"$IT_DIR/vipd-$node.stdout" 2>&1 &
  LB_PID[$node]=$!
  IT_PIDS+=("${LB_PID[$node]}")
  wait_until 10 lbctl "$node" show lb services json || it_die "vipd on $node did not answer"
}
lbctl() { local node=$1; shift; "$VIPD_BIN_DIR/vipctl" --socket "${LB_SOCK[$node]}" "$@" 2>/dev/null; }
