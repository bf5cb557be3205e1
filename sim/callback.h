// Callback: a move-only `void()` callable with a small inline buffer.
//
// Why not std::function: the scheduler stores one callable per event and runs tens of
// millions of events per second. A lambda capturing up to kInlineSize bytes (a `this`
// pointer and a few integers: the common case in the simulator) is stored inline, with
// no heap allocation, and when it is trivially copyable moving it is a plain memcpy.
// Bigger or over-aligned callables still work but are boxed on the heap: keep them off
// hot paths.
#pragma once

#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace pxelab::sim {

class Callback {
 public:
  static constexpr std::size_t kInlineSize = 32;

  Callback() noexcept = default;

  template <class F>
    requires(!std::is_same_v<std::decay_t<F>, Callback> && std::is_invocable_r_v<void, std::decay_t<F>&>)
  Callback(F&& f) {  // NOLINT: implicit, so that `clock.at(t, [this] { ... })` reads well
    using Fn = std::decay_t<F>;
    if constexpr (fits_inline<Fn>()) {
      ::new (static_cast<void*>(storage_)) Fn(std::forward<F>(f));
      invoke_ = [](void* s) { (*std::launder(static_cast<Fn*>(s)))(); };
      if constexpr (!(std::is_trivially_copyable_v<Fn> && std::is_trivially_destructible_v<Fn>)) {
        manage_ = &manage_inline<Fn>;
      }
    } else {
      Fn* boxed = new Fn(std::forward<F>(f));
      std::memcpy(storage_, &boxed, sizeof boxed);
      invoke_ = [](void* s) {
        Fn* p;
        std::memcpy(&p, s, sizeof p);
        (*p)();
      };
      manage_ = &manage_boxed<Fn>;
    }
  }

  Callback(Callback&& other) noexcept { take(other); }
  Callback& operator=(Callback&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  Callback(const Callback&) = delete;
  Callback& operator=(const Callback&) = delete;
  ~Callback() { reset(); }

  explicit operator bool() const noexcept { return invoke_ != nullptr; }

  // Precondition: holds a callable.
  void operator()() { invoke_(storage_); }

  void reset() noexcept {
    if (manage_ != nullptr) manage_(Op::kDestroy, storage_, nullptr);
    invoke_ = nullptr;
    manage_ = nullptr;
  }

  // True if a callable of type F is stored without a heap allocation.
  template <class F>
  static constexpr bool fits_inline() {
    return sizeof(F) <= kInlineSize && alignof(F) <= alignof(std::max_align_t) &&
           std::is_nothrow_move_constructible_v<F>;
  }

 private:
  enum class Op { kMove, kDestroy };
  using Manager = void (*)(Op, void* self, void* from);

  template <class Fn>
  static void manage_inline(Op op, void* self, void* from) {
    if (op == Op::kMove) {
      Fn* src = std::launder(static_cast<Fn*>(from));
      ::new (self) Fn(std::move(*src));
      src->~Fn();
    } else {
      std::launder(static_cast<Fn*>(self))->~Fn();
    }
  }
  template <class Fn>
  static void manage_boxed(Op op, void* self, void* from) {
    if (op == Op::kMove) {
      std::memcpy(self, from, sizeof(Fn*));
    } else {
      Fn* p;
      std::memcpy(&p, self, sizeof p);
      delete p;
    }
  }

  void take(Callback& other) noexcept {
    if (other.manage_ != nullptr) {
      other.manage_(Op::kMove, storage_, other.storage_);
    } else {
      std::memcpy(storage_, other.storage_, kInlineSize);
    }
    invoke_ = other.invoke_;
    manage_ = other.manage_;
    other.invoke_ = nullptr;
    other.manage_ = nullptr;
  }

  alignas(std::max_align_t) unsigned char storage_[kInlineSize];
  void (*invoke_)(void*) = nullptr;
  Manager manage_ = nullptr;
};

}  // namespace pxelab::sim
