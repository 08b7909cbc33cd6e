#pragma once
// The one-time bootstrap every test that drives a real coordinator needs:
// `bmf-coordinator init` creates the admin and its API token in the state dir,
// and $BMF_TOKEN carries the token to every bmfctl the test runs.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <fmt/core.h>

#include "tests/support/child_process.h"

namespace bmf::testing {

// Returns the admin's API token (also exported as $BMF_TOKEN).
inline std::string init_coordinator_admin(const std::filesystem::path& state_dir, const std::string& admin = "admin") {
  const std::filesystem::path token_file = state_dir.string() + ".admin-token";
  auto [rc, out] = run_command(fmt::format("{}/coordinator/bmf-coordinator init --state-dir {} --admin {} --token-file {} 2>&1",
                                           BMF_BUILD_DIR, state_dir.string(), admin, token_file.string()));
  if (rc != 0) throw std::runtime_error("bmf-coordinator init failed: " + out);
  std::ifstream in(token_file);
  std::string token;
  std::getline(in, token);
  ::setenv("BMF_TOKEN", token.c_str(), 1);
  return token;
}

}  // namespace bmf::testing
