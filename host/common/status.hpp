// Expected failures as return values (no exceptions on the packet path).
//
//   Expected<T>  holds either a T or an Error; `Status` (= Expected<void>) holds nothing or an Error.
//   Error        a coarse code for programs to branch on plus a message for people to read; the
//                message names what failed (the file, the record, the argument) and why.
//   Expected<T, E>  the same with a finer error type where callers count failures by reason (the
//                codecs' rejects: host/election/vrrp_codec.hpp, host/sync/codec.hpp). E carries a
//                message too and converts to an Error for code that only reports it.
//
//   Expected<Table> t = make_table(n);
//   if (!t) { log(t.error().message); return t.error(); }   // an Error converts to any Expected
//   use(*t);
//
// Reading the value of an Expected that holds an Error (or the error of one that holds a value) is a
// programming error: it asserts.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace conductor {

enum class Errc {
  kInvalidArgument,  // a caller-supplied value is out of range or inconsistent
  kNotFound,         // a named file or object does not exist
  kIo,               // the OS refused a read or write
  kCorrupt,          // a file or message is malformed or truncated
  kUnsupported,      // well-formed, but not something this build handles (e.g. a link type)
};

constexpr std::string_view errc_name(Errc c) {
  switch (c) {
    case Errc::kInvalidArgument:
      return "invalid-argument";
    case Errc::kNotFound:
      return "not-found";
    case Errc::kIo:
      return "io";
    case Errc::kCorrupt:
      return "corrupt";
    case Errc::kUnsupported:
      return "unsupported";
  }
  return "unknown";
}

struct Error {
  Errc code = Errc::kInvalidArgument;
  std::string message;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

template <class T, class E = Error>
class [[nodiscard]] Expected {
  static_assert(!std::is_same_v<std::remove_cv_t<T>, E>, "Expected<E, E> is ambiguous");

 public:
  Expected(const T& value) : v_(std::in_place_index<0>, value) {}
  Expected(T&& value) : v_(std::in_place_index<0>, std::move(value)) {}
  Expected(E error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, E> v_;
};

template <class E>
class [[nodiscard]] Expected<void, E> {
 public:
  Expected() = default;
  Expected(E error) : error_(std::move(error)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const E& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  E error_{};
  bool ok_ = true;
};

using Status = Expected<void>;

inline Status ok_status() { return Status{}; }

}  // namespace conductor
