// Internal helpers shared by the codec's .cpp files; not part of the public API.
#pragma once

namespace vipd::bgp::wire::detail {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace vipd::bgp::wire::detail
