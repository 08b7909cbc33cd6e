#include "agent/identity/identity_reader.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

namespace bmf::agent {
namespace {

// Distinguishes "absent" (NOT_FOUND) from "unreadable" (PERMISSION_DENIED etc.).
Result<std::string> read_file(const std::filesystem::path& p) {
  std::error_code ec;
  if (!std::filesystem::exists(p, ec)) return not_found(fmt::format("{} does not exist", p.string()));
  std::ifstream in(p, std::ios::binary);
  if (!in) return permission_denied(fmt::format("cannot read {}", p.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Missing DMI files are normal (VMs, containers); unreadable ones (product_serial
// is root-only) are reported empty too, since the agent may run unprivileged.
std::string read_dmi(const std::filesystem::path& sysfs_root, const char* name) {
  auto v = read_file(sysfs_root / "class/dmi/id" / name);
  return v.ok() ? clean_dmi_value(*v) : std::string();
}

}  // namespace

std::string clean_dmi_value(std::string_view raw) {
  std::string v = trim(raw);
  static constexpr std::array<std::string_view, 8> kPlaceholders = {
      "to be filled by o.e.m.", "default string", "not specified", "system serial number",
      "system product name",    "none",           "o.e.m.",        "0123456789"};
  std::string l = lower(v);
  for (auto p : kPlaceholders) {
    if (l == p) return {};
  }
  return v;
}

Result<std::uint32_t> count_cpu_list(std::string_view text) {
  std::string s = trim(text);
  if (s.empty()) return invalid_argument("empty CPU list");
  std::uint32_t count = 0;
  std::string_view rest = s;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view part = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    auto dash = part.find('-');
    std::uint32_t lo = 0, hi = 0;
    auto parse = [](std::string_view t, std::uint32_t& out) {
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
      return ec == std::errc() && p == t.data() + t.size() && !t.empty();
    };
    if (dash == std::string_view::npos) {
      if (!parse(part, lo)) return invalid_argument(fmt::format("bad CPU list element '{}'", part));
      hi = lo;
    } else if (!parse(part.substr(0, dash), lo) || !parse(part.substr(dash + 1), hi) || hi < lo) {
      return invalid_argument(fmt::format("bad CPU range '{}'", part));
    }
    if (hi - lo >= 1u << 20) return invalid_argument(fmt::format("implausible CPU range '{}'", part));
    count += hi - lo + 1;
  }
  return count;
}

Result<std::uint64_t> parse_meminfo_total(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("MemTotal:", 0) != 0) continue;
    std::istringstream fields(line.substr(9));
    std::uint64_t kb = 0;
    std::string unit;
    if (!(fields >> kb >> unit) || unit != "kB") return invalid_argument("malformed MemTotal line: " + line);
    return kb * 1024;
  }
  return not_found("no MemTotal line in meminfo");
}

Result<SystemIdentity> read_identity(const std::filesystem::path& sysfs_root, LinkSource& links) {
  SystemIdentity id;
  id.system_uuid = lower(read_dmi(sysfs_root, "product_uuid"));
  id.serial = read_dmi(sysfs_root, "product_serial");
  id.vendor = read_dmi(sysfs_root, "sys_vendor");
  id.product = read_dmi(sysfs_root, "product_name");

  BMF_ASSIGN_OR_RETURN(auto all_links, links.list_links());
  for (const Link& l : all_links) {
    if (!l.ethernet || l.loopback || l.mac.empty() || l.mac == "00:00:00:00:00:00") continue;
    id.macs.push_back(l.mac);
  }
  std::sort(id.macs.begin(), id.macs.end());
  id.macs.erase(std::unique(id.macs.begin(), id.macs.end()), id.macs.end());
  id.nic_count = static_cast<std::uint32_t>(id.macs.size());

  if (auto cpus = read_file(sysfs_root / "devices/system/cpu/online"); cpus.ok()) {
    BMF_ASSIGN_OR_RETURN(id.cpu_threads, count_cpu_list(*cpus));
  }
  if (auto mem = read_file(sysfs_root.parent_path() / "proc/meminfo"); mem.ok()) {
    BMF_ASSIGN_OR_RETURN(id.memory_bytes, parse_meminfo_total(*mem));
  }
  if (id.system_uuid.empty() && id.macs.empty()) {
    return not_found(fmt::format("no system UUID under {} and no Ethernet MAC: nothing identifies this machine",
                                 sysfs_root.string()));
  }
  return id;
}

}  // namespace bmf::agent
