#include "agent/inventory/parse.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <set>

namespace bmf::agent {
namespace {

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

bool parse_u32(std::string_view t, std::uint32_t& out) {
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  return ec == std::errc() && p == t.data() + t.size() && !t.empty();
}

// Lines of "key<tabs>: value".
template <typename F>
void for_each_field(std::string_view text, F&& f) {
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      f(std::string_view{}, std::string_view{});  // record separator
      continue;
    }
    f(std::string_view(trim(line.substr(0, colon))), line.substr(colon + 1));
  }
}

}  // namespace

Result<std::uint32_t> count_cpu_list(std::string_view text) {
  std::string s = trim(text);
  if (s.empty()) return invalid_argument("empty CPU list");
  std::uint32_t count = 0;
  std::string_view rest = s;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view part = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (comma != std::string_view::npos && rest.empty()) return invalid_argument("trailing comma in CPU list");
    auto dash = part.find('-');
    std::uint32_t lo = 0, hi = 0;
    if (dash == std::string_view::npos) {
      if (!parse_u32(part, lo)) return invalid_argument(fmt::format("bad CPU list element '{}'", part));
      hi = lo;
    } else if (!parse_u32(part.substr(0, dash), lo) || !parse_u32(part.substr(dash + 1), hi) || hi < lo) {
      return invalid_argument(fmt::format("bad CPU range '{}'", part));
    }
    if (hi - lo >= 1u << 20 || count > (1u << 24)) return invalid_argument(fmt::format("implausible CPU range '{}'", part));
    count += hi - lo + 1;
  }
  return count;
}

Result<std::uint64_t> parse_meminfo_total(std::string_view text) {
  std::optional<Result<std::uint64_t>> found;
  for_each_field(text, [&](std::string_view key, std::string_view value) {
    if (found || key != "MemTotal") return;
    std::string v = trim(value);
    auto space = v.find(' ');
    std::uint64_t kb = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + (space == std::string::npos ? v.size() : space), kb);
    if (ec != std::errc() || space == std::string::npos || v.substr(space + 1) != "kB" || kb > (1ull << 50)) {
      found = invalid_argument(fmt::format("malformed MemTotal line: '{}'", v));
    } else {
      found = kb * 1024;
    }
  });
  if (!found) return not_found("no MemTotal line in meminfo");
  return *found;
}

std::string clean_dmi_value(std::string_view raw) {
  std::string v = trim(raw);
  std::string l = v;
  for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static constexpr std::array<std::string_view, 9> kPlaceholders = {
      "to be filled by o.e.m.", "default string", "not specified", "system serial number", "system product name",
      "none", "o.e.m.", "0123456789", "not applicable"};
  for (auto p : kPlaceholders) {
    if (l == p) return {};
  }
  return v;
}

std::string chassis_type_name(std::string_view code) {
  // SMBIOS 3.x, 7.4.1 (System Enclosure or Chassis Types); bit 7 is the lock flag.
  static constexpr std::array<std::string_view, 37> kNames = {
      "", "Other", "Unknown", "Desktop", "Low Profile Desktop", "Pizza Box", "Mini Tower", "Tower", "Portable",
      "Laptop", "Notebook", "Hand Held", "Docking Station", "All in One", "Sub Notebook", "Space-saving",
      "Lunch Box", "Main Server Chassis", "Expansion Chassis", "SubChassis", "Bus Expansion Chassis",
      "Peripheral Chassis", "RAID Chassis", "Rack Mount Chassis", "Sealed-case PC", "Multi-system chassis",
      "Compact PCI", "Advanced TCA", "Blade", "Blade Enclosure", "Tablet", "Convertible", "Detachable",
      "IoT Gateway", "Embedded PC", "Mini PC", "Stick PC"};
  std::uint32_t n = 0;
  if (!parse_u32(trim(code), n)) return {};
  n &= 0x7f;
  return n < kNames.size() ? std::string(kNames[n]) : std::string();
}

CpuSummary parse_cpuinfo(std::string_view text) {
  static const std::set<std::string, std::less<>> kInteresting = {
      "avx", "avx2", "avx512f", "avx512bw", "avx512vl", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16",
      "amx_int8", "vmx", "svm", "aes", "sha_ni", "sse4_2", "ht", "pdpe1gb"};
  CpuSummary out;
  std::set<std::string> sockets;
  std::set<std::pair<std::string, std::string>> cores;
  std::string physical, core;
  bool in_processor = false;
  auto flush = [&] {
    if (!in_processor) return;
    if (!physical.empty()) sockets.insert(physical);
    if (!core.empty()) cores.insert({physical, core});
    physical.clear();
    core.clear();
    in_processor = false;
  };
  for_each_field(text, [&](std::string_view key, std::string_view value) {
    if (key.empty()) {
      flush();
      return;
    }
    if (key == "processor") {
      flush();
      in_processor = true;
      ++out.logical;
    } else if (key == "model name" && out.model.empty()) {
      out.model = trim(value);
    } else if (key == "physical id") {
      physical = trim(value);
    } else if (key == "core id") {
      core = trim(value);
    } else if ((key == "flags" || key == "Features") && out.flags_of_interest.empty()) {
      std::string v = trim(value);
      std::string_view rest = v;
      while (!rest.empty()) {
        auto sp = rest.find(' ');
        std::string_view flag = rest.substr(0, sp);
        rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
        if (kInteresting.count(flag)) out.flags_of_interest.emplace_back(flag);
      }
      std::sort(out.flags_of_interest.begin(), out.flags_of_interest.end());
    }
  });
  flush();
  out.sockets = static_cast<std::uint32_t>(sockets.size());
  out.cores = static_cast<std::uint32_t>(cores.size());
  return out;
}

namespace {

// The n-th (1-based) string of the set that follows a structure's formatted area.
std::string smbios_string(std::span<const std::uint8_t> raw, std::size_t formatted_length, std::uint8_t index) {
  if (index == 0) return {};
  std::size_t pos = formatted_length;
  for (std::uint8_t i = 1; pos < raw.size(); ++i) {
    std::size_t end = pos;
    while (end < raw.size() && raw[end] != 0) ++end;
    if (i == index) return clean_dmi_value(std::string_view(reinterpret_cast<const char*>(raw.data() + pos), end - pos));
    if (end == pos) break;  // double NUL: end of the string set
    pos = end + 1;
  }
  return {};
}

std::uint32_t le16(std::span<const std::uint8_t> r, std::size_t o) { return r[o] | (r[o + 1] << 8); }
std::uint32_t le32(std::span<const std::uint8_t> r, std::size_t o) {
  return r[o] | (r[o + 1] << 8) | (r[o + 2] << 16) | (std::uint32_t{r[o + 3]} << 24);
}

}  // namespace

Result<SmbiosMemoryDevice> parse_smbios_memory_device(std::span<const std::uint8_t> raw) {
  if (raw.size() < 0x15 || raw[0] != 17) return invalid_argument("not an SMBIOS type 17 structure");
  const std::size_t length = raw[1];
  if (length < 0x15 || length > raw.size()) return invalid_argument("SMBIOS type 17 length out of bounds");
  SmbiosMemoryDevice d;
  d.locator = smbios_string(raw, length, raw[0x10]);
  const std::uint32_t size = le16(raw, 0x0C);
  if (size == 0 || size == 0xFFFF) {
    d.size_bytes = 0;
  } else if (size == 0x7FFF) {
    if (length < 0x20) return invalid_argument("SMBIOS type 17 extended size missing");
    d.size_bytes = std::uint64_t{le32(raw, 0x1C) & 0x7FFFFFFF} << 20;
  } else if (size & 0x8000) {
    d.size_bytes = std::uint64_t{size & 0x7FFF} << 10;  // KiB units
  } else {
    d.size_bytes = std::uint64_t{size} << 20;  // MiB units
  }
  return d;
}

Result<std::optional<std::string>> parse_smbios_redfish_address(std::span<const std::uint8_t> raw) {
  if (raw.size() < 7 || raw[0] != 42) return invalid_argument("not an SMBIOS type 42 structure");
  std::size_t pos = 4;
  const std::uint8_t interface_type = raw[pos];
  const std::size_t data_len = raw[pos + 1];
  pos += 2 + data_len;
  if (interface_type != 0x40) return std::optional<std::string>{};  // not a network host interface
  if (pos >= raw.size()) return invalid_argument("SMBIOS type 42 truncated before protocol records");
  std::size_t records = raw[pos++];
  for (std::size_t i = 0; i < records; ++i) {
    if (pos + 2 > raw.size()) return invalid_argument("SMBIOS type 42 protocol record truncated");
    const std::uint8_t protocol = raw[pos];
    const std::size_t len = raw[pos + 1];
    pos += 2;
    if (pos + len > raw.size()) return invalid_argument("SMBIOS type 42 protocol data truncated");
    if (protocol == 0x04 && len >= 68) {  // Redfish over IP (DSP0270)
      auto d = raw.subspan(pos, len);
      const std::uint8_t format = d[51];
      auto ip = d.subspan(52, 16);
      if (format == 0x01) return std::optional<std::string>(fmt::format("{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3]));
      if (format == 0x02) {
        std::string s;
        for (int k = 0; k < 16; k += 2) s += fmt::format("{}{:x}", k ? ":" : "", (ip[k] << 8) | ip[k + 1]);
        return std::optional<std::string>(s);
      }
    }
    pos += len;
  }
  return std::optional<std::string>{};
}

std::uint32_t roce_active_mtu(std::uint32_t netdev_mtu) {
  // GRH 40 + UDP 8 + BTH 12 + XRC 4 + AtomicETH 28 + ICRC 4 (include/rdma/ib_verbs.h).
  constexpr std::uint32_t kOverhead = 96;
  if (netdev_mtu <= kOverhead) return 0;
  const std::uint32_t room = netdev_mtu - kOverhead;
  for (std::uint32_t mtu : {4096u, 2048u, 1024u, 512u, 256u}) {
    if (room >= mtu) return mtu;
  }
  return 0;
}

std::string strip_numeric_prefix(std::string_view text) {
  std::string t = trim(text);
  auto colon = t.find(':');
  if (colon == std::string::npos) return t;
  return trim(std::string_view(t).substr(colon + 1));
}

}  // namespace bmf::agent
