#pragma once
// TenantDirectory: who may call the proxy. Each tenant (a coordinator project)
// and the coordinator's service account have a password stored only as a salted
// PBKDF2-HMAC-SHA256 hash:
//   {"principals": [{"name": "team-a", "role": "tenant", "password_hash": "pbkdf2-sha256$..."},
//                   {"name": "coordinator", "role": "service", "password_hash": "..."}]}
// `bmf-bmc-proxy hash-password` prints a hash. A tenant reaches the nodes its
// project leases; the service role reaches every node the proxy knows.
#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/secrets.h"
#include "common/status/status.h"

namespace bmf::bmcproxy {

enum class Role { kTenant, kService };

struct Principal {
  std::string name;
  Role role = Role::kTenant;
  // The projects whose leased nodes a tenant reaches. A file tenant is its own project;
  // a bmf user (from_coordinator) has the projects the coordinator names.
  std::vector<std::string> projects;
  bool from_coordinator = false;
  bool member_of(std::string_view project) const {
    for (const auto& p : projects) {
      if (p == project) return true;
    }
    return false;
  }
};

// "pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>" with a fresh random salt.
using crypto::hash_password;

class TenantDirectory {
 public:
  static Result<TenantDirectory> load(const std::string& path);
  static Result<TenantDirectory> parse(std::string_view json_text, std::string_view source);

  // UNAUTHENTICATED (one message for unknown name and wrong password). With
  // `allow_slow_check` false only an already verified password is accepted
  // (UNAVAILABLE otherwise): the throttled path costs no PBKDF2.
  Result<Principal> authenticate(const std::string& name, const std::string& password, bool allow_slow_check = true);
  std::size_t size() const { return entries_.size(); }
  bool contains(std::string_view name) const { return entries_.find(name) != entries_.end(); }

 private:
  struct Entry {
    Principal principal;
    int iterations = 0;
    std::string salt;
    std::string hash;
    // After one slow PBKDF2 check succeeds, a fast keyed digest of the password
    // answers the next Basic-auth requests (each carries the password again).
    std::optional<std::array<unsigned char, 32>> verified;
  };
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace bmf::bmcproxy
