#include "bmc-proxy/credentials/tenant_directory.h"

#include <fmt/core.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <nlohmann/json.hpp>

#include "bmc-proxy/credentials/secret_file.h"

namespace bmf::bmcproxy {

using nlohmann::json;

namespace {

constexpr int kMinIterations = 10'000;

std::string to_hex(const unsigned char* data, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += fmt::format("{:02x}", data[i]);
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string pbkdf2(std::string_view password, std::string_view salt, int iterations) {
  unsigned char out[32];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(), sizeof out, out);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

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

std::string hash_password(std::string_view password, int iterations) {
  unsigned char salt[16];
  RAND_bytes(salt, sizeof salt);
  std::string salt_s(reinterpret_cast<char*>(salt), sizeof salt);
  std::string hash = pbkdf2(password, salt_s, iterations);
  return fmt::format("pbkdf2-sha256${}${}${}", iterations, to_hex(salt, sizeof salt),
                     to_hex(reinterpret_cast<const unsigned char*>(hash.data()), hash.size()));
}

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
    if (e.principal.name.empty() || e.principal.name.find(':') != std::string::npos) {
      return invalid_argument(where + ": \"name\" is required and may not contain ':'");
    }
    const std::string role = p.value("role", "tenant");
    if (role == "service") e.principal.role = Role::kService;
    else if (role != "tenant") return invalid_argument(fmt::format("{}: role must be tenant or service, got '{}'", where, role));
    // pbkdf2-sha256$ITER$SALT$HASH
    const std::string stored = p.value("password_hash", "");
    const auto d1 = stored.find('$'), d2 = stored.find('$', d1 + 1), d3 = stored.find('$', d2 + 1);
    auto bad = [&] { return invalid_argument(where + ": password_hash must be pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX "
                                                     "(from `bmf-bmc-proxy hash-password`)"); };
    if (d1 == std::string::npos || d2 == std::string::npos || d3 == std::string::npos || stored.substr(0, d1) != "pbkdf2-sha256") {
      return bad();
    }
    const std::string iter = stored.substr(d1 + 1, d2 - d1 - 1);
    if (iter.empty() || iter.size() > 9 || iter.find_first_not_of("0123456789") != std::string::npos) return bad();
    e.iterations = std::stoi(iter);
    auto salt = from_hex(stored.substr(d2 + 1, d3 - d2 - 1));
    auto hash = from_hex(stored.substr(d3 + 1));
    if (!salt || !hash || salt->size() < 8 || hash->size() != 32) return bad();
    if (e.iterations < kMinIterations) {
      return invalid_argument(fmt::format("{}: {} PBKDF2 iterations is too few (at least {})", where, e.iterations, kMinIterations));
    }
    e.salt = *salt;
    e.hash = *hash;
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
    (void)pbkdf2(password, "bmf-no-such-user", kMinIterations);  // similar cost for unknown names
    return kDenied;
  }
  Entry& e = it->second;
  const auto digest = fast_digest(name, password);
  if (e.verified && CRYPTO_memcmp(e.verified->data(), digest.data(), digest.size()) == 0) return e.principal;
  if (!allow_slow_check) return kThrottled;
  const std::string computed = pbkdf2(password, e.salt, e.iterations);
  if (CRYPTO_memcmp(computed.data(), e.hash.data(), e.hash.size()) != 0) return kDenied;
  e.verified = digest;
  return e.principal;
}

}  // namespace bmf::bmcproxy
