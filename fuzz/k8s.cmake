# Kubernetes client fuzzers (src/k8s): kubeconfig text, and a reflector fed arbitrary LIST bodies
# and watch event lines.
vipd_add_fuzzer(k8s_kubeconfig_fuzz ${CMAKE_CURRENT_SOURCE_DIR}/k8s_kubeconfig_fuzz.cpp vipd_k8s)
vipd_add_fuzzer(k8s_watch_fuzz ${CMAKE_CURRENT_SOURCE_DIR}/k8s_watch_fuzz.cpp vipd_k8s)
