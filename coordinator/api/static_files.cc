#include "coordinator/api/static_files.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace bmf::coordinator {

Result<StaticFiles> StaticFiles::load(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(fs::path(dir) / "index.html", ec)) {
    return not_found(fmt::format("{} has no index.html (build the console: scripts/build.sh)", dir));
  }
  StaticFiles out;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::stringstream body;
    body << in.rdbuf();
    if (!in && !in.eof()) return Status(StatusCode::kInternal, fmt::format("cannot read {}", it->path().string()));
    out.files_[fs::relative(it->path(), dir, ec).generic_string()] = body.str();
    if (out.files_.size() > 10'000) return invalid_argument(fmt::format("{}: more than 10000 files, not a console build", dir));
  }
  if (ec) return Status(StatusCode::kInternal, fmt::format("cannot list {}: {}", dir, ec.message()));
  return out;
}

std::string_view StaticFiles::content_type(std::string_view name) {
  const auto dot = name.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "woff2") return "font/woff2";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

void StaticFiles::add_security_headers(http::Response& res) {
  res.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                           "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  res.headers.emplace_back("Referrer-Policy", "no-referrer");
  res.headers.emplace_back("X-Frame-Options", "DENY");
}

http::Response StaticFiles::serve(std::string_view path) const {
  http::Response res;
  std::string_view name = path.empty() ? "index.html" : path;
  auto it = files_.find(name);
  const bool asset = name.rfind("assets/", 0) == 0;
  if (it == files_.end() && asset) {
    res.status = 404;
    res.content_type = "text/plain; charset=utf-8";
    res.body = "no such file\n";
  } else {
    if (it == files_.end()) it = files_.find(std::string_view("index.html"));  // a console route: the app reads the URL
    if (it == files_.end()) {
      res.status = 404;
      res.content_type = "text/plain; charset=utf-8";
      res.body = "the web console is not built on this coordinator (scripts/build.sh builds it; --ui-dir names it)\n";
    } else {
      res.body = it->second;
      res.content_type = std::string(content_type(it->first));
      res.headers.emplace_back("Cache-Control", asset ? "public, max-age=31536000, immutable" : "no-cache");
    }
  }
  add_security_headers(res);
  return res;
}

}  // namespace bmf::coordinator
