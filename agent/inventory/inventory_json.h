#pragma once
// The inventory as protobuf's canonical JSON mapping (lowerCamelCase names,
// 64-bit integers as strings, every scalar printed), written by hand because the
// agent links protobuf-lite, which has no JSON support. A coordinator-side test
// parses this output with full protobuf and compares it to the binary message.
#include <string>

#include "common/proto/inventory.pb.h"

namespace bmf::agent {

std::string inventory_to_json(const proto::Inventory& inventory, int indent = 2);
// A short human-readable report for `bmf-agent inventory -o text`.
std::string inventory_to_text(const proto::Inventory& inventory);

}  // namespace bmf::agent
