# Kubernetes object parser fuzzer (src/lb/cluster): Services, EndpointSlices, Nodes, Namespaces
# and status files from arbitrary YAML; status documents must round-trip.
vipd_add_fuzzer(lb_cluster_fuzz ${CMAKE_CURRENT_SOURCE_DIR}/lb_cluster_fuzz.cpp vipd_lb_cluster)
