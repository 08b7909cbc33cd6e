#include "bmc-proxy/credentials/tenant_directory.h"

#include <fmt/core.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <nlohmann/json.hpp>

#include "bmc-proxy/credentials/secret_file.h"
#include "common/crypto/secrets.h"

namespace bmf::bmcproxy {

using nlohmann::json;

namespace {

// Key for the in-memory "already verified" digests; never leaves the process.
const std::array<unsigned char, 32>& process_key() {
  static const std::array<unsigned char, 32> key = [] {
    std::array<unsigned char, 32> k{};
    RAND_bytes(k.data(), static_cast<int>(k.size()));
    return k;
  }();
  return key;
}

std::array<unsigned char, 32> fast_digest(const std::string& name, const std::string& password) {
  std::string msg = name + '\0' + password;
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), process_key().data(), static_cast<int>(process_key().size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out.data(), &len);
  return out;
}

}  // namespace

Result<TenantDirectory> TenantDirectory::load(const std::string& path) {
  BMF_ASSIGN_OR_RETURN(std::string text, read_secret_file(path));
  return parse(text, path);
}

Result<TenantDirectory> TenantDirectory::parse(std::string_view text, std::string_view source) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return invalid_argument(fmt::format("{}: not valid JSON", source));
  if (!doc.is_object() || !doc.contains("principals") || !doc["principals"].is_array()) {
    return invalid_argument(fmt::format("{}: expected {{\"principals\": [...]}}", source));
  }
  TenantDirectory dir;
  std::size_t index = 0;
  for (const auto& p : doc["principals"]) {
    const std::string where = fmt::format("{}: principals[{}]", source, index++);
    if (!p.is_object()) return invalid_argument(where + ": must be an object");
    for (auto& [key, value] : p.items()) {
      if (key != "name" && key != "role" && key != "password_hash") {
        return invalid_argument(fmt::format("{}: unknown key \"{}\"", where, key));
      }
      if (!value.is_string()) return invalid_argument(fmt::format("{}: \"{}\" must be a string", where, key));
    }
    Entry e;
    e.principal.name = p.value("name", "");
    e.principal.projects = {e.principal.name};
    if (e.principal.name.empty() || e.principal.name.find(':') != std::string::npos) {
      return invalid_argument(where + ": \"name\" is required and may not contain ':'");
    }
    const std::string role = p.value("role", "tenant");
    if (role == "service") e.principal.role = Role::kService;
    else if (role != "tenant") return invalid_argument(fmt::format("{}: role must be tenant or service, got '{}'", where, role));
    auto parsed = crypto::parse_password_hash(p.value("password_hash", ""));
    if (!parsed.ok()) {
      return invalid_argument(fmt::format("{}: {} (from `bmf-bmc-proxy hash-password`)", where, parsed.status().message()));
    }
    e.iterations = parsed->iterations;
    e.salt = parsed->salt;
    e.hash = parsed->hash;
    const std::string name = e.principal.name;
    if (!dir.entries_.emplace(name, std::move(e)).second) {
      return invalid_argument(fmt::format("{}: '{}' is listed twice", where, name));
    }
  }
  return dir;
}

Result<Principal> TenantDirectory::authenticate(const std::string& name, const std::string& password, bool allow_slow_check) {
  static const Status kDenied = unauthenticated("invalid user name or password");
  static const Status kThrottled = unavailable("too many failed logins; try again later");
  auto it = entries_.find(name);
  if (it == entries_.end() && !allow_slow_check) return kThrottled;
  if (it == entries_.end()) {
    crypto::burn_password_check(password);  // similar cost for unknown names
    return kDenied;
  }
  Entry& e = it->second;
  const auto digest = fast_digest(name, password);
  if (e.verified && CRYPTO_memcmp(e.verified->data(), digest.data(), digest.size()) == 0) return e.principal;
  if (!allow_slow_check) return kThrottled;
  if (!crypto::verify_password(password, crypto::PasswordHash{e.iterations, e.salt, e.hash})) return kDenied;
  e.verified = digest;
  return e.principal;
}

}  // namespace bmf::bmcproxy
