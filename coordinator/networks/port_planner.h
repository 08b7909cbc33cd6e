#pragma once
// PortPlanner: the pure half of a network operation. Given the NICs whose
// attachments change (with their switch ports and new attachments) and the
// switches' current desired port rows, it computes per switch the one change set
// to send (ports, VLANs to create, VLANs no port needs any more) and the port
// rows to store once the switches have confirmed. No I/O, tested directly.
#include <map>
#include <string>
#include <vector>

#include "common/status/status.h"
#include "coordinator/store/records.h"
#include "netconf/drivers/switch_driver.h"

namespace bmf::coordinator {

struct NicChange {
  std::uint64_t node_id = 0;
  std::string nic;
  std::string switch_name;
  std::string port;
  std::vector<AttachmentRecord> after;  // the NIC's attachments once the operation is done
};

struct SwitchWork {
  SwitchRecord sw;
  netconf::ChangeSet changes;
};

struct PortPlan {
  std::vector<SwitchWork> switches;        // only switches with something to send
  std::vector<SwitchPortRecord> port_rows;  // desired rows afterwards (for the Store)
};

// The port configuration a NIC's attachments call for: no network -> the switch's
// provisioning (parking) VLAN, or shut down if it has none; one untagged -> access;
// tagged ones -> trunk with the untagged one as native.
Result<SwitchPortRecord> port_row_for(const SwitchRecord& sw, const std::string& port,
                                      const std::vector<AttachmentRecord>& attachments,
                                      const std::map<std::uint64_t, NetworkRecord>& networks);

netconf::PortConfig to_port_config(const SwitchPortRecord& row);

Result<PortPlan> plan_ports(const std::vector<NicChange>& nics, const std::map<std::string, SwitchRecord>& switches,
                            const std::map<std::string, std::vector<SwitchPortRecord>>& current_rows,
                            const std::map<std::uint64_t, NetworkRecord>& networks);

}  // namespace bmf::coordinator
