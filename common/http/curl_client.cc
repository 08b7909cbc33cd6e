#include "common/http/curl_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <curl/curl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <cctype>
#include <unordered_map>

namespace bmf::http {
namespace asio = boost::asio;

namespace {

bool idempotent(const std::string& method) { return method == "GET" || method == "HEAD"; }

bool retryable_transport(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return true;
    default:
      return false;
  }
}

// Curl's global init is not thread-safe; do it once, before the first multi handle.
void global_init_once() {
  static const bool done = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)done;
}

}  // namespace

class CurlMultiClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, HttpClientOptions options) : io_(io), timer_(io) {
    global_init_once();
    multi_ = curl_multi_init();
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, options.max_connections_per_host);
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, options.max_total_connections);
  }

  // Called by the owner before the last reference goes: no callback runs after this.
  void shutdown() {
    stopped_ = true;
    timer_.cancel();
    for (auto& [easy, t] : transfers_) {
      curl_multi_remove_handle(multi_, easy);
      cleanup(*t);
    }
    transfers_.clear();
    curl_multi_cleanup(multi_);  // closes cached connections through on_close_socket
    multi_ = nullptr;
    for (auto& [fd, s] : sockets_) forget(*s);
    sockets_.clear();
  }

  void perform(HttpCall call, Callback done) {
    auto t = std::make_unique<Transfer>();
    t->call = std::move(call);
    t->done = std::move(done);
    t->easy = curl_easy_init();
    CURL* e = t->easy;
    const HttpCall& c = t->call;
    curl_easy_setopt(e, CURLOPT_URL, c.url.c_str());
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    // Redfish bodies are small; libcurl's 64 KiB default upload buffer per transfer is not.
    curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    if (c.method == "HEAD") {
      curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (c.method != "GET") {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, c.method.c_str());
    }
    if (!c.body.empty() || (c.method != "GET" && c.method != "HEAD" && c.method != "DELETE")) {
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(c.body.size()));
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->call.body.data());
    }
    t->header_list = curl_slist_append(t->header_list, "Expect:");  // BMCs mishandle 100-continue
    for (const auto& [name, value] : c.headers) {
      t->header_list = curl_slist_append(t->header_list, fmt::format("{}: {}", name, value).c_str());
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->header_list);
    if (!c.username.empty()) {
      curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(e, CURLOPT_USERNAME, c.username.c_str());
      curl_easy_setopt(e, CURLOPT_PASSWORD, c.password.c_str());
    }
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, c.verify_tls ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, c.verify_tls ? 2L : 0L);
    if (!c.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, c.ca_file.c_str());
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(c.timeout.count()));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(c.connect_timeout.count()));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Impl::on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, &Impl::on_close_socket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);
    transfers_[e] = std::move(t);
    start(e);
  }

  std::size_t in_flight() const { return transfers_.size(); }

 private:
  struct Transfer {
    HttpCall call;
    Callback done;
    CURL* easy = nullptr;
    curl_slist* header_list = nullptr;
    HttpReply reply;
    char error[CURL_ERROR_SIZE] = {};
  };

  struct Socket {
    explicit Socket(asio::io_context& io, int fd) : descriptor(io, fd) {}
    asio::posix::stream_descriptor descriptor;
    int want = 0;
    bool read_armed = false;
    bool write_armed = false;
    bool gone = false;
  };

  void start(CURL* easy) {
    Transfer& t = *transfers_[easy];
    t.reply.body.clear();
    t.reply.headers.clear();
    t.error[0] = 0;
    if (CURLMcode rc = curl_multi_add_handle(multi_, easy); rc != CURLM_OK) {
      finish(easy, unavailable(fmt::format("cannot start request to {}: {}", t.call.url, curl_multi_strerror(rc))));
    }
  }

  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    t->reply.body.append(data, size * count);
    return size * count;
  }

  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::string_view line(data, size * count);
    if (line.substr(0, 5) == "HTTP/") {
      t->reply.headers.clear();  // a new response (after 100 Continue)
      return size * count;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return size * count;
    std::string name(line.substr(0, colon));
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
    t->reply.headers[name] = std::string(value);
    return size * count;
  }

  static int on_socket(CURL*, curl_socket_t fd, int what, void* user, void*) {
    auto* self = static_cast<Impl*>(user);
    if (what == CURL_POLL_REMOVE) {
      self->drop_socket(fd);
      return 0;
    }
    auto& slot = self->sockets_[fd];
    if (!slot) slot = std::make_shared<Socket>(self->io_, fd);
    slot->want = what;
    self->arm(fd, slot);
    return 0;
  }

  static int on_close_socket(void* user, curl_socket_t fd) {
    static_cast<Impl*>(user)->drop_socket(fd);
    return ::close(fd);
  }

  static int on_timer(CURLM*, long timeout_ms, void* user) {
    auto* self = static_cast<Impl*>(user);
    if (timeout_ms < 0) {
      self->timer_.cancel();
      return 0;
    }
    self->timer_.expires_after(std::chrono::milliseconds(timeout_ms));
    self->timer_.async_wait([weak = self->weak_from_this()](boost::system::error_code ec) {
      auto me = weak.lock();
      if (!ec && me && !me->stopped_) me->action(CURL_SOCKET_TIMEOUT, 0);
    });
    return 0;
  }

  void drop_socket(curl_socket_t fd) {
    auto it = sockets_.find(fd);
    if (it == sockets_.end()) return;
    forget(*it->second);
    sockets_.erase(it);
  }

  // Stops watching the descriptor without closing it (libcurl owns the fd).
  static void forget(Socket& s) {
    s.gone = true;
    boost::system::error_code ec;
    s.descriptor.cancel(ec);
    s.descriptor.release();
  }

  void arm(curl_socket_t fd, const std::shared_ptr<Socket>& s) {
    if (s->want & CURL_POLL_IN) arm_one(fd, s, asio::posix::stream_descriptor::wait_read, &Socket::read_armed, CURL_CSELECT_IN);
    if (s->want & CURL_POLL_OUT) arm_one(fd, s, asio::posix::stream_descriptor::wait_write, &Socket::write_armed, CURL_CSELECT_OUT);
  }

  // One pending readiness wait per direction; when it fires libcurl acts, then we wait again if it still wants to.
  void arm_one(curl_socket_t fd, const std::shared_ptr<Socket>& s, asio::posix::stream_descriptor::wait_type type,
               bool Socket::*armed, int select) {
    if (s.get()->*armed) return;
    s.get()->*armed = true;
    s->descriptor.async_wait(type, [weak = weak_from_this(), fd, s, armed, select](boost::system::error_code ec) {
      s.get()->*armed = false;
      auto me = weak.lock();
      if (ec || s->gone || !me || me->stopped_) return;
      me->action(fd, select);
      if (!s->gone) me->arm(fd, s);
    });
  }

  void action(curl_socket_t fd, int mask) {
    int running = 0;
    curl_multi_socket_action(multi_, fd, mask, &running);
    collect_finished();
  }

  void collect_finished() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      const CURLcode result = msg->data.result;
      curl_multi_remove_handle(multi_, easy);
      Transfer& t = *transfers_[easy];
      const bool can_retry = idempotent(t.call.method) && t.reply.attempts < t.call.max_attempts;
      if (result != CURLE_OK) {
        if (can_retry && retryable_transport(result)) {
          retry_later(easy);
          continue;
        }
        const std::string why = t.error[0] ? t.error : curl_easy_strerror(result);
        finish(easy, result == CURLE_OPERATION_TIMEDOUT
                         ? Status(StatusCode::kDeadlineExceeded, fmt::format("{} {}: {}", t.call.method, t.call.url, why))
                         : unavailable(fmt::format("{} {}: {}", t.call.method, t.call.url, why)));
        continue;
      }
      long code = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
      t.reply.status = static_cast<int>(code);
      if (can_retry && (code == 502 || code == 503 || code == 504)) {
        retry_later(easy);
        continue;
      }
      finish(easy, std::move(t.reply));
    }
  }

  void retry_later(CURL* easy) {
    Transfer& t = *transfers_[easy];
    auto delay = t.call.first_backoff * (1 << std::min(t.reply.attempts - 1, 6));
    ++t.reply.attempts;
    auto timer = std::make_shared<asio::steady_timer>(io_, delay);
    timer->async_wait([weak = weak_from_this(), easy, timer](boost::system::error_code ec) {
      auto me = weak.lock();
      if (ec || !me || me->stopped_ || !me->transfers_.count(easy)) return;
      me->start(easy);
    });
  }

  void finish(CURL* easy, Result<HttpReply> result) {
    auto node = transfers_.extract(easy);
    std::unique_ptr<Transfer> t = std::move(node.mapped());
    cleanup(*t);
    // Always from the loop, never inside perform(): callers may re-enter freely.
    asio::post(io_, [weak = weak_from_this(), done = std::move(t->done), result = std::move(result)]() mutable {
      if (auto me = weak.lock(); me && !me->stopped_) done(std::move(result));
    });
  }

  static void cleanup(Transfer& t) {
    curl_easy_cleanup(t.easy);
    curl_slist_free_all(t.header_list);
    t.easy = nullptr;
    t.header_list = nullptr;
  }

  asio::io_context& io_;
  asio::steady_timer timer_;
  CURLM* multi_ = nullptr;
  bool stopped_ = false;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> transfers_;
  std::unordered_map<curl_socket_t, std::shared_ptr<Socket>> sockets_;
};

CurlMultiClient::CurlMultiClient(asio::io_context& io, HttpClientOptions options)
    : impl_(std::make_shared<Impl>(io, options)) {}
CurlMultiClient::~CurlMultiClient() { impl_->shutdown(); }
void CurlMultiClient::perform(HttpCall call, Callback done) { impl_->perform(std::move(call), std::move(done)); }
std::size_t CurlMultiClient::in_flight() const { return impl_->in_flight(); }

}  // namespace bmf::http
