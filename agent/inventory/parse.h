#pragma once
// Pure parsers for the text and binary formats the kernel and firmware expose.
// No I/O here: each takes the file's content, so each is unit-tested and fuzzed
// directly (agent/inventory/fuzz/).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status/status.h"

namespace bmf::agent {

// "0-3,8-11\n" -> 8 (the kernel's cpulist format, also used for NUMA nodes).
Result<std::uint32_t> count_cpu_list(std::string_view text);
// /proc/meminfo -> MemTotal in bytes.
Result<std::uint64_t> parse_meminfo_total(std::string_view text);
// Trimmed; DMI placeholder strings ("To Be Filled By O.E.M.", "Default string", ...) become "".
std::string clean_dmi_value(std::string_view raw);
// SMBIOS chassis type code (decimal text from chassis_type) -> name, "" when unknown.
std::string chassis_type_name(std::string_view code);

struct CpuSummary {
  std::string model;
  std::uint32_t sockets = 0;
  std::uint32_t cores = 0;    // distinct (physical id, core id)
  std::uint32_t logical = 0;  // processor entries
  std::vector<std::string> flags_of_interest;
};
// /proc/cpuinfo (x86 layout; other architectures give what they have).
CpuSummary parse_cpuinfo(std::string_view text);

struct SmbiosMemoryDevice {
  std::string locator;
  std::uint64_t size_bytes = 0;  // 0: slot empty or size unknown
};
// One raw SMBIOS type 17 structure (/sys/firmware/dmi/entries/17-N/raw).
Result<SmbiosMemoryDevice> parse_smbios_memory_device(std::span<const std::uint8_t> raw);

// One raw SMBIOS type 42 structure: the Redfish-over-IP service address, if any.
Result<std::optional<std::string>> parse_smbios_redfish_address(std::span<const std::uint8_t> raw);

// RoCE active MTU for a netdev MTU, as the kernel's iboe_get_mtu() computes it.
std::uint32_t roce_active_mtu(std::uint32_t netdev_mtu);

// "4: ACTIVE" -> "ACTIVE"
std::string strip_numeric_prefix(std::string_view text);

}  // namespace bmf::agent
