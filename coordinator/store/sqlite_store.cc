#include "coordinator/store/sqlite_store.h"

#include <fmt/core.h>

#include <algorithm>
#include <system_error>

namespace bmf::coordinator {
namespace {

constexpr std::string_view kNodeColumns =
    "id, system_uuid, serial, vendor, product, bmc_address, hostname, inventory, state, agent_version, "
    "secret_sha256, registered_at, last_seen, registrations, peer_address, hardware, state_reason, state_changed_at, "
    "power_state, power_changed_at, hardware_rev";
// What the loops that run every second need (Store::list_nodes_brief), covered by the index
// nodes_brief (migration 0014).
constexpr std::string_view kNodeBriefColumns = "id, state, power_state, power_changed_at, hardware_rev";

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::filesystem::path& state_dir,
                                                       const std::vector<sqlite::Migration>& migrations) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) return unavailable(fmt::format("cannot create state dir {}: {}", state_dir.string(), ec.message()));
  BMF_ASSIGN_OR_RETURN(auto conn, sqlite::Connection::open(state_dir / "bmf.db"));
  BMF_RETURN_IF_ERROR(conn->migrate(migrations));
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(conn)));
}

Result<std::vector<std::uint64_t>> SqliteStore::find_nodes_by_identity(const std::string& system_uuid,
                                                                       const std::vector<std::string>& macs) {
  std::vector<std::uint64_t> ids;
  auto add = [&](std::uint64_t id) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  if (!system_uuid.empty()) {
    BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT id FROM nodes WHERE system_uuid = ? AND system_uuid <> ''"));
    st->bind(1, system_uuid);
    for (;;) {
      BMF_ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      add(static_cast<std::uint64_t>(st->column_int(0)));
    }
  }
  std::vector<std::uint64_t> by_mac;
  for (const std::string& mac : macs) {
    BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT node_id FROM node_macs WHERE mac = ?"));
    st->bind(1, mac);
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (row) by_mac.push_back(static_cast<std::uint64_t>(st->column_int(0)));
  }
  std::sort(by_mac.begin(), by_mac.end());
  for (auto id : by_mac) add(id);
  return ids;
}

Result<std::vector<std::string>> SqliteStore::macs_of(std::uint64_t id) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT mac FROM node_macs WHERE node_id = ? ORDER BY mac"));
  st->bind(1, static_cast<std::int64_t>(id));
  std::vector<std::string> macs;
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    macs.push_back(st->column_text(0));
  }
  return macs;
}

Result<NodeRecord> SqliteStore::read_node_row(sqlite::Statement& st) {
  NodeRecord n;
  n.id = static_cast<std::uint64_t>(st.column_int(0));
  n.system_uuid = st.column_text(1);
  n.serial = st.column_text(2);
  n.vendor = st.column_text(3);
  n.product = st.column_text(4);
  n.bmc_address = st.column_text(5);
  n.hostname = st.column_text(6);
  n.inventory_json = st.column_text(7);
  std::string state = st.column_text(8);
  auto parsed = node_state_from_string(state);
  if (!parsed) return data_loss(fmt::format("node {} has unknown state '{}' in the database", n.id, state));
  n.state = *parsed;
  n.agent_version = st.column_text(9);
  n.secret_sha256 = st.column_text(10);
  n.registered_at_ms = st.column_int(11);
  n.last_seen_ms = st.column_int(12);
  n.registrations = static_cast<std::uint32_t>(st.column_int(13));
  n.peer_address = st.column_text(14);
  n.hardware_json = st.column_text(15);
  n.state_reason = st.column_text(16);
  n.state_changed_at_ms = st.column_int(17);
  n.power_state = power_state_from_string(st.column_text(18)).value_or(PowerState::kUnknown);
  n.power_changed_at_ms = st.column_int(19);
  n.hardware_rev = static_cast<std::uint64_t>(st.column_int(20));
  return n;
}

Result<NodeRecord> SqliteStore::get_node(std::uint64_t id) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM nodes WHERE id = ?", kNodeColumns)));
  st->bind(1, static_cast<std::int64_t>(id));
  BMF_ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return not_found(fmt::format("node {} does not exist", id));
  BMF_ASSIGN_OR_RETURN(NodeRecord n, read_node_row(*st));
  BMF_ASSIGN_OR_RETURN(n.macs, macs_of(id));
  return n;
}

Result<std::vector<NodeRecord>> SqliteStore::list_nodes() {
  std::vector<NodeRecord> nodes;
  {
    BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM nodes ORDER BY id", kNodeColumns)));
    for (;;) {
      BMF_ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      BMF_ASSIGN_OR_RETURN(NodeRecord n, read_node_row(*st));
      nodes.push_back(std::move(n));
    }
  }
  // One pass over node_macs instead of a query per node.
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT node_id, mac FROM node_macs ORDER BY node_id, mac"));
  std::size_t i = 0;
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    auto id = static_cast<std::uint64_t>(st->column_int(0));
    while (i < nodes.size() && nodes[i].id < id) ++i;
    if (i < nodes.size() && nodes[i].id == id) nodes[i].macs.push_back(st->column_text(1));
  }
  return nodes;
}

Result<NodeBriefs> SqliteStore::list_nodes_brief() {
  std::int64_t generation = -1;
  {
    BMF_ASSIGN_OR_RETURN(auto gen, conn_->prepare("SELECT gen FROM nodes_generation"));
    BMF_ASSIGN_OR_RETURN(bool row, gen->step());
    if (!row) return data_loss("the nodes_generation row is missing");
    generation = gen->column_int(0);
  }
  // Inside a transaction the generation counts its own writes too: the same number means none
  // of them touched a brief column. Rows read inside one are not kept (it may roll back).
  if (briefs_ && generation == briefs_generation_) return briefs_;
  auto nodes = std::make_shared<std::vector<NodeRecord>>();
  nodes->reserve(briefs_ ? briefs_->size() + 16 : 0);
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM nodes INDEXED BY nodes_brief ORDER BY id", kNodeBriefColumns)));
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    NodeRecord n;
    n.id = static_cast<std::uint64_t>(st->column_int(0));
    std::string state = st->column_text(1);
    auto parsed = node_state_from_string(state);
    if (!parsed) return data_loss(fmt::format("node {} has unknown state '{}' in the database", n.id, state));
    n.state = *parsed;
    n.power_state = power_state_from_string(st->column_text(2)).value_or(PowerState::kUnknown);
    n.power_changed_at_ms = st->column_int(3);
    n.hardware_rev = static_cast<std::uint64_t>(st->column_int(4));
    n.inventory_json.clear();
    n.hardware_json.clear();
    nodes->push_back(std::move(n));
  }
  if (!conn_->in_transaction()) {
    briefs_ = nodes;
    briefs_generation_ = generation;
  }
  return NodeBriefs(std::move(nodes));
}

Status SqliteStore::begin_batch() {
  if (conn_->in_transaction()) return failed_precondition("a batch or transaction is already open");
  return conn_->exec("BEGIN IMMEDIATE");
}

Status SqliteStore::commit_batch() {
  if (!conn_->in_transaction()) return failed_precondition("no batch is open");
  Status s = conn_->exec("COMMIT");
  if (!s.ok()) (void)conn_->exec("ROLLBACK");
  return s;
}

Status SqliteStore::insert_event(EventRecord& e) {
  BMF_ASSIGN_OR_RETURN(auto st,
                       conn_->prepare("INSERT INTO events(time, actor, node_id, kind, message, project) VALUES (?,?,?,?,?,?)"));
  st->bind(1, e.time_ms).bind(2, e.actor).bind(3, static_cast<std::int64_t>(e.node_id)).bind(4, std::string(to_string(e.kind))).bind(5, e.message);
  st->bind(6, e.project);
  BMF_RETURN_IF_ERROR(st->run());
  e.id = static_cast<std::uint64_t>(conn_->last_insert_rowid());
  return ok_status();
}

Status SqliteStore::save_node(NodeRecord& node, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  const bool insert = node.id == 0;
  BMF_ASSIGN_OR_RETURN(
      auto st,
      conn_->prepare(insert ? "INSERT INTO nodes(system_uuid, serial, vendor, product, bmc_address, hostname, "
                              "inventory, state, agent_version, secret_sha256, registered_at, last_seen, "
                              "registrations, peer_address, hardware, state_reason, state_changed_at, power_state) "
                              "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                            : "UPDATE nodes SET system_uuid=?, serial=?, vendor=?, product=?, bmc_address=?, "
                              "hostname=?, inventory=?, state=?, agent_version=?, secret_sha256=?, "
                              "registered_at=?, last_seen=?, registrations=?, peer_address=?, hardware=?, "
                              "state_reason=?, state_changed_at=?, power_state=? WHERE id=?"));
  st->bind(1, node.system_uuid).bind(2, node.serial).bind(3, node.vendor).bind(4, node.product);
  st->bind(5, node.bmc_address).bind(6, node.hostname).bind(7, node.inventory_json).bind(8, to_string(node.state));
  st->bind(9, node.agent_version).bind(10, node.secret_sha256).bind(11, node.registered_at_ms);
  st->bind(12, node.last_seen_ms).bind(13, std::int64_t{node.registrations}).bind(14, node.peer_address);
  st->bind(15, node.hardware_json).bind(16, node.state_reason).bind(17, node.state_changed_at_ms);
  st->bind(18, to_string(node.power_state));
  if (!insert) st->bind(19, static_cast<std::int64_t>(node.id));
  BMF_RETURN_IF_ERROR(st->run());
  if (insert) {
    node.id = static_cast<std::uint64_t>(conn_->last_insert_rowid());
  } else if (conn_->changes() == 0) {
    return not_found(fmt::format("node {} does not exist", node.id));
  }
  BMF_ASSIGN_OR_RETURN(auto del, conn_->prepare("DELETE FROM node_macs WHERE node_id = ?"));
  BMF_RETURN_IF_ERROR(del->bind(1, static_cast<std::int64_t>(node.id)).run());
  for (const std::string& mac : node.macs) {
    // REPLACE moves a MAC that another node owned (a NIC swapped between machines).
    BMF_ASSIGN_OR_RETURN(auto ins, conn_->prepare("INSERT OR REPLACE INTO node_macs(mac, node_id) VALUES (?, ?)"));
    BMF_RETURN_IF_ERROR(ins->bind(1, mac).bind(2, static_cast<std::int64_t>(node.id)).run());
  }
  event.node_id = node.id;
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

namespace {
Result<NodeLiveness> read_liveness(sqlite::Statement& st) {
  NodeLiveness l{.id = static_cast<std::uint64_t>(st.column_int(0)), .last_seen_ms = st.column_int(3),
                 .power_changed_at_ms = st.column_int(4)};
  const std::string state = st.column_text(1);
  auto parsed = node_state_from_string(state);
  if (!parsed) return data_loss(fmt::format("node {} has unknown state '{}' in the database", l.id, state));
  l.state = *parsed;
  l.power_state = power_state_from_string(st.column_text(2)).value_or(PowerState::kUnknown);
  return l;
}
}  // namespace

Result<NodeLiveness> SqliteStore::liveness_of(std::uint64_t id) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT id, state, power_state, last_seen, power_changed_at FROM nodes WHERE id = ?"));
  st->bind(1, static_cast<std::int64_t>(id));
  BMF_ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return not_found(fmt::format("node {} does not exist", id));
  return read_liveness(*st);
}

Result<std::vector<NodeLiveness>> SqliteStore::list_expected_heartbeats() {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format(
                                     "SELECT id, state, power_state, last_seen, power_changed_at FROM nodes WHERE state IN ('{}','{}','{}') "
                                     "AND power_state != '{}'",
                                     to_string(NodeState::kEnrolling), to_string(NodeState::kInspecting),
                                     to_string(NodeState::kAvailable), to_string(PowerState::kOff))));
  std::vector<NodeLiveness> out;
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    BMF_ASSIGN_OR_RETURN(auto l, read_liveness(*st));
    out.push_back(l);
  }
  return out;
}

Status SqliteStore::touch_nodes(const std::vector<std::pair<std::uint64_t, EpochMs>>& seen) {
  if (seen.empty()) return ok_status();
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("UPDATE nodes SET last_seen = MAX(last_seen, ?) WHERE id = ?"));
  for (const auto& [id, at] : seen) {
    st->bind(1, at).bind(2, static_cast<std::int64_t>(id));
    BMF_RETURN_IF_ERROR(st->run());
  }
  return tx.commit();
}

Status SqliteStore::touch_node(std::uint64_t id, EpochMs last_seen_ms) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("UPDATE nodes SET last_seen = ? WHERE id = ?"));
  BMF_RETURN_IF_ERROR(st->bind(1, last_seen_ms).bind(2, static_cast<std::int64_t>(id)).run());
  if (conn_->changes() == 0) return not_found(fmt::format("node {} does not exist", id));
  return ok_status();
}

Status SqliteStore::set_node_state(std::uint64_t id, NodeState from, NodeState to, const std::string& reason,
                                   EventRecord event) {
  if (!node_transition_allowed(from, to)) {
    return failed_precondition(fmt::format("node {} cannot go from {} to {}", id, to_string(from), to_string(to)));
  }
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_RETURN_IF_ERROR(move_node(id, from, to, reason, event.time_ms));
  event.node_id = id;
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

Status SqliteStore::move_node(std::uint64_t id, NodeState from, NodeState to, const std::string& reason, EpochMs at) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("UPDATE nodes SET state = ?, state_reason = ?, state_changed_at = ? "
                                                "WHERE id = ? AND state = ?"));
  st->bind(1, to_string(to)).bind(2, reason).bind(3, at).bind(4, static_cast<std::int64_t>(id)).bind(5, to_string(from));
  BMF_RETURN_IF_ERROR(st->run());
  if (conn_->changes() == 1) return ok_status();
  BMF_ASSIGN_OR_RETURN(NodeRecord now, get_node(id));
  return failed_precondition(fmt::format("node {} is {}, not {}", id, to_string(now.state), to_string(from)));
}

Status SqliteStore::set_power_state(std::uint64_t id, PowerState power, EpochMs changed_at, std::optional<EventRecord> event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  if (changed_at) {
    BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("UPDATE nodes SET power_state = ?, power_changed_at = ? WHERE id = ?"));
    BMF_RETURN_IF_ERROR(st->bind(1, to_string(power)).bind(2, changed_at).bind(3, static_cast<std::int64_t>(id)).run());
  } else {
    BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("UPDATE nodes SET power_state = ? WHERE id = ?"));
    BMF_RETURN_IF_ERROR(st->bind(1, to_string(power)).bind(2, static_cast<std::int64_t>(id)).run());
  }
  if (conn_->changes() == 0) return not_found(fmt::format("node {} does not exist", id));
  if (event) {
    event->node_id = id;
    BMF_RETURN_IF_ERROR(insert_event(*event));
  }
  return tx.commit();
}

Status SqliteStore::set_node_hardware(std::uint64_t id, const std::string& hardware_json, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("UPDATE nodes SET hardware = ? WHERE id = ?"));
  BMF_RETURN_IF_ERROR(st->bind(1, hardware_json).bind(2, static_cast<std::int64_t>(id)).run());
  if (conn_->changes() == 0) return not_found(fmt::format("node {} does not exist", id));
  event.node_id = id;
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

Status SqliteStore::append_event(EventRecord event) { return insert_event(event); }

Result<std::vector<EventRecord>> SqliteStore::list_events(const EventQuery& q) {
  std::string where;
  if (q.node_id != 0) where += " AND node_id = ?";
  if (q.projects) {
    // A tenant's view: only their projects' events (none when they have no project).
    where += " AND project IN (''";
    for (std::size_t i = 0; i < q.projects->size(); ++i) where += ",?";
    where += ") AND project <> ''";
  }
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT id, time, actor, node_id, kind, message, project FROM events "
                                                            "WHERE 1{} ORDER BY id DESC LIMIT ?",
                                                            where)));
  int i = 1;
  if (q.node_id != 0) st->bind(i++, static_cast<std::int64_t>(q.node_id));
  if (q.projects) {
    for (const auto& p : *q.projects) st->bind(i++, p);
  }
  st->bind(i, std::int64_t{q.limit});
  std::vector<EventRecord> events;
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    events.push_back(EventRecord{.id = static_cast<std::uint64_t>(st->column_int(0)),
                                 .time_ms = st->column_int(1),
                                 .actor = st->column_text(2),
                                 .node_id = static_cast<std::uint64_t>(st->column_int(3)),
                                 .kind = parse_event_kind(st->column_text(4)),
                                 .message = st->column_text(5),
                                 .project = st->column_text(6)});
  }
  return events;
}

}  // namespace bmf::coordinator

namespace bmf::coordinator {
namespace {

constexpr std::string_view kSwitchColumns =
    "name, address, port, username, password_file, private_key_file, known_hosts_file, trust_on_first_use, driver, "
    "network_instance, unused_ports, parking_vlan, lldp_chassis_id";

SwitchRecord read_switch_row(sqlite::Statement& st) {
  return SwitchRecord{.name = st.column_text(0),
                      .address = st.column_text(1),
                      .port = static_cast<std::uint16_t>(st.column_int(2)),
                      .username = st.column_text(3),
                      .password_file = st.column_text(4),
                      .private_key_file = st.column_text(5),
                      .known_hosts_file = st.column_text(6),
                      .trust_on_first_use = st.column_int(7) != 0,
                      .driver = st.column_text(8),
                      .network_instance = st.column_text(9),
                      .unused_ports = st.column_text(10),
                      .parking_vlan = static_cast<std::uint16_t>(st.column_int(11)),
                      .lldp_chassis_id = st.column_text(12)};
}

}  // namespace

Status SqliteStore::save_switch(const SwitchRecord& sw, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("INSERT OR REPLACE INTO switches({}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                                            kSwitchColumns)));
  st->bind(1, sw.name).bind(2, sw.address).bind(3, std::int64_t{sw.port}).bind(4, sw.username);
  st->bind(5, sw.password_file).bind(6, sw.private_key_file).bind(7, sw.known_hosts_file);
  st->bind(8, std::int64_t{sw.trust_on_first_use}).bind(9, sw.driver).bind(10, sw.network_instance);
  st->bind(11, sw.unused_ports).bind(12, std::int64_t{sw.parking_vlan}).bind(13, sw.lldp_chassis_id);
  BMF_RETURN_IF_ERROR(st->run());
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

Result<std::vector<SwitchRecord>> SqliteStore::list_switches() {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM switches ORDER BY name", kSwitchColumns)));
  std::vector<SwitchRecord> out;
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    out.push_back(read_switch_row(*st));
  }
  return out;
}

Result<SwitchRecord> SqliteStore::get_switch(const std::string& name) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM switches WHERE name = ?", kSwitchColumns)));
  st->bind(1, name);
  BMF_ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return not_found(fmt::format("switch {} does not exist", name));
  return read_switch_row(*st);
}

Status SqliteStore::save_switch_port(const SwitchPortRecord& p, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_RETURN_IF_ERROR(write_switch_port(p));
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

Status SqliteStore::write_switch_port(const SwitchPortRecord& p) {
  std::string trunks;
  for (auto v : p.trunk_vlans) trunks += (trunks.empty() ? "" : ",") + std::to_string(v);
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("INSERT OR REPLACE INTO switch_ports(switch, port, mode, access_vlan, "
                                                "native_vlan, trunk_vlans) VALUES (?,?,?,?,?,?)"));
  st->bind(1, p.switch_name).bind(2, p.port).bind(3, p.mode).bind(4, std::int64_t{p.access_vlan});
  st->bind(5, std::int64_t{p.native_vlan}).bind(6, trunks);
  if (Status s = st->run(); !s.ok()) {
    if (s.code() == StatusCode::kAlreadyExists) return not_found(fmt::format("switch {} does not exist", p.switch_name));
    return s;
  }
  return ok_status();
}

Result<std::vector<SwitchPortRecord>> SqliteStore::list_switch_ports(const std::string& switch_name) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT switch, port, mode, access_vlan, native_vlan, trunk_vlans FROM "
                                                "switch_ports WHERE switch = ? ORDER BY port"));
  st->bind(1, switch_name);
  std::vector<SwitchPortRecord> out;
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    SwitchPortRecord p{.switch_name = st->column_text(0),
                       .port = st->column_text(1),
                       .mode = st->column_text(2),
                       .access_vlan = static_cast<std::uint16_t>(st->column_int(3)),
                       .native_vlan = static_cast<std::uint16_t>(st->column_int(4))};
    std::string trunks = st->column_text(5);
    for (std::size_t pos = 0; pos < trunks.size();) {
      auto comma = trunks.find(',', pos);
      p.trunk_vlans.push_back(static_cast<std::uint16_t>(std::stoi(trunks.substr(pos, comma - pos))));
      pos = comma == std::string::npos ? trunks.size() : comma + 1;
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace bmf::coordinator
