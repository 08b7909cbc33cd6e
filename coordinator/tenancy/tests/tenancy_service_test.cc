#include "coordinator/tenancy/tenancy_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "coordinator/store/sqlite_store.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace bmf::coordinator {
namespace {

using bmf::testing::StatusIs;

class TenancyServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(SqliteStore::open(dir_.path()).value());
    service_ = std::make_unique<TenancyService>(*store_, clock_, TenancyConfig{.session_ttl_ms = 60'000,
                                                                              .password_iterations = 10'000});
    auto boot = service_->bootstrap_admin("root");
    ASSERT_TRUE(boot.ok()) << boot.status().to_string();
    admin_token_ = boot->secret;
    admin_ = *service_->authenticate_token(admin_token_);
  }

  testing::TempDir dir_;
  ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<TenancyService> service_;
  std::string admin_token_;
  Principal admin_;
};

TEST_F(TenancyServiceTest, Bootstrap_OnlyOnceAndGivesAWorkingAdminToken) {
  EXPECT_TRUE(admin_.admin());
  EXPECT_EQ(admin_.name, "root");
  EXPECT_THAT(service_->bootstrap_admin("root2").status(), StatusIs(StatusCode::kFailedPrecondition));
}

TEST_F(TenancyServiceTest, Tokens_ExpireAndRevokeAndAreNeverStoredInClear) {
  ASSERT_TRUE(service_->add_user(admin_, "alice", UserRole::kMember, "").ok());
  auto forever = service_->create_token(admin_, "alice", "ci", 0);
  auto brief = service_->create_token(admin_, "alice", "", clock_.now_ms() + 1000);
  ASSERT_TRUE(forever.ok() && brief.ok());
  EXPECT_EQ(service_->authenticate_token(forever->secret)->name, "alice");
  EXPECT_EQ(service_->authenticate_token(brief->secret)->name, "alice");
  for (const auto& t : *store_->list_tokens(forever->record.user_id)) EXPECT_NE(t.sha256, forever->secret);

  clock_.advance_ms(1000);
  EXPECT_THAT(service_->authenticate_token(brief->secret).status(), StatusIs(StatusCode::kUnauthenticated));
  EXPECT_TRUE(service_->authenticate_token(forever->secret).ok());

  auto alice = *service_->authenticate_token(forever->secret);
  ASSERT_TRUE(service_->revoke_token(alice, forever->record.id).ok());
  EXPECT_THAT(service_->authenticate_token(forever->secret).status(), StatusIs(StatusCode::kUnauthenticated));
  EXPECT_THAT(service_->authenticate_token("bmf_" + std::string(64, '0')).status(), StatusIs(StatusCode::kUnauthenticated));
  EXPECT_THAT(service_->authenticate_token("garbage").status(), StatusIs(StatusCode::kUnauthenticated));
}

TEST_F(TenancyServiceTest, Tokens_AMemberCannotMakeOrRevokeSomeoneElses) {
  ASSERT_TRUE(service_->add_user(admin_, "alice", UserRole::kMember, "").ok());
  ASSERT_TRUE(service_->add_user(admin_, "bob", UserRole::kMember, "").ok());
  auto alice = *service_->authenticate_token(service_->create_token(admin_, "alice", "", 0)->secret);
  auto bob_token = service_->create_token(admin_, "bob", "", 0);
  EXPECT_THAT(service_->create_token(alice, "bob", "", 0).status(), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(service_->revoke_token(alice, bob_token->record.id), StatusIs(StatusCode::kNotFound));
  EXPECT_TRUE(service_->authenticate_token(bob_token->secret).ok());
  EXPECT_THAT(service_->create_token(alice, "", "", clock_.now_ms() - 1).status(), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(TenancyServiceTest, Login_SessionExpiresAndWrongPasswordIsOneMessage) {
  ASSERT_TRUE(service_->add_user(admin_, "alice", UserRole::kMember, "s3cret-pass").ok());
  auto session = service_->login("alice", "s3cret-pass");
  ASSERT_TRUE(session.ok()) << session.status().to_string();
  EXPECT_EQ(session->secret.rfind("bmfs_", 0), 0u);
  EXPECT_TRUE(service_->authenticate_token(session->secret).ok());
  auto wrong = service_->login("alice", "nope-nope");
  auto nobody = service_->login("mallory", "nope-nope");
  EXPECT_THAT(wrong.status(), StatusIs(StatusCode::kUnauthenticated));
  EXPECT_EQ(wrong.status().message(), nobody.status().message());
  clock_.advance_ms(60'000);
  EXPECT_THAT(service_->authenticate_token(session->secret).status(), StatusIs(StatusCode::kUnauthenticated));
  EXPECT_THAT(service_->add_user(admin_, "short", UserRole::kMember, "1234567").status(),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(TenancyServiceTest, Secret_TokenWorksOnlyWithItsOwnUserName) {
  ASSERT_TRUE(service_->add_user(admin_, "alice", UserRole::kMember, "alice-password").ok());
  ASSERT_TRUE(service_->add_user(admin_, "bob", UserRole::kMember, "").ok());
  auto token = service_->create_token(admin_, "alice", "", 0);
  EXPECT_TRUE(service_->authenticate_secret("alice", token->secret).ok());
  EXPECT_TRUE(service_->authenticate_secret("alice", "alice-password").ok());
  EXPECT_THAT(service_->authenticate_secret("bob", token->secret).status(), StatusIs(StatusCode::kUnauthenticated));
  EXPECT_THAT(service_->authenticate_secret("bob", "").status(), StatusIs(StatusCode::kUnauthenticated));
}

TEST_F(TenancyServiceTest, Membership_ShowsInThePrincipalAndRemovalBumpsTheAccessRevision) {
  ASSERT_TRUE(service_->add_user(admin_, "alice", UserRole::kMember, "").ok());
  ASSERT_TRUE(service_->add_project(admin_, "team-a", 2, 1).ok());
  ASSERT_TRUE(service_->add_member(admin_, "alice", "team-a").ok());
  auto token = service_->create_token(admin_, "alice", "", 0);
  EXPECT_TRUE(service_->authenticate_token(token->secret)->member_of("team-a"));
  const auto before = *store_->access_revision();
  ASSERT_TRUE(service_->remove_member(admin_, "alice", "team-a").ok());
  EXPECT_GT(*store_->access_revision(), before);
  EXPECT_FALSE(service_->authenticate_token(token->secret)->member_of("team-a"));
  EXPECT_THAT(service_->add_member(admin_, "alice", "nope"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(service_->add_project(admin_, "Team A", -1, -1).status(), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(service_->add_project(admin_, "team-a", -1, -1).status(), StatusIs(StatusCode::kAlreadyExists));
}

TEST_F(TenancyServiceTest, RemovedUser_TokensStopWorking) {
  ASSERT_TRUE(service_->add_user(admin_, "alice", UserRole::kMember, "").ok());
  auto token = service_->create_token(admin_, "alice", "", 0);
  ASSERT_TRUE(service_->remove_user(admin_, "alice").ok());
  EXPECT_THAT(service_->authenticate_token(token->secret).status(), StatusIs(StatusCode::kUnauthenticated));
  EXPECT_THAT(service_->remove_user(admin_, "root"), StatusIs(StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace bmf::coordinator
