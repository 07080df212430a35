# BFD Control and Echo packet codec fuzzer (src/bfd/wire, src/bfd/echo_ipv4), with the
# session FSM fed what decodes.
vipd_add_fuzzer(bfd_packet_fuzz ${CMAKE_CURRENT_LIST_DIR}/bfd_packet_fuzz.cpp vipd_bfd_wire
                vipd_bfd_fsm vipd_bfd)
