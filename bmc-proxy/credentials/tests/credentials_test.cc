#include <fmt/core.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "bmc-proxy/credentials/bmc_directory.h"
#include "bmc-proxy/credentials/secret_file.h"
#include "bmc-proxy/credentials/tenant_directory.h"
#include "tests/support/temp_dir.h"

namespace bmf::bmcproxy {
namespace {

std::string write(const std::filesystem::path& p, const std::string& text, mode_t mode) {
  std::ofstream(p) << text;
  ::chmod(p.c_str(), mode);
  return p.string();
}

TEST(SecretFile, RefusesFilesOthersCanRead) {
  testing::TempDir dir;
  auto open_file = write(dir.path() / "bmcs.json", "{}", 0644);
  auto r = read_secret_file(open_file);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("chmod 600"), std::string::npos) << r.status().message();
  auto closed = write(dir.path() / "ok.json", "{}", 0600);
  EXPECT_EQ(*read_secret_file(closed), "{}");
  EXPECT_EQ(read_secret_file((dir.path() / "missing").string()).status().code(), StatusCode::kNotFound);
}

TEST(BmcDirectory, ParsesEntriesAndNamesTheBadField) {
  auto dir = BmcDirectory::parse(R"({"bmcs": [
      {"node_id": 3, "url": "https://10.0.0.3/", "username": "root", "password": "pw"},
      {"node_id": 4, "url": "http://127.0.0.1:9000", "username": "admin", "password": "x", "verify_tls": false,
       "system_path": "/redfish/v1/Systems/System.Embedded.1"}]})", "bmcs.json");
  ASSERT_TRUE(dir.ok()) << dir.status().to_string();
  ASSERT_NE(dir->find(3), nullptr);
  EXPECT_EQ(dir->find(3)->base_url, "https://10.0.0.3");
  EXPECT_TRUE(dir->find(3)->verify_tls);
  EXPECT_EQ(dir->find(4)->system_path, "/redfish/v1/Systems/System.Embedded.1");
  EXPECT_EQ(dir->find(5), nullptr);

  struct Case { const char* json; const char* expect; };
  for (const Case& c : {Case{"{", "not valid JSON"},
                        Case{R"({"bmc": []})", "expected"},
                        Case{R"({"bmcs": [{"node_id": 0, "url": "https://a", "username": "u", "password": "p"}]})", "node_id"},
                        Case{R"({"bmcs": [{"node_id": 1, "url": "ftp://a", "username": "u", "password": "p"}]})", "https://"},
                        Case{R"({"bmcs": [{"node_id": 1, "url": "https://a", "username": "u"}]})", "\"password\" is required"},
                        Case{R"({"bmcs": [{"node_id": 1, "url": "https://a", "username": "u", "password": "p", "pasword": 1}]})", "unknown key \"pasword\""},
                        Case{R"({"bmcs": [{"node_id": 1, "url": "https://a", "username": "u", "password": "p", "verify_tls": "no"}]})", "verify_tls"},
                        Case{R"({"bmcs": [{"node_id": 1, "url": "https://a", "username": "u", "password": "p"},
                                          {"node_id": 1, "url": "https://b", "username": "u", "password": "p"}]})", "listed twice"}}) {
    auto bad = BmcDirectory::parse(c.json, "bmcs.json");
    ASSERT_FALSE(bad.ok()) << c.json;
    EXPECT_NE(bad.status().message().find(c.expect), std::string::npos) << bad.status().message();
    EXPECT_EQ(bad.status().message().rfind("bmcs.json", 0), 0u) << "errors name the file";
  }
}

TEST(TenantDirectory, HashedPasswordsAuthenticate) {
  const std::string hash = hash_password("alpha-secret", 10'000);
  EXPECT_EQ(hash.rfind("pbkdf2-sha256$10000$", 0), 0u);
  EXPECT_EQ(hash.find("alpha-secret"), std::string::npos);
  EXPECT_NE(hash, hash_password("alpha-secret", 10'000)) << "salted";
  auto dir = TenantDirectory::parse(fmt::format(R"({{"principals": [
      {{"name": "team-a", "password_hash": "{}"}},
      {{"name": "coordinator", "role": "service", "password_hash": "{}"}}]}})",
                                                hash, hash_password("svc", 10'000)),
                                    "tenants.json");
  ASSERT_TRUE(dir.ok()) << dir.status().to_string();
  auto a = dir->authenticate("team-a", "alpha-secret");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->role, Role::kTenant);
  EXPECT_TRUE(dir->authenticate("team-a", "alpha-secret").ok()) << "second time from the verified cache";
  EXPECT_EQ(dir->authenticate("team-a", "alpha-secreT").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(dir->authenticate("nobody", "alpha-secret").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(dir->authenticate("team-a", "").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(dir->authenticate("coordinator", "svc")->role, Role::kService);
}

TEST(TenantDirectory, RejectsWeakOrMalformedHashes) {
  for (const std::string& h : std::vector<std::string>{"plaintext", "pbkdf2-sha256$100$00112233445566778899aabbccddeeff$" + std::string(64, 'a'),
                        "pbkdf2-sha256$100000$zz$" + std::string(64, 'a'), "md5$1$aa$bb"}) {
    auto dir = TenantDirectory::parse(fmt::format(R"({{"principals": [{{"name": "t", "password_hash": "{}"}}]}})", h), "t.json");
    EXPECT_FALSE(dir.ok()) << h;
  }
  EXPECT_FALSE(TenantDirectory::parse(R"({"principals": [{"name": "t", "role": "admin", "password_hash": "x"}]})", "t").ok());
}

}  // namespace
}  // namespace bmf::bmcproxy
