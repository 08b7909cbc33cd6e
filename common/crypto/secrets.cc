#include "common/crypto/secrets.h"

#include <fmt/core.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace bmf::crypto {
namespace {

std::string pbkdf2(std::string_view password, std::string_view salt, int iterations) {
  unsigned char out[32];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(), sizeof out, out);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed: no entropy");  // never continue with a predictable secret
  }
  return out;
}

}  // namespace

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string hash_password(std::string_view password, int iterations) {
  iterations = std::max(iterations, kMinPbkdf2Iterations);
  const std::string salt = random_bytes(16);
  return fmt::format("pbkdf2-sha256${}${}${}", iterations, hex(salt), hex(pbkdf2(password, salt, iterations)));
}

Result<PasswordHash> parse_password_hash(std::string_view stored) {
  auto bad = [] { return invalid_argument("password hash must be pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX"); };
  const auto d1 = stored.find('$');
  const auto d2 = d1 == std::string_view::npos ? d1 : stored.find('$', d1 + 1);
  const auto d3 = d2 == std::string_view::npos ? d2 : stored.find('$', d2 + 1);
  if (d3 == std::string_view::npos || stored.substr(0, d1) != "pbkdf2-sha256") return bad();
  const std::string_view iter = stored.substr(d1 + 1, d2 - d1 - 1);
  if (iter.empty() || iter.size() > 9 || iter.find_first_not_of("0123456789") != std::string_view::npos) return bad();
  PasswordHash out;
  out.iterations = std::stoi(std::string(iter));
  auto salt = from_hex(stored.substr(d2 + 1, d3 - d2 - 1));
  auto hash = from_hex(stored.substr(d3 + 1));
  if (!salt || !hash || salt->size() < 8 || hash->size() != 32) return bad();
  if (out.iterations < kMinPbkdf2Iterations) {
    return invalid_argument(fmt::format("{} PBKDF2 iterations is too few (at least {})", out.iterations, kMinPbkdf2Iterations));
  }
  out.salt = std::move(*salt);
  out.hash = std::move(*hash);
  return out;
}

bool verify_password(std::string_view password, const PasswordHash& stored) {
  return constant_time_equal(pbkdf2(password, stored.salt, stored.iterations), stored.hash);
}

void burn_password_check(std::string_view password) { (void)pbkdf2(password, "bmf-no-such-user", 200'000); }

std::string random_token(std::string_view prefix) { return std::string(prefix) + hex(random_bytes(32)); }

std::string sha256_hex(std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return hex(std::string_view(reinterpret_cast<char*>(out), sizeof out));
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace bmf::crypto
