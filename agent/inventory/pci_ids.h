#pragma once
// Names for GPU/accelerator PCI ids, from a data table (data/accelerators.tsv,
// compiled in) rather than code, so adding a device is a one-line data change.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/status/status.h"

namespace bmf::agent {

struct PciName {
  std::string vendor;
  std::string device;  // empty when only the vendor is known
};

class PciIdTable {
 public:
  // Lines "vendor<TAB>device<TAB>vendor name<TAB>device name"; '#' comments.
  static Result<PciIdTable> parse(std::string_view tsv);
  static const PciIdTable& builtin();

  // Lower-case hex ids without 0x; nullopt when the vendor is not an accelerator vendor.
  std::optional<PciName> lookup(std::string_view vendor_id, std::string_view device_id) const;

 private:
  std::map<std::string, std::string, std::less<>> vendors_;
  std::map<std::pair<std::string, std::string>, std::string> devices_;
};

}  // namespace bmf::agent
