#include "coordinator/power/power_driver.h"

#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "common/http/curl_client.h"
#include "common/log/log.h"

namespace bmf::coordinator {
namespace asio = boost::asio;

std::string_view to_string(PowerAction action) {
  switch (action) {
    case PowerAction::kOn: return "on";
    case PowerAction::kOff: return "off";
    case PowerAction::kPxeCycle: return "pxe-cycle";
  }
  return "unknown";
}

PowerState parse_power_state(const std::string& system_json) {
  auto doc = nlohmann::json::parse(system_json, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return PowerState::kUnknown;
  auto it = doc.find("PowerState");
  if (it == doc.end() || !it->is_string()) return PowerState::kUnknown;
  const std::string s = it->get<std::string>();
  if (s == "On") return PowerState::kOn;
  if (s == "Off") return PowerState::kOff;
  return PowerState::kUnknown;  // PoweringOn, PoweringOff, Paused: not settled yet
}

// One action on one node: a small chain of HTTP calls on the io loop.
class RedfishProxyPower::Job : public std::enable_shared_from_this<Job> {
 public:
  Job(RedfishProxyPower& driver, std::uint64_t node, PowerAction action)
      : d_(driver), node_(node), action_(action), timer_(driver.io_), started_(std::chrono::steady_clock::now()),
        alive_(driver.alive_) {}

  void start() {
    token_ = d_.token();
    if (token_.empty()) {
      return finish(failed_precondition(fmt::format("no token for the BMC proxy yet (create one for user {} into {})",
                                                    d_.config_.username, d_.config_.token_file)),
                    PowerState::kUnknown);
    }
    if (action_ == PowerAction::kPxeCycle) return set_boot(1);
    read([self = shared_from_this()](PowerState s) { self->act(s); });
  }

 private:
  std::string system_url() const { return fmt::format("{}/redfish/v1/Systems/{}", d_.config_.proxy_url, node_); }

  http::HttpCall call(std::string method, std::string url, std::string body = {}) const {
    http::HttpCall c;
    c.method = std::move(method);
    c.url = std::move(url);
    c.body = std::move(body);
    if (!c.body.empty()) c.headers.push_back({"Content-Type", "application/json"});
    c.username = d_.config_.username;
    c.password = token_;
    c.verify_tls = d_.config_.verify_tls;
    c.ca_file = d_.config_.ca_file;
    c.timeout = d_.config_.call_timeout;
    return c;
  }

  static std::string reply_error(const Result<http::HttpReply>& r) {
    if (!r.ok()) return r.status().message();
    std::string msg;
    auto doc = nlohmann::json::parse(r->body, nullptr, false);
    if (doc.is_object() && doc.contains("error") && doc["error"].is_object()) msg = doc["error"].value("message", "");
    return fmt::format("HTTP {}{}", r->status, msg.empty() ? "" : ": " + msg);
  }

  // Boot from the network once: idempotent, retried.
  void set_boot(int attempt) {
    ++calls_;
    const std::string body = R"({"Boot":{"BootSourceOverrideTarget":"Pxe","BootSourceOverrideEnabled":"Once"}})";
    d_.http_->perform(call("PATCH", system_url(), body), [self = shared_from_this(), attempt](Result<http::HttpReply> r) {
      if (!*self->alive_) return;
      if (r.ok() && r->status / 100 == 2) {
        return self->read([self](PowerState s) { self->act(s); });
      }
      const bool transient = !r.ok() || r->status == 502 || r->status == 503 || r->status == 504;
      if (transient && attempt < self->d_.config_.idempotent_attempts) {
        return self->after(backoff(attempt), [self, attempt] { self->set_boot(attempt + 1); });
      }
      self->finish(unavailable(fmt::format("setting network boot failed: {}", reply_error(r))), PowerState::kUnknown);
    });
  }

  void read(std::function<void(PowerState)> next) {
    http::HttpCall c = call("GET", system_url());
    c.max_attempts = d_.config_.idempotent_attempts;
    d_.http_->perform(std::move(c), [self = shared_from_this(), next = std::move(next)](Result<http::HttpReply> r) {
      if (!*self->alive_) return;
      self->calls_ += r.ok() ? r->attempts : self->d_.config_.idempotent_attempts;
      if (!r.ok() || r->status != 200) {
        return self->finish(unavailable(fmt::format("reading the power state failed: {}", reply_error(r))), PowerState::kUnknown);
      }
      self->state_ = parse_power_state(r->body);
      next(self->state_);
    });
  }

  PowerState wanted() const { return action_ == PowerAction::kOff ? PowerState::kOff : PowerState::kOn; }

  void act(PowerState now, int attempt = 1) {
    if (action_ != PowerAction::kPxeCycle && now == wanted()) return finish(ok_status(), now);  // already there
    const char* reset = action_ == PowerAction::kOff                              ? "ForceOff"
                        : action_ == PowerAction::kPxeCycle && now == PowerState::kOn ? "ForceRestart"
                                                                                   : "On";
    ++calls_;
    // A reset is never repeated on a lost or unclear answer: repeated, it is a second reset; the
    // state read back settles it. Only a 503 (the BMC, or the proxy in front of it, says it did not
    // take the request: busy, or an injected failure) is sent again, after reading the state anew.
    d_.http_->perform(call("POST", system_url() + "/Actions/ComputerSystem.Reset", fmt::format(R"({{"ResetType":"{}"}})", reset)),
                      [self = shared_from_this(), reset, attempt](Result<http::HttpReply> r) {
                        if (!*self->alive_) return;
                        if (r.ok() && r->status == 503 && attempt < self->d_.config_.idempotent_attempts) {
                          BMF_LOG_WARN("POWER_RETRY node={} {} answered {}: not taken; again after reading the state",
                                       self->node_, reset, reply_error(r));
                          return self->after(backoff(attempt), [self, attempt] {
                            self->read([self, attempt](PowerState s) { self->act(s, attempt + 1); });
                          });
                        }
                        if (r.ok() && r->status / 100 == 4) {
                          return self->finish(failed_precondition(fmt::format("{} refused: {}", reset, reply_error(r))),
                                              self->state_);
                        }
                        if (!r.ok() || r->status / 100 != 2) {
                          self->reset_error_ = fmt::format("{} answered {}", reset, reply_error(r));
                          BMF_LOG_WARN("POWER_RESET_UNCONFIRMED node={} {}: reading the state back", self->node_, self->reset_error_);
                        }
                        self->settle_deadline_ = std::chrono::steady_clock::now() + self->d_.config_.settle_timeout;
                        self->settle();
                      });
  }

  void settle() {
    read([self = shared_from_this()](PowerState s) {
      if (s == self->wanted()) return self->finish(ok_status(), s);
      if (std::chrono::steady_clock::now() >= self->settle_deadline_) {
        return self->finish(deadline_exceeded(fmt::format("power state still {} after {} ms{}", to_string(s),
                                                          self->d_.config_.settle_timeout.count(),
                                                          self->reset_error_.empty() ? "" : " (" + self->reset_error_ + ")")),
                            s);
      }
      self->after(self->d_.config_.poll_interval, [self] { self->settle(); });
    });
  }

  // 200 ms, 400 ms, 800 ms, ... at most 3.2 s between attempts.
  static std::chrono::milliseconds backoff(int attempt) { return std::chrono::milliseconds(200 << std::min(attempt - 1, 4)); }

  void after(std::chrono::milliseconds delay, std::function<void()> fn) {
    timer_.expires_after(delay);
    timer_.async_wait([self = shared_from_this(), fn = std::move(fn)](boost::system::error_code ec) {
      if (!ec && *self->alive_) fn();
    });
  }

  void finish(Status status, PowerState state) {
    PowerOutcome out{.status = std::move(status), .state = state, .calls = calls_,
                     .elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_)
                                       .count()};
    if (out.status.ok()) {
      BMF_LOG_INFO("POWER_DONE node={} action={} state={} calls={} {}ms", node_, to_string(action_), to_string(state), calls_,
                   out.elapsed_ms);
    } else {
      BMF_LOG_WARN("POWER_FAILED node={} action={} calls={} {}ms: {}", node_, to_string(action_), calls_, out.elapsed_ms,
                   out.status.to_string());
    }
    auto& q = d_.queues_[node_];
    auto done = std::move(q.front().done);
    q.pop_front();
    const std::uint64_t node = node_;
    RedfishProxyPower& d = d_;
    done(std::move(out));
    if (*alive_) d.start_next(node);
  }

  RedfishProxyPower& d_;
  std::uint64_t node_;
  PowerAction action_;
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point settle_deadline_;
  std::shared_ptr<bool> alive_;
  PowerState state_ = PowerState::kUnknown;
  std::string reset_error_;
  std::string token_;
  int calls_ = 0;
};

RedfishProxyPower::RedfishProxyPower(asio::io_context& io, RedfishPowerConfig config)
    : io_(io), config_(std::move(config)) {
  while (!config_.proxy_url.empty() && config_.proxy_url.back() == '/') config_.proxy_url.pop_back();
  http_ = std::make_unique<http::CurlMultiClient>(
      io, http::HttpClientOptions{.max_connections_per_host = config_.max_connections, .max_total_connections = config_.max_connections});
}

RedfishProxyPower::~RedfishProxyPower() { *alive_ = false; }

void RedfishProxyPower::run(std::uint64_t node, PowerAction action, std::function<void(PowerOutcome)> done) {
  auto& q = queues_[node];
  q.push_back(Pending{action, std::move(done)});
  if (q.size() == 1) start_next(node);
}

void RedfishProxyPower::start_next(std::uint64_t node) {
  auto it = queues_.find(node);
  if (it == queues_.end()) return;
  if (it->second.empty()) {
    queues_.erase(it);
    return;
  }
  std::make_shared<Job>(*this, node, it->second.front().action)->start();
}

std::string RedfishProxyPower::token() const {
  if (!config_.token.empty() || config_.token_file.empty()) return config_.token;
  std::ifstream in(config_.token_file);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

std::size_t RedfishProxyPower::queued(std::uint64_t node) const {
  auto it = queues_.find(node);
  return it == queues_.end() ? 0 : it->second.size();
}

}  // namespace bmf::coordinator
