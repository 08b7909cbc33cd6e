#pragma once
// Status and Result<T>: how bmf returns errors a caller is expected to handle.
//
// Codes follow Abseil's canonical set so each one carries its retry meaning:
// kUnavailable -> retry the call; kAborted -> retry the transaction;
// kFailedPrecondition -> do not retry until the state is fixed. Exceptions are
// kept for broken invariants and start-up failures only.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace bmf {

enum class StatusCode {
  kOk,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnauthenticated,
  kFailedPrecondition,
  kAborted,
  kOutOfRange,
  kUnavailable,
  kDeadlineExceeded,
  kDataLoss,
  kInternal,
  kUnimplemented,
};

std::string_view to_string(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  [[nodiscard]] bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "NOT_FOUND: node 7 does not exist"
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status ok_status() { return {}; }
inline Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status failed_precondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status permission_denied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
inline Status unauthenticated(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }
inline Status data_loss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status already_exists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status deadline_exceeded(std::string m) { return {StatusCode::kDeadlineExceeded, std::move(m)}; }

// Result<T> holds a T or a non-OK Status; holding a value means success.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) v_ = Status(StatusCode::kInternal, "Result built from an OK status");
  }

  [[nodiscard]] bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace bmf

#define BMF_CONCAT_INNER(a, b) a##b
#define BMF_CONCAT(a, b) BMF_CONCAT_INNER(a, b)

// Return early from a function returning Status or Result<U> when `expr` fails.
#define BMF_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::bmf::Status bmf_status_ = (expr);        \
    if (!bmf_status_.ok()) return bmf_status_; \
  } while (0)

#define BMF_ASSIGN_OR_RETURN(lhs, expr) BMF_ASSIGN_OR_RETURN_IMPL(BMF_CONCAT(bmf_result_, __LINE__), lhs, expr)
#define BMF_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
