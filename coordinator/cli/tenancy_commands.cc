// bmfctl login|logout|whoami, user ..., project ..., token ...
#include <termios.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <fstream>

#include "common/proto/admin.pb.h"
#include "coordinator/cli/client.h"

namespace bmf::cli {
namespace {

using coordinator::from_json;
using coordinator::to_json;

// From --password-file, else a line from stdin (without echo on a terminal).
Result<std::string> read_password(const std::string& file) {
  std::string pw;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return invalid_argument("cannot read " + file);
    std::getline(in, pw);
  } else {
    const bool tty = isatty(STDIN_FILENO);
    termios old{};
    if (tty) {
      std::cerr << "Password: ";
      tcgetattr(STDIN_FILENO, &old);
      termios quiet = old;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::getline(std::cin, pw);
    if (tty) {
      tcsetattr(STDIN_FILENO, TCSANOW, &old);
      std::cerr << "\n";
    }
  }
  if (pw.empty()) return invalid_argument("empty password");
  return pw;
}

// "30d", "12h", "90m", "3600s" or plain seconds.
Result<std::int64_t> parse_duration(const std::string& text) {
  if (text.empty()) return std::int64_t{0};
  std::size_t used = 0;
  long long n = 0;
  try {
    n = std::stoll(text, &used);
  } catch (...) {
    used = 0;
  }
  const std::string unit = text.substr(used);
  const long long mult = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : 0;
  if (used == 0 || mult == 0 || n <= 0) return invalid_argument(fmt::format("--expires '{}' must look like 30d, 12h, 90m or 3600s", text));
  return static_cast<std::int64_t>(n * mult);
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }
std::string quota(std::int64_t q) { return q < 0 ? "unlimited" : std::to_string(q); }

}  // namespace

void add_tenancy_commands(CLI::App& app, Client& c, int& rc) {
  // login / logout / whoami
  static std::string login_user, password_file;
  auto* login = app.add_subcommand("login", "log in with your password; the session is saved in ~/.config/bmf/session (0600)");
  login->add_option("--user", login_user, "user name")->required();
  login->add_option("--password-file", password_file, "read the password from this file (default: prompt / stdin)");
  login->callback([&] {
    auto pw = read_password(password_file);
    if (!pw.ok()) return void(rc = Client::fail(pw.status().message()));
    proto::LoginRequest req;
    req.set_user(login_user);
    req.set_password(*pw);
    auto body = c.call("POST", "/api/v1/login", to_json(req));
    if (!body.ok()) return void(rc = Client::fail(body.status().message()));
    proto::Token t;
    (void)from_json(*body, t);
    if (auto s = save_session(t.secret()); !s.ok()) return void(rc = Client::fail(s.message()));
    std::cout << fmt::format("logged in as {} until {}\n", login_user, t.expires_at());
  });
  app.add_subcommand("logout", "forget the saved session")->callback([&] {
    std::error_code ec;
    std::filesystem::remove(session_path(), ec);
    std::cout << "logged out\n";
  });
  auto* whoami = app.add_subcommand("whoami", "who the coordinator thinks you are");
  c.add_output(whoami);
  whoami->callback([&] {
    rc = c.show<proto::Whoami>("/api/v1/whoami", [](const proto::Whoami& w) {
      return fmt::format("{} ({}) projects: {}\n", w.user(), w.role(), w.projects().empty() ? "-" : fmt::format("{}", fmt::join(w.projects(), ", ")));
    });
  });

  // user
  static std::string name, role = "member", project;
  auto* user = app.add_subcommand("user", "manage users (admins)");
  user->require_subcommand(1);
  auto* user_add = user->add_subcommand("add", "create a user");
  user_add->add_option("NAME", name, "user name")->required();
  user_add->add_option("--role", role, "member | admin | service")->check(CLI::IsMember({"member", "admin", "service"}))->capture_default_str();
  user_add->add_option("--password-file", password_file, "set a password for `bmfctl login` and the web console");
  c.add_output(user_add);
  user_add->callback([&] {
    proto::User u;
    u.set_name(name);
    u.set_role(role);
    if (!password_file.empty()) {
      auto pw = read_password(password_file);
      if (!pw.ok()) return void(rc = Client::fail(pw.status().message()));
      u.set_password(*pw);
    }
    auto body = c.call("POST", "/api/v1/users", to_json(u));
    if (!body.ok()) return void(rc = Client::fail(body.status().message()));
    rc = c.done(*body, fmt::format("user {} ({}) created", name, role));
  });
  auto* user_list = user->add_subcommand("list", "list users");
  c.add_output(user_list);
  user_list->callback([&] {
    rc = c.show<proto::UserList>("/api/v1/users", [](const proto::UserList& l) {
      std::string out = "USER  ROLE  PROJECTS\n";
      for (const auto& u : l.users()) {
        out += fmt::format("{}  {}  {}\n", u.name(), u.role(), u.projects().empty() ? "-" : fmt::format("{}", fmt::join(u.projects(), ",")));
      }
      return out;
    });
  });
  auto* user_rm = user->add_subcommand("remove", "remove a user (their tokens stop working at once)");
  user_rm->add_option("NAME", name, "user name")->required();
  user_rm->callback([&] {
    auto body = c.call("DELETE", "/api/v1/users/" + name);
    rc = body.ok() ? (std::cout << "user " << name << " removed\n", 0) : Client::fail(body.status().message());
  });
  auto* user_pw = user->add_subcommand("passwd", "set a user's password");
  user_pw->add_option("NAME", name, "user name")->required();
  user_pw->add_option("--password-file", password_file, "read it from this file (default: prompt / stdin)");
  user_pw->callback([&] {
    auto pw = read_password(password_file);
    if (!pw.ok()) return void(rc = Client::fail(pw.status().message()));
    proto::LoginRequest req;
    req.set_password(*pw);
    auto body = c.call("PUT", "/api/v1/users/" + name + "/password", to_json(req));
    rc = body.ok() ? (std::cout << "password of " << name << " set\n", 0) : Client::fail(body.status().message());
  });

  // project
  static std::int64_t quota_nodes = -2, quota_networks = -2;
  auto* proj = app.add_subcommand("project", "manage projects, their members and quotas");
  proj->require_subcommand(1);
  auto* proj_add = proj->add_subcommand("add", "create a project (admins)");
  proj_add->add_option("NAME", project, "project name")->required();
  proj_add->add_option("--quota-nodes", quota_nodes, "most nodes it may hold (-1: unlimited)");
  proj_add->add_option("--quota-networks", quota_networks, "most networks it may own (-1: unlimited)");
  c.add_output(proj_add);
  proj_add->callback([&] {
    proto::Project p;
    p.set_name(project);
    if (quota_nodes != -2) p.set_quota_nodes(quota_nodes);
    if (quota_networks != -2) p.set_quota_networks(quota_networks);
    auto body = c.call("POST", "/api/v1/projects", to_json(p));
    if (!body.ok()) return void(rc = Client::fail(body.status().message()));
    rc = c.done(*body, "project " + project + " created");
  });
  auto* proj_list = proj->add_subcommand("list", "list projects (yours, or all for admins)");
  c.add_output(proj_list);
  proj_list->callback([&] {
    rc = c.show<proto::ProjectList>("/api/v1/projects", [](const proto::ProjectList& l) {
      std::string out = "PROJECT  NODES  NETWORKS  MEMBERS\n";
      for (const auto& p : l.projects()) {
        out += fmt::format("{}  {}/{}  {}/{}  {}\n", p.name(), p.nodes_in_use(), quota(p.quota_nodes()), p.networks_in_use(),
                           quota(p.quota_networks()), p.members().empty() ? "-" : fmt::format("{}", fmt::join(p.members(), ",")));
      }
      return out;
    });
  });
  auto* proj_show = proj->add_subcommand("show", "show a project");
  proj_show->add_option("NAME", project, "project name")->required();
  c.add_output(proj_show);
  proj_show->callback([&] {
    rc = c.show<proto::Project>("/api/v1/projects/" + project, [](const proto::Project& p) {
      std::string out = fmt::format("project {}\n  nodes     {} in use, quota {}\n  networks  {} in use, quota {}\n  members   {}\n  created   {}\n",
                                    p.name(), p.nodes_in_use(), quota(p.quota_nodes()), p.networks_in_use(), quota(p.quota_networks()),
                                    p.members().empty() ? "-" : fmt::format("{}", fmt::join(p.members(), ", ")), p.created_at());
      std::map<std::string, std::int64_t> sorted(p.class_quotas().begin(), p.class_quotas().end());
      for (const auto& [cls, max] : sorted) {
        const auto used = p.class_in_use().count(cls) ? p.class_in_use().at(cls) : 0;
        out += fmt::format("  class {}: {} in use, quota {}\n", cls, used, max);
      }
      return out;
    });
  });
  auto* proj_rm = proj->add_subcommand("remove", "remove a project (refused while it holds nodes or networks)");
  proj_rm->add_option("NAME", project, "project name")->required();
  proj_rm->callback([&] {
    auto body = c.call("DELETE", "/api/v1/projects/" + project);
    rc = body.ok() ? (std::cout << "project " << project << " removed\n", 0) : Client::fail(body.status().message());
  });
  auto* proj_quota = proj->add_subcommand("quota", "set a project's quotas");
  proj_quota->add_option("NAME", project, "project name")->required();
  proj_quota->add_option("--nodes", quota_nodes, "most nodes (-1: unlimited)");
  proj_quota->add_option("--networks", quota_networks, "most networks (-1: unlimited)");
  static std::vector<std::string> class_quotas;
  proj_quota->add_option("--class", class_quotas, "CLASS=N: most nodes of that hardware class (N=-1 removes it); repeat");
  proj_quota->callback([&] {
    proto::Project p;
    if (quota_nodes != -2) p.set_quota_nodes(quota_nodes);
    if (quota_networks != -2) p.set_quota_networks(quota_networks);
    for (const auto& cq : class_quotas) {
      const auto eq = cq.find('=');
      long long n = 0;
      try {
        n = eq == std::string::npos ? 0 : std::stoll(cq.substr(eq + 1));
      } catch (...) {
        return void(rc = Client::fail(fmt::format("--class '{}' must be CLASS=N", cq)));
      }
      if (eq == std::string::npos || eq == 0) return void(rc = Client::fail(fmt::format("--class '{}' must be CLASS=N", cq)));
      (*p.mutable_class_quotas())[cq.substr(0, eq)] = n;
    }
    auto body = c.call("PUT", "/api/v1/projects/" + project + "/quota", to_json(p));
    if (!body.ok()) return void(rc = Client::fail(body.status().message()));
    proto::Project now;
    (void)from_json(*body, now);
    rc = c.done(*body, fmt::format("project {}: nodes {}, networks {}", project, quota(now.quota_nodes()), quota(now.quota_networks())));
  });
  auto* member = proj->add_subcommand("member", "add or remove project members");
  member->require_subcommand(1);
  for (const char* verb : {"add", "remove"}) {
    auto* cmd = member->add_subcommand(verb, std::string(verb) + " a member");
    cmd->add_option("PROJECT", project, "project name")->required();
    cmd->add_option("USER", name, "user name")->required();
    const bool add = std::string(verb) == "add";
    cmd->callback([&, add] {
      auto body = c.call(add ? "PUT" : "DELETE", "/api/v1/projects/" + project + "/members/" + name);
      rc = body.ok() ? (std::cout << fmt::format("{} {} {}\n", name, add ? "joined" : "left", project), 0) : Client::fail(body.status().message());
    });
  }

  // token
  static std::string token_user, description, expires;
  static std::uint64_t token_id = 0;
  auto* tok = app.add_subcommand("token", "API tokens (shown once, stored only as a hash, revocable)");
  tok->require_subcommand(1);
  auto* tok_create = tok->add_subcommand("create", "create an API token and print it once");
  tok_create->add_option("--user", token_user, "for this user (admins; default: you)");
  tok_create->add_option("--description", description, "what it is for");
  tok_create->add_option("--expires", expires, "lifetime: 30d, 12h, 90m, 3600s (default: never)");
  tok_create->add_option("--output-file", password_file, "write the token to this file (0600) instead of printing it");
  c.add_output(tok_create);
  tok_create->callback([&] {
    auto ttl = parse_duration(expires);
    if (!ttl.ok()) return void(rc = Client::fail(ttl.status().message()));
    proto::Token req;
    req.set_user(token_user);
    req.set_description(description);
    req.set_ttl_seconds(*ttl);
    auto body = c.call("POST", "/api/v1/tokens", to_json(req));
    if (!body.ok()) return void(rc = Client::fail(body.status().message()));
    proto::Token t;
    (void)from_json(*body, t);
    if (!password_file.empty()) {
      std::ofstream(password_file) << t.secret() << "\n";
      std::filesystem::permissions(password_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
      std::cout << fmt::format("token {} for {} written to {}\n", t.id(), t.user(), password_file);
      return void(rc = 0);
    }
    rc = c.done(*body, fmt::format("token {} for {} (expires {}); shown once:\n{}", t.id(), t.user(), or_dash(t.expires_at()), t.secret()));
  });
  auto* tok_list = tok->add_subcommand("list", "list tokens (never their secrets)");
  tok_list->add_option("--user", token_user, "another user's (admins)");
  c.add_output(tok_list);
  tok_list->callback([&] {
    rc = c.show<proto::TokenList>(token_user.empty() ? "/api/v1/tokens" : "/api/v1/tokens?user=" + token_user,
                                  [](const proto::TokenList& l) {
                                    std::string out = "ID  USER  KIND  DESCRIPTION  CREATED  EXPIRES  REVOKED\n";
                                    for (const auto& t : l.tokens()) {
                                      out += fmt::format("{}  {}  {}  {}  {}  {}  {}\n", t.id(), t.user(), t.kind(), or_dash(t.description()),
                                                         t.created_at(), or_dash(t.expires_at()), or_dash(t.revoked_at()));
                                    }
                                    return out;
                                  });
  });
  auto* tok_revoke = tok->add_subcommand("revoke", "revoke a token (it stops working at once)");
  tok_revoke->add_option("ID", token_id, "token id")->required();
  tok_revoke->callback([&] {
    auto body = c.call("DELETE", fmt::format("/api/v1/tokens/{}", token_id));
    rc = body.ok() ? (std::cout << fmt::format("token {} revoked\n", token_id), 0) : Client::fail(body.status().message());
  });
}

}  // namespace bmf::cli
