#pragma once
// LoginThrottle: a password check costs a deliberate fraction of a second of
// PBKDF2 on the proxy's single thread, so a client address that keeps failing
// is refused without a check until its window passes. Passwords already
// verified (the tenant's own, cached) still work from that address.
#include <chrono>
#include <map>
#include <string>

namespace bmf::bmcproxy {

class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LoginThrottle(int max_failures = 5, std::chrono::seconds window = std::chrono::seconds(30))
      : max_failures_(max_failures), window_(window) {}

  bool blocked(const std::string& peer, Clock::time_point now = Clock::now());
  void failed(const std::string& peer, Clock::time_point now = Clock::now());

 private:
  struct Streak {
    int count = 0;
    Clock::time_point since;
  };
  int max_failures_;
  std::chrono::seconds window_;
  std::map<std::string, Streak> failures_;
};

}  // namespace bmf::bmcproxy
