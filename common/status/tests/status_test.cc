#include "common/status/status.h"

#include <gtest/gtest.h>

namespace bmf {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return invalid_argument("must be positive");
  return v;
}

Result<int> doubled(int v) {
  BMF_ASSIGN_OR_RETURN(int x, parse_positive(v));
  return 2 * x;
}

Status check(int v) {
  BMF_RETURN_IF_ERROR(parse_positive(v).status());
  return ok_status();
}

}  // namespace

TEST(Result, Value_IsOkAndHoldsIt) {
  auto r = doubled(4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 8);
  EXPECT_TRUE(r.status().ok());
}

TEST(Result, Error_PropagatesCodeAndMessage) {
  auto r = doubled(-1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().to_string(), "INVALID_ARGUMENT: must be positive");
  EXPECT_EQ(check(-3).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(check(3).ok());
}

TEST(Result, BuiltFromOkStatus_BecomesInternalError) {
  Result<int> r{Status{}};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

}  // namespace bmf
