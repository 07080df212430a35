# MetalLB resources (src/lb/crd): parse_documents then validate on arbitrary text.
vipd_add_fuzzer(lb_config_fuzz ${CMAKE_CURRENT_SOURCE_DIR}/lb_config_fuzz.cpp vipd_lb_crd)
