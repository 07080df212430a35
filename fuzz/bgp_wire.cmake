# BGP wire codec fuzzers (src/bgp/wire).
vipd_add_fuzzer(bgp_message_fuzz ${CMAKE_CURRENT_LIST_DIR}/bgp_message_fuzz.cpp vipd_bgp_wire)
vipd_add_fuzzer(bgp_open_fuzz ${CMAKE_CURRENT_LIST_DIR}/bgp_open_fuzz.cpp vipd_bgp_wire)
vipd_add_fuzzer(bgp_update_fuzz ${CMAKE_CURRENT_LIST_DIR}/bgp_update_fuzz.cpp vipd_bgp_wire)
