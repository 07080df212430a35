# Routing-policy lines (route-map, community/as-path/access lists): parse, round-trip, evaluate.
vipd_add_fuzzer(bgp_policy_fuzz ${CMAKE_CURRENT_SOURCE_DIR}/bgp_policy_fuzz.cpp vipd_bgp_config)
