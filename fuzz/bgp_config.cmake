# bgpd.conf parser fuzzer (src/bgp/config): parse, render, parse again must round-trip.
vipd_add_fuzzer(bgp_config_fuzz ${CMAKE_CURRENT_SOURCE_DIR}/bgp_config_fuzz.cpp vipd_bgp_config)
