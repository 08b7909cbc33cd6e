#include "agent/inventory/pci_ids.h"

#include <fmt/core.h>

#include <stdexcept>

namespace bmf::agent {

extern const char kAcceleratorsTsv[];  // generated from data/accelerators.tsv

Result<PciIdTable> PciIdTable::parse(std::string_view tsv) {
  PciIdTable t;
  int line_no = 0;
  while (!tsv.empty()) {
    auto nl = tsv.find('\n');
    std::string_view line = tsv.substr(0, nl);
    tsv = nl == std::string_view::npos ? std::string_view{} : tsv.substr(nl + 1);
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::string_view f[4];
    for (int i = 0; i < 4; ++i) {
      auto tab = line.find('\t');
      if (tab == std::string_view::npos && i < 3) {
        return invalid_argument(fmt::format("pci id table line {}: expected 4 tab-separated fields", line_no));
      }
      f[i] = line.substr(0, tab);
      line = tab == std::string_view::npos ? std::string_view{} : line.substr(tab + 1);
    }
    if (f[0].size() != 4) return invalid_argument(fmt::format("pci id table line {}: bad vendor id", line_no));
    if (f[1] == "*") {
      t.vendors_[std::string(f[0])] = std::string(f[2]);
    } else {
      t.devices_[{std::string(f[0]), std::string(f[1])}] = std::string(f[3]);
    }
  }
  return t;
}

const PciIdTable& PciIdTable::builtin() {
  static const PciIdTable table = [] {
    auto t = parse(kAcceleratorsTsv);
    if (!t.ok()) throw std::logic_error("built-in accelerator table is malformed: " + t.status().message());
    return std::move(t).value();
  }();
  return table;
}

std::optional<PciName> PciIdTable::lookup(std::string_view vendor_id, std::string_view device_id) const {
  auto v = vendors_.find(vendor_id);
  if (v == vendors_.end()) return std::nullopt;
  PciName name{v->second, {}};
  auto d = devices_.find({std::string(vendor_id), std::string(device_id)});
  if (d != devices_.end()) name.device = d->second;
  return name;
}

}  // namespace bmf::agent
