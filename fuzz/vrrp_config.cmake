# keepalived.conf parser fuzzer (src/vrrp/config): parse, validate and print as JSON; include is
# sandboxed to the input itself.
vipd_add_fuzzer(vrrp_config_fuzz ${CMAKE_CURRENT_SOURCE_DIR}/vrrp_config_fuzz.cpp vipd_vrrp_config)
