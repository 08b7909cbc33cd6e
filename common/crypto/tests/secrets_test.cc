#include "common/crypto/secrets.h"

#include <gtest/gtest.h>

namespace bmf::crypto {
namespace {

TEST(Secrets, PasswordHash_RoundTripsAndRejectsWrongPassword) {
  const std::string stored = hash_password("correct horse", kMinPbkdf2Iterations);
  EXPECT_EQ(stored.rfind("pbkdf2-sha256$10000$", 0), 0u) << stored;
  auto parsed = parse_password_hash(stored);
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  EXPECT_TRUE(verify_password("correct horse", *parsed));
  EXPECT_FALSE(verify_password("correct horsf", *parsed));
  EXPECT_NE(hash_password("correct horse", kMinPbkdf2Iterations), stored) << "fresh salt each time";
}

TEST(Secrets, PasswordHash_MalformedFormsAreRefusedWithAReason) {
  for (const std::string& bad : {std::string("plaintext"), std::string("md5$1$aa$bb"), std::string("pbkdf2-sha256$x$00$00"),
                                 "pbkdf2-sha256$100$00112233445566778899aabbccddeeff$" + std::string(64, 'a'),
                                 "pbkdf2-sha256$100000$zz$" + std::string(64, 'a'), std::string("pbkdf2-sha256$")}) {
    auto parsed = parse_password_hash(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(Secrets, Tokens_AreRandomPrefixedAndHashedStably) {
  const std::string a = random_token("bmf_"), b = random_token("bmf_");
  EXPECT_EQ(a.size(), 4u + 64u);
  EXPECT_NE(a, b);
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(constant_time_equal("same", "same"));
  EXPECT_FALSE(constant_time_equal("same", "sam"));
  EXPECT_EQ(from_hex(hex("\x01\xff")), std::string("\x01\xff"));
  EXPECT_FALSE(from_hex("0g").has_value());
}

}  // namespace
}  // namespace bmf::crypto
