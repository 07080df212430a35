// The paths to one prefix in the Loc-RIB: one per peer, 16 bytes each, the first one stored
// inline (most prefixes of a route server or a single-homed router have one path), more in an
// exact-size heap array. Paths keep arrival order (FRR's path list, oldest first here).
#pragma once

#include <cstdint>
#include <new>
#include <span>
#include <utility>

#include "bgp/rib/attribute_store.hpp"
#include "bgp/rib/decision.hpp"

namespace vipd::bgp::rib {

namespace path_flag {
inline constexpr std::uint8_t kValid = 1;      // next hop reachable, no AS loop
inline constexpr std::uint8_t kBest = 2;       // the best path (`>`)
inline constexpr std::uint8_t kMultipath = 4;  // used for ECMP (`=`), best path included
}  // namespace path_flag

struct Path {
  AttrRef attrs;
  PeerId peer = 0;
  std::uint8_t flags = 0;
  std::uint32_t igp_cost = 0;  // from the next-hop resolver when the path was (re)validated
  bool valid() const { return flags & path_flag::kValid; }
  bool best() const { return flags & path_flag::kBest; }
  bool multipath() const { return flags & path_flag::kMultipath; }
};
static_assert(sizeof(Path) == 16);

class PathList {
 public:
  PathList() {}
  PathList(PathList&& other) noexcept { take(std::move(other)); }
  PathList& operator=(PathList&& other) noexcept {
    if (this != &other) {
      destroy();
      take(std::move(other));
    }
    return *this;
  }
  ~PathList() { destroy(); }

  std::span<Path> paths() { return {data(), size_}; }
  std::span<const Path> paths() const { return {data(), size_}; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  Path* find(PeerId peer) {
    for (auto& p : paths())
      if (p.peer == peer) return &p;
    return nullptr;
  }
  const Path* find(PeerId peer) const { return const_cast<PathList*>(this)->find(peer); }

  // Appends; the caller makes sure the peer has no path here yet.
  Path& add(Path path) {
    if (size_ == 0 && capacity_ == 0) {
      new (&one_) Path(std::move(path));
      size_ = 1;
      capacity_ = 1;
      return one_;
    }
    Path* grown = static_cast<Path*>(::operator new(sizeof(Path) * (size_ + 1)));
    Path* old = data();
    for (std::size_t i = 0; i < size_; ++i) {
      new (&grown[i]) Path(std::move(old[i]));
      old[i].~Path();
    }
    new (&grown[size_]) Path(std::move(path));
    if (heap()) ::operator delete(many_);
    many_ = grown;
    capacity_ = ++size_;
    return grown[size_ - 1];
  }

  // Removes the path at `index`, keeping the order of the others.
  void remove(std::size_t index) {
    Path* d = data();
    for (std::size_t i = index; i + 1 < size_; ++i) d[i] = std::move(d[i + 1]);
    d[size_ - 1].~Path();
    --size_;
    if (size_ == 0) {
      if (heap()) ::operator delete(many_);
      capacity_ = 0;
    } else if (size_ == 1 && heap()) {
      // Back to inline storage.
      Path* h = many_;
      new (&one_) Path(std::move(h[0]));
      h[0].~Path();
      ::operator delete(h);
      capacity_ = 1;
    }
  }

  // Heap bytes of the path array (0 while the single path is inline).
  std::size_t heap_bytes() const { return heap() ? capacity_ * sizeof(Path) : 0; }
  Step reason() const { return reason_; }
  void set_reason(Step s) { reason_ = s; }

 private:
  bool heap() const { return capacity_ > 1; }
  Path* data() { return heap() ? many_ : &one_; }
  const Path* data() const { return heap() ? many_ : &one_; }

  void destroy() {
    Path* d = data();
    for (std::size_t i = 0; i < size_; ++i) d[i].~Path();
    if (heap()) ::operator delete(many_);
    size_ = 0;
    capacity_ = 0;
  }
  void take(PathList&& other) {
    size_ = other.size_;
    capacity_ = other.capacity_;
    reason_ = other.reason_;
    if (other.heap()) {
      many_ = other.many_;
    } else if (other.size_ == 1) {
      new (&one_) Path(std::move(other.one_));
      other.one_.~Path();
    }
    other.size_ = 0;
    other.capacity_ = 0;
  }

  union {
    Path one_;    // capacity_ == 1
    Path* many_;  // capacity_ > 1
  };
  std::uint16_t size_ = 0;
  std::uint16_t capacity_ = 0;
  Step reason_ = Step::kNone;
};
static_assert(sizeof(PathList) == 24);

}  // namespace vipd::bgp::rib
