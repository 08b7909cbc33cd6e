// libFuzzer target: arbitrary bytes as the content of each /proc, /sys and SMBIOS file the agent parses.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "agent/inventory/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::span<const std::uint8_t> bytes(data, size);
  (void)bmf::agent::count_cpu_list(text);
  (void)bmf::agent::parse_meminfo_total(text);
  (void)bmf::agent::clean_dmi_value(text);
  (void)bmf::agent::chassis_type_name(text);
  (void)bmf::agent::strip_numeric_prefix(text);
  auto cpu = bmf::agent::parse_cpuinfo(text);
  if (cpu.cores > cpu.logical && cpu.logical > 0) __builtin_trap();  // more cores than processor entries
  (void)bmf::agent::parse_smbios_memory_device(bytes);
  (void)bmf::agent::parse_smbios_redfish_address(bytes);
  return 0;
}
