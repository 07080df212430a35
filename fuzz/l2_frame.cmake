# L2 mode receive path fuzzer (src/l2/wire): the ARP and NDP parsers and answer().
vipd_add_fuzzer(l2_frame_fuzz ${CMAKE_CURRENT_LIST_DIR}/l2_frame_fuzz.cpp vipd_l2_wire)
