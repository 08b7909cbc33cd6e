#include "coordinator/cli/client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/proto/admin.pb.h"
#include "coordinator/cli/http_client.h"

namespace bmf::cli {
namespace {

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

}  // namespace

std::string session_path() {
  const char* home = std::getenv("HOME");
  return (std::filesystem::path(home ? home : "/root") / ".config/bmf/session").string();
}

Status save_session(const std::string& token) {
  const std::filesystem::path path = session_path();
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return unavailable(fmt::format("cannot write {}", path.string()));
  const std::string line = token + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::fchmod(fd, 0600);
  ::close(fd);
  return ok ? ok_status() : unavailable(fmt::format("cannot write {}", path.string()));
}

std::string Client::token() const {
  if (!token_file.empty()) return first_line(token_file);
  if (const char* t = std::getenv("BMF_TOKEN"); t && *t) return t;
  if (std::filesystem::exists(session_path())) return first_line(session_path());
  return {};
}

Result<std::string> Client::call(const std::string& method, const std::string& target, const std::string& body) const {
  if (!token_file.empty() && access(token_file.c_str(), R_OK) != 0) {
    return invalid_argument(fmt::format("cannot read --token-file {}", token_file));
  }
  BMF_ASSIGN_OR_RETURN(auto endpoint, parse_coordinator_url(url));
  endpoint.ca_file = ca_file;
  BMF_ASSIGN_OR_RETURN(auto res, http_request(endpoint, method, target, body, std::chrono::seconds(30), token()));
  if (res.status >= 200 && res.status < 300) return std::move(res.body);
  proto::ApiError err;
  if (coordinator::from_json(res.body, err).ok() && !err.message().empty()) {
    return Status(StatusCode::kUnavailable, fmt::format("{} (HTTP {} {})", err.message(), res.status, err.code()));
  }
  return unavailable(fmt::format("coordinator answered HTTP {}", res.status));
}

Status Client::stream(const std::string& target, unsigned timeout_s, const std::function<bool(const std::string&)>& on_event) const {
  BMF_ASSIGN_OR_RETURN(auto endpoint, parse_coordinator_url(url));
  endpoint.ca_file = ca_file;
  BMF_ASSIGN_OR_RETURN(auto res, http_stream(endpoint, target, std::chrono::seconds(timeout_s), token(), on_event));
  if (res.status == 200) return ok_status();
  proto::ApiError err;
  if (coordinator::from_json(res.body, err).ok() && !err.message().empty()) {
    return Status(StatusCode::kUnavailable, fmt::format("{} (HTTP {} {})", err.message(), res.status, err.code()));
  }
  return unavailable(fmt::format("coordinator answered HTTP {}", res.status));
}

int Client::wait_operation(const std::string& started_body, unsigned timeout_s) const {
  proto::Operation op;
  if (!coordinator::from_json(started_body, op).ok()) return fail("unexpected answer from coordinator: " + started_body);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  std::string last_stage;
  while ((op.state() == "running" || op.state() == "pending") && std::chrono::steady_clock::now() < until) {
    if (output != "json" && op.stage() != last_stage) {
      std::cerr << fmt::format("operation {}: {}\n", op.id(), op.stage());
      last_stage = op.stage();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto now = fetch<proto::Operation>("/api/v1/operations/" + op.id());
    if (!now.ok()) return fail(now.status().message());
    op = *now;
  }
  if (output == "json") {
    std::cout << coordinator::to_json(op) << "\n";
    return op.state() == "succeeded" ? 0 : kExitApiError;
  }
  if (op.state() == "running" || op.state() == "pending") {
    return fail(fmt::format("operation {} ({}) still {} after {} s", op.id(), op.target(), op.state(), timeout_s));
  }
  if (op.state() != "succeeded") {
    std::string out = fmt::format("operation {} ({}) failed: {}", op.id(), op.target(), op.message());
    if (!op.detail().empty()) out += "\n" + op.detail();
    return fail(out);
  }
  std::cout << fmt::format("operation {} ({}): {}\n", op.id(), op.target(), op.message());
  if (!op.detail().empty()) std::cout << op.detail() << "\n";
  return 0;
}

}  // namespace bmf::cli
