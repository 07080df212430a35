# VRRP advert codec fuzzer (src/vrrp/wire), with the L2 announcement parsers (src/l2/wire).
vipd_add_fuzzer(vrrp_advert_fuzz ${CMAKE_CURRENT_LIST_DIR}/vrrp_advert_fuzz.cpp vipd_vrrp_wire
                vipd_l2_wire)
