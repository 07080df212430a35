// The network of the L2 mode's virtual routers (docs/lb.md "L2 mode"): the kernel's, except
// that a master's addresses (Kubernetes Service IPs) are not added to the interface but
// answered for by the responder (l2/responder.hpp), as MetalLB's speaker does: the address
// stays kube-proxy's (its iptables/IPVS rules take the traffic), and nothing else on the node
// changes when it moves. VRRP's own gratuitous ARPs / unsolicited NAs on takeover and its
// adverts go out unchanged.
#pragma once

#include <functional>
#include <map>

#include "l2/responder.hpp"
#include "vrrp/network.hpp"

namespace vipd::lb::l2 {

class ResponderNetwork final : public vrrp::Network {
 public:
  // Both outlive this network.
  // A master's address claimed (true) or released (false), on interface `ifindex`.
  using Listener = std::function<void(int ifindex, const IpAddress& address, bool claimed)>;
  ResponderNetwork(vrrp::Network& kernel, vipd::l2::AddressResponder& responder,
                   Listener listener = {})
      : kernel_(kernel), responder_(responder), listener_(std::move(listener)) {}

  std::optional<vrrp::InterfaceInfo> find_interface(std::string_view name) override;
  Status<std::string> listen(int ifindex, Family family,
                             const std::optional<IpAddress>& group) override {
    return kernel_.listen(ifindex, family, group);
  }
  void set_receiver(Receiver receiver) override { kernel_.set_receiver(std::move(receiver)); }
  Status<std::string> send_advert(int ifindex, const IpAddress& source,
                                  const IpAddress& destination, ByteSpan message) override {
    return kernel_.send_advert(ifindex, source, destination, message);
  }
  Status<std::string> send_frame(int ifindex, ByteSpan frame) override {
    return kernel_.send_frame(ifindex, frame);
  }
  // A master's Service IP: answered for on the interface, with its MAC.
  Status<std::string> add_address(const netlink::InterfaceAddress& address) override;
  Status<std::string> delete_address(const netlink::InterfaceAddress& address) override;
  Result<vrrp::InterfaceInfo, std::string> create_vmac(const netlink::MacvlanSpec& spec) override {
    return kernel_.create_vmac(spec);
  }
  Status<std::string> delete_link(int ifindex) override { return kernel_.delete_link(ifindex); }
  bool ipv6_forwarding(std::string_view name) override { return kernel_.ipv6_forwarding(name); }

 private:
  vrrp::Network& kernel_;
  vipd::l2::AddressResponder& responder_;
  Listener listener_;
  std::map<int, vipd::l2::wire::MacAddress> macs_;  // by ifindex, as find_interface() saw them
};

}  // namespace vipd::lb::l2
