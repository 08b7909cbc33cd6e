#include "netconf/client/netconf_session.h"

#include <algorithm>

#include <fmt/core.h>

#include <pugixml.hpp>

#include "netconf/client/xml_util.h"
#include <sstream>

namespace bmf::netconf {
namespace {

using xml::child;
using xml::local_name;

std::string text_of(const pugi::xml_node& parent, std::string_view name) {
  auto c = child(parent, name);
  return c ? std::string(c.child_value()) : std::string();
}

std::string to_xml(const pugi::xml_node& n) {
  std::ostringstream out;
  n.print(out, "", pugi::format_raw);
  return out.str();
}

std::string inner_xml(const pugi::xml_node& n) {
  std::ostringstream out;
  for (auto c : n.children()) c.print(out, "", pugi::format_raw);
  return out.str();
}

// A pugixml document holding one operation element, serialised.
class Op {
 public:
  explicit Op(const char* name) { root_ = doc_.append_child(name); }
  pugi::xml_node root() { return root_; }
  pugi::xml_node add(pugi::xml_node parent, const char* name) { return parent.append_child(name); }
  void datastore(const char* wrapper, Datastore d) { add(add(root_, wrapper), std::string(to_string(d)).c_str()); }
  Status append_fragment(pugi::xml_node parent, std::string_view xml) {
    pugi::xml_document frag;
    auto r = frag.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_fragment);
    if (!r) return invalid_argument(fmt::format("malformed XML fragment: {}", r.description()));
    for (auto c : frag.children()) parent.append_copy(c);
    return ok_status();
  }
  std::string xml() const { return to_xml(root_); }

 private:
  pugi::xml_document doc_;
  pugi::xml_node root_;
};

}  // namespace

std::string_view to_string(Datastore d) {
  switch (d) {
    case Datastore::kRunning: return "running";
    case Datastore::kCandidate: return "candidate";
    case Datastore::kStartup: return "startup";
  }
  return "running";
}

std::string RpcError::to_string() const {
  std::string s = fmt::format("{} {}", type, tag);
  if (!app_tag.empty()) s += fmt::format(" ({})", app_tag);
  if (!message.empty()) s += ": " + message;
  if (!path.empty()) s += fmt::format(" at {}", path);
  if (!info.empty()) s += fmt::format(" [{}]", info);
  return s;
}

Status status_for(const std::vector<RpcError>& errors, std::string_view operation) {
  if (errors.empty()) return ok_status();
  const RpcError& e = errors.front();
  std::string msg = fmt::format("{} failed: {}", operation, e.to_string());
  if (errors.size() > 1) msg += fmt::format(" (+{} more errors)", errors.size() - 1);
  if (e.tag == "lock-denied" || e.tag == "in-use" || e.tag == "resource-denied") return unavailable(msg);
  if (e.tag == "invalid-value" || e.tag == "unknown-element" || e.tag == "unknown-attribute" ||
      e.tag == "unknown-namespace" || e.tag == "bad-element" || e.tag == "bad-attribute" ||
      e.tag == "missing-element" || e.tag == "missing-attribute" || e.tag == "data-missing" ||
      e.tag == "data-exists" || e.tag == "too-big") {
    return invalid_argument(msg);
  }
  return Status(StatusCode::kAborted, msg);
}

Result<std::unique_ptr<NetconfSession>> NetconfSession::open(std::unique_ptr<ByteChannel> channel) {
  std::unique_ptr<NetconfSession> s(new NetconfSession(std::move(channel)));
  BMF_RETURN_IF_ERROR(s->hello());
  return s;
}

bool NetconfSession::has_capability(std::string_view prefix) const {
  for (const auto& c : capabilities_) {
    if (std::string_view(c).substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

Result<std::string> NetconfSession::read_message() {
  for (;;) {
    BMF_ASSIGN_OR_RETURN(auto msg, decoder_.next());
    if (msg) return std::move(*msg);
    BMF_ASSIGN_OR_RETURN(std::string bytes, channel_->read_some());
    decoder_.feed(bytes);
  }
}

Status NetconfSession::hello() {
  // Both hellos use end-of-message framing; chunked starts after them if both offer base:1.1.
  pugi::xml_document doc;
  auto hello = doc.append_child("hello");
  hello.append_attribute("xmlns") = kBaseNs;
  auto caps = hello.append_child("capabilities");
  caps.append_child("capability").text() = "urn:ietf:params:netconf:base:1.0";
  caps.append_child("capability").text() = "urn:ietf:params:netconf:base:1.1";
  BMF_RETURN_IF_ERROR(channel_->write(frame_message(to_xml(hello), Framing::kEndOfMessage)));

  BMF_ASSIGN_OR_RETURN(std::string text, read_message());
  pugi::xml_document reply;
  if (!reply.load_string(text.c_str())) return invalid_argument("server hello is not well-formed XML");
  auto server = reply.first_child();
  if (local_name(server) != "hello") return invalid_argument("first server message is not <hello>");
  for (auto c : child(server, "capabilities").children()) {
    if (local_name(c) == "capability") capabilities_.emplace_back(c.child_value());
  }
  session_id_ = static_cast<std::uint32_t>(std::strtoul(text_of(server, "session-id").c_str(), nullptr, 10));
  if (!has_capability("urn:ietf:params:netconf:base:1.0") && !has_capability("urn:ietf:params:netconf:base:1.1")) {
    return failed_precondition("server offers no NETCONF base capability");
  }
  if (has_capability("urn:ietf:params:netconf:base:1.1")) {
    decoder_.set_framing(Framing::kChunked);
    return await_ready();
  }
  return ok_status();
}

Status NetconfSession::await_ready() {
  // netconfd 2.13 switches a session to chunked framing only once it has processed the
  // client's <hello>. An RPC that reaches it earlier is dropped ("Error: IO failed on
  // session" in its log) and never answered, so the caller waited its whole timeout:
  // 10 s on ~10% of new sessions on a loaded 2-core machine. A tiny read-only probe,
  // re-sent every 200 ms until one is answered, ends the race; a late answer to an
  // earlier copy is skipped by message-id like any stale reply.
  constexpr std::string_view kProbe =
      R"(<get-config><source><running/></source><filter type="subtree"><probe xmlns="urn:bmf:netconf:probe"/></filter></get-config>)";
  const auto saved = channel_->read_timeout();
  const auto deadline = std::chrono::steady_clock::now() + saved;
  channel_->set_read_timeout(std::chrono::milliseconds(200));
  std::vector<std::string> sent;
  Status result = Status(StatusCode::kDeadlineExceeded, "the switch never answered after the hello");
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string id = std::to_string(next_message_id_++);
    sent.push_back(id);
    const std::string rpc = fmt::format(R"(<rpc message-id="{}" xmlns="{}">{}</rpc>)", id, kBaseNs, kProbe);
    if (Status w = channel_->write(frame_message(rpc, decoder_.framing())); !w.ok()) {
      result = w;
      break;
    }
    bool answered = false;
    for (;;) {
      auto text = read_message();
      if (!text.ok()) {
        if (text.status().code() != StatusCode::kDeadlineExceeded) result = text.status();
        break;
      }
      pugi::xml_document reply;
      if (!reply.load_buffer(text->data(), text->size())) continue;
      auto root = reply.first_child();
      const std::string got = root.attribute("message-id").value();
      if (local_name(root) == "rpc-reply" && std::find(sent.begin(), sent.end(), got) != sent.end()) {
        answered = true;  // any answer, even an rpc-error for the unknown namespace, proves the session is ready
        break;
      }
    }
    if (answered) {
      result = ok_status();
      break;
    }
    if (result.code() != StatusCode::kDeadlineExceeded) break;  // a dead link, not a slow one
  }
  channel_->set_read_timeout(saved);
  return result;
}

Result<std::string> NetconfSession::rpc(std::string_view operation_xml, std::string_view name) {
  last_errors_.clear();
  const std::string id = std::to_string(next_message_id_++);
  pugi::xml_document doc;
  auto rpc = doc.append_child("rpc");
  rpc.append_attribute("message-id") = id.c_str();
  rpc.append_attribute("xmlns") = kBaseNs;
  pugi::xml_document op;
  if (!op.load_buffer(operation_xml.data(), operation_xml.size())) return invalid_argument("malformed operation XML");
  rpc.append_copy(op.first_child());
  BMF_RETURN_IF_ERROR(channel_->write(frame_message(to_xml(rpc), decoder_.framing())));

  for (;;) {
    BMF_ASSIGN_OR_RETURN(std::string text, read_message());
    pugi::xml_document reply;
    if (!reply.load_buffer(text.data(), text.size())) {
      return invalid_argument(fmt::format("{}: reply is not well-formed XML", name));
    }
    auto root = reply.first_child();
    if (local_name(root) != "rpc-reply") continue;  // e.g. a <notification>
    if (root.attribute("message-id").value() != id) continue;  // a stale reply of a timed-out call
    for (auto c : root.children()) {
      if (local_name(c) != "rpc-error") continue;
      RpcError e{text_of(c, "error-type"),    text_of(c, "error-tag"),  text_of(c, "error-severity"),
                 text_of(c, "error-app-tag"), text_of(c, "error-path"), text_of(c, "error-message")};
      for (auto i : child(c, "error-info").children()) {
        e.info += fmt::format("{}{}={}", e.info.empty() ? "" : " ", local_name(i), i.child_value());
      }
      if (e.severity != "warning") last_errors_.push_back(std::move(e));
    }
    if (!last_errors_.empty()) return status_for(last_errors_, name);
    return text;
  }
}

Status NetconfSession::simple(std::string_view operation_xml, std::string_view name) {
  BMF_ASSIGN_OR_RETURN(std::string reply, rpc(operation_xml, name));
  (void)reply;
  return ok_status();
}

namespace {

// <get>/<get-config> share the filter and the <data> reply.
Result<std::string> fetch_data(NetconfSession& session, Op& op, std::string_view subtree_filter, std::string_view name) {
  if (!subtree_filter.empty()) {
    auto f = op.add(op.root(), "filter");
    f.append_attribute("type") = "subtree";
    BMF_RETURN_IF_ERROR(op.append_fragment(f, subtree_filter));
  }
  BMF_ASSIGN_OR_RETURN(std::string reply, session.rpc(op.xml(), name));
  pugi::xml_document doc;
  doc.load_buffer(reply.data(), reply.size());
  return inner_xml(child(doc.first_child(), "data"));
}

}  // namespace

Result<std::string> NetconfSession::get_config(Datastore source, std::string_view subtree_filter) {
  Op op("get-config");
  op.datastore("source", source);
  return fetch_data(*this, op, subtree_filter, "get-config");
}

Result<std::string> NetconfSession::get(std::string_view subtree_filter) {
  Op op("get");
  return fetch_data(*this, op, subtree_filter, "get");
}

Status NetconfSession::edit_config(Datastore target, std::string_view config, const EditOptions& options) {
  Op op("edit-config");
  op.datastore("target", target);
  op.add(op.root(), "default-operation").text() = options.default_operation.c_str();
  op.add(op.root(), "error-option").text() = options.error_option.c_str();
  BMF_RETURN_IF_ERROR(op.append_fragment(op.add(op.root(), "config"), config));
  return simple(op.xml(), "edit-config");
}

Status NetconfSession::lock(Datastore target) {
  Op op("lock");
  op.datastore("target", target);
  return simple(op.xml(), "lock");
}

Status NetconfSession::unlock(Datastore target) {
  Op op("unlock");
  op.datastore("target", target);
  return simple(op.xml(), "unlock");
}

Status NetconfSession::discard_changes() { return simple(Op("discard-changes").xml(), "discard-changes"); }

Status NetconfSession::validate(Datastore source) {
  Op op("validate");
  op.datastore("source", source);
  return simple(op.xml(), "validate");
}

Status NetconfSession::commit(const CommitOptions& o) {
  Op op("commit");
  if (o.confirmed) {
    if (!has_capability("urn:ietf:params:netconf:capability:confirmed-commit")) {
      return failed_precondition("the switch does not advertise :confirmed-commit");
    }
    op.add(op.root(), "confirmed");
    op.add(op.root(), "confirm-timeout").text() = std::to_string(o.confirm_timeout.count()).c_str();
    if (!o.persist.empty()) op.add(op.root(), "persist").text() = o.persist.c_str();
  }
  if (!o.persist_id.empty()) op.add(op.root(), "persist-id").text() = o.persist_id.c_str();
  return simple(op.xml(), o.confirmed ? "confirmed-commit" : "commit");
}

Status NetconfSession::cancel_commit(std::string_view persist_id) {
  Op op("cancel-commit");
  if (!persist_id.empty()) op.add(op.root(), "persist-id").text() = std::string(persist_id).c_str();
  return simple(op.xml(), "cancel-commit");
}

Status NetconfSession::close_session() { return simple(Op("close-session").xml(), "close-session"); }

}  // namespace bmf::netconf
