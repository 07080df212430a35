// Boxed<T>: an optional value kept on the heap, the size of one pointer whether set or not, with
// std::optional's interface (value semantics: a copy copies the value). For members that are
// rarely set in a type that exists many times over: an interned BGP attribute set of a full
// table has no MP_REACH_NLRI, AGGREGATOR or CLUSTER_LIST in most cases, and std::optional would
// hold their room inline in every one of some 250,000 sets.
#pragma once

#include <memory>
#include <optional>
#include <utility>

namespace vipd {

template <typename T>
class Boxed {
 public:
  Boxed() = default;
  Boxed(std::nullopt_t) {}  // NOLINT(google-explicit-constructor): as std::optional
  Boxed(const T& value) : value_(std::make_unique<T>(value)) {}        // NOLINT: as std::optional
  Boxed(T&& value) : value_(std::make_unique<T>(std::move(value))) {}  // NOLINT
  Boxed(const std::optional<T>& value)                                 // NOLINT: as std::optional
      : value_(value ? std::make_unique<T>(*value) : nullptr) {}
  Boxed(const Boxed& other) : value_(other.value_ ? std::make_unique<T>(*other.value_) : nullptr) {}
  Boxed(Boxed&&) noexcept = default;
  ~Boxed() = default;

  Boxed& operator=(const Boxed& other) {
    if (this != &other) value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
    return *this;
  }
  Boxed& operator=(Boxed&&) noexcept = default;
  Boxed& operator=(std::nullopt_t) {
    value_.reset();
    return *this;
  }
  Boxed& operator=(const T& value) {
    value_ = std::make_unique<T>(value);
    return *this;
  }
  Boxed& operator=(T&& value) {
    value_ = std::make_unique<T>(std::move(value));
    return *this;
  }

  template <typename... Args>
  T& emplace(Args&&... args) {
    value_ = std::make_unique<T>(std::forward<Args>(args)...);
    return *value_;
  }
  void reset() { value_.reset(); }

  bool has_value() const { return value_ != nullptr; }
  explicit operator bool() const { return value_ != nullptr; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return value_.get(); }
  const T* operator->() const { return value_.get(); }
  T& value() {
    if (!value_) throw std::bad_optional_access();
    return *value_;
  }
  const T& value() const {
    if (!value_) throw std::bad_optional_access();
    return *value_;
  }
  // As std::optional: unset equals unset, set values compare by value.
  friend bool operator==(const Boxed& a, const Boxed& b) {
    return a.value_ ? b.value_ && *a.value_ == *b.value_ : !b.value_;
  }
  friend bool operator==(const Boxed& a, std::nullopt_t) { return !a.value_; }

 private:
  std::unique_ptr<T> value_;
};

}  // namespace vipd
