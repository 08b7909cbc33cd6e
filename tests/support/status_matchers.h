#pragma once
// gmock matchers that print the whole Status when they fail.
#include <gmock/gmock.h>

#include "common/status/status.h"

namespace bmf::testing {

// EXPECT_THAT(result.status(), StatusIs(StatusCode::kNotFound))
MATCHER_P(StatusIs, code, "") {
  if (arg.code() == code) return true;
  *result_listener << "status is " << arg.to_string();
  return false;
}

// EXPECT_THAT(store.save(...), IsOk())
MATCHER(IsOk, "") {
  if (arg.ok()) return true;
  *result_listener << "status is " << arg.to_string();
  return false;
}

}  // namespace bmf::testing
