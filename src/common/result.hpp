// Result<T, E>: a value or an error, for decoders and parsers that must not throw on bad input.
// (std::expected is C++23; this is the subset we need.)
#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace vipd {

template <typename E>
struct Unexpected {
  E error;
};
template <typename E>
Unexpected(E) -> Unexpected<E>;

template <typename E>
Unexpected<std::decay_t<E>> unexpected(E&& e) {
  return {std::forward<E>(e)};
}

template <typename T, typename E>
class [[nodiscard]] Result {
 public:
  Result(T value) : storage_(std::in_place_index<0>, std::move(value)) {}
  template <typename U>
  Result(Unexpected<U> e) : storage_(std::in_place_index<1>, std::move(e.error)) {}

  bool ok() const { return storage_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(storage_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(storage_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(storage_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const E& error() const {
    assert(!ok());
    return std::get<1>(storage_);
  }

 private:
  std::variant<T, E> storage_;
};

// Result<void, E>.
struct Ok {};

template <typename E>
using Status = Result<Ok, E>;

}  // namespace vipd
