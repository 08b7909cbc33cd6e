#pragma once
// Reads a file that holds secrets, refusing it when group or others may read
// or write it (the BMC proxy is the only holder of real BMC credentials).
#include <string>

#include "common/status/status.h"

namespace bmf::bmcproxy {

Result<std::string> read_secret_file(const std::string& path);

}  // namespace bmf::bmcproxy
