#pragma once
// The agent's view of who this machine is: DMI identity from sysfs, MACs of its
// Ethernet links, and an inventory summary. Every path is under a root passed
// in, so tests run against fixture trees (tests/fixtures/<machine>/sys).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "agent/identity/link_source.h"
#include "common/status/status.h"

namespace bmf::agent {

struct SystemIdentity {
  std::string system_uuid;
  std::string serial;
  std::string vendor;
  std::string product;
  std::vector<std::string> macs;  // sorted, Ethernet links only, no zero MACs
  std::uint32_t cpu_threads = 0;
  std::uint64_t memory_bytes = 0;
  std::uint32_t nic_count = 0;
};

// sysfs_root is ".../sys"; /proc is read from its sibling ".../proc".
Result<SystemIdentity> read_identity(const std::filesystem::path& sysfs_root, LinkSource& links);

// Pure parsers (text in, value out).
// "0-3,8-11\n" -> 8
Result<std::uint32_t> count_cpu_list(std::string_view text);
// /proc/meminfo text -> MemTotal in bytes
Result<std::uint64_t> parse_meminfo_total(std::string_view text);
// Trims whitespace; DMI placeholder strings ("To Be Filled By O.E.M.", "Default string", ...) become "".
std::string clean_dmi_value(std::string_view raw);

}  // namespace bmf::agent
