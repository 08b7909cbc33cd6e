#pragma once
// Secrets at rest: salted PBKDF2-HMAC-SHA256 password hashes
// ("pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>"), high-entropy random
// tokens (stored as their SHA-256 only: a token is 256 random bits, so a fast
// hash is enough and lookups stay indexed), and constant-time comparison.
// Shared by the coordinator's users/tokens and bmf-bmc-proxy's break-glass file.
#include <optional>
#include <string>
#include <string_view>

#include "common/status/status.h"

namespace bmf::crypto {

inline constexpr int kMinPbkdf2Iterations = 10'000;

std::string hex(std::string_view bytes);
std::optional<std::string> from_hex(std::string_view hex);

// A fresh random salt; `iterations` at least kMinPbkdf2Iterations.
std::string hash_password(std::string_view password, int iterations = 200'000);

struct PasswordHash {
  int iterations = 0;
  std::string salt;  // raw bytes
  std::string hash;  // raw 32 bytes
};
// INVALID_ARGUMENT naming what is wrong with the stored form.
Result<PasswordHash> parse_password_hash(std::string_view stored);
// PBKDF2 of `password` with the stored salt and iterations, compared in constant time.
bool verify_password(std::string_view password, const PasswordHash& stored);
// Spends about as long as a real check (for unknown user names).
void burn_password_check(std::string_view password);

// `prefix` + 64 hex characters of fresh randomness (32 bytes).
std::string random_token(std::string_view prefix);
// Lower-case hex SHA-256.
std::string sha256_hex(std::string_view data);
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace bmf::crypto
