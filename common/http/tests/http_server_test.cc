#include "common/http/http_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

namespace bmf::http {
namespace {

using boost::asio::ip::tcp;

// Runs the server's loop on a thread for the test's lifetime.
struct RunningServer {
  RunningServer(HttpServerConfig cfg, HttpServer::AsyncHandler handler) : server(io, cfg, std::move(handler)) {
    port = *server.start();
    thread = std::thread([this] { io.run(); });
  }
  ~RunningServer() {
    boost::asio::post(io, [this] { server.stop(); io.stop(); });
    thread.join();
  }
  boost::asio::io_context io;
  HttpServer server;
  std::uint16_t port = 0;
  std::thread thread;
};

std::string exchange(std::uint16_t port, const std::string& request) {
  boost::asio::io_context io;
  tcp::socket s(io);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  if (!request.empty()) boost::asio::write(s, boost::asio::buffer(request));
  std::string out;
  boost::system::error_code ec;
  boost::asio::read(s, boost::asio::dynamic_buffer(out), ec);  // until the server closes
  return out;
}

TEST(HttpServer, AsyncHandlerRepliesLater) {
  HttpServer::Reply parked;
  RunningServer srv({}, [&](Request r, HttpServer::Reply reply) {
    // Answer from another thread, later, as a southbound call would.
    std::thread([reply = std::move(reply), body = r.target] { reply({200, body, {{"X-Test", "1"}}, "text/plain"}); }).detach();
  });
  auto out = exchange(srv.port, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(out.find("HTTP/1.1 200"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Test: 1"), std::string::npos) << out;
  EXPECT_NE(out.find("/hello"), std::string::npos) << out;
}

TEST(HttpServer, IdleConnectionsAreClosed) {
  HttpServerConfig cfg;
  cfg.idle_timeout = std::chrono::milliseconds(100);
  RunningServer srv(cfg, [](Request, HttpServer::Reply reply) { reply({}); });
  const auto start = std::chrono::steady_clock::now();
  auto silent = exchange(srv.port, "");                 // connects, says nothing
  auto partial = exchange(srv.port, "GET / HTTP/1.1\r\n");  // never finishes its headers
  EXPECT_EQ(silent, "");
  EXPECT_EQ(partial, "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5)) << "closed by the server, not hanging";
  // A well-behaved client is still served.
  EXPECT_NE(exchange(srv.port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").find("200"), std::string::npos);
}

TEST(HttpServer, MalformedRequestIs400AndServerKeepsServing) {
  RunningServer srv({}, [](Request, HttpServer::Reply reply) { reply({200, "ok", {}, "text/plain"}); });
  auto bad = exchange(srv.port, "NOT-HTTP\r\n\r\n");
  EXPECT_NE(bad.find("400"), std::string::npos) << bad;
  EXPECT_NE(exchange(srv.port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").find("200 OK"), std::string::npos);
}

}  // namespace
}  // namespace bmf::http

namespace bmf::http {
namespace {

TEST(HttpServerStream, ChunksArriveAsPushed_ThenTheResponseEndsOnClose) {
  std::shared_ptr<ResponseStream> body;
  RunningServer srv({}, [&](Request, HttpServer::Reply reply) {
    Response r{200, "", {{"X-Test", "1"}}, "text/event-stream"};
    r.stream = body = std::make_shared<ResponseStream>();
    body->push("event: a\ndata: 1\n\n");
    reply(std::move(r));
  });
  boost::asio::io_context io;
  tcp::socket s(io);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), srv.port});
  boost::asio::write(s, boost::asio::buffer(std::string("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::string got;
  auto read_until = [&](const std::string& what) {
    char buf[512];
    while (got.find(what) == std::string::npos) {
      boost::system::error_code ec;
      std::size_t n = s.read_some(boost::asio::buffer(buf), ec);
      if (ec) return false;
      got.append(buf, n);
    }
    return true;
  };
  ASSERT_TRUE(read_until("data: 1\n\n")) << got;
  EXPECT_NE(got.find("HTTP/1.1 200 OK"), std::string::npos) << got;
  EXPECT_NE(got.find("Content-Type: text/event-stream"), std::string::npos) << got;
  EXPECT_NE(got.find("X-Test: 1"), std::string::npos) << got;
  // A later push arrives while the response is open; close() ends it.
  boost::asio::post(srv.io, [&] { body->push("data: 2\n\n"); });
  ASSERT_TRUE(read_until("data: 2\n\n")) << got;
  boost::asio::post(srv.io, [&] { body->close(); });
  std::string rest;
  boost::system::error_code ec;
  boost::asio::read(s, boost::asio::dynamic_buffer(rest), ec);
  EXPECT_EQ(ec, boost::asio::error::eof) << "the connection ends with the stream";
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  bool finished = false;
  boost::asio::post(srv.io, [&] { finished = body->finished(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(finished);
}

}  // namespace
}  // namespace bmf::http

namespace bmf::http {
namespace {

TEST(HttpServer, Drain_AnswersTheRequestBeingHandled_ClosesIdleOnes_RefusesNewOnes) {
  std::atomic<int> handling{0};
  RunningServer srv({}, [&](Request, HttpServer::Reply reply) {
    ++handling;
    std::thread([reply = std::move(reply)] {
      std::this_thread::sleep_for(std::chrono::milliseconds(400));  // a slow southbound call
      reply({200, "done", {}, "text/plain"});
    }).detach();
  });
  // An idle keep-alive connection (one answered request, then nothing).
  boost::asio::io_context cio;
  tcp::socket idle(cio);
  idle.connect({boost::asio::ip::make_address("127.0.0.1"), srv.port});
  // A request in flight when the drain begins.
  std::string slow;
  std::thread client([&] { slow = exchange(srv.port, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"); });
  while (handling.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::promise<std::size_t> in_flight;
  boost::asio::post(srv.io, [&] {
    srv.server.drain();
    in_flight.set_value(srv.server.in_flight());
  });
  EXPECT_EQ(in_flight.get_future().get(), 1u);
  // The idle connection is closed at once.
  std::string rest;
  boost::system::error_code ec;
  const auto t0 = std::chrono::steady_clock::now();
  boost::asio::read(idle, boost::asio::dynamic_buffer(rest), ec);
  EXPECT_EQ(ec, boost::asio::error::eof) << ec.message();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(300));
  // New connections are refused.
  tcp::socket late(cio);
  late.connect({boost::asio::ip::make_address("127.0.0.1"), srv.port}, ec);
  EXPECT_TRUE(ec) << "connected after the drain began";
  // The slow request got its whole answer, and the connection was closed after it.
  client.join();
  EXPECT_NE(slow.find("HTTP/1.1 200"), std::string::npos) << slow;
  EXPECT_NE(slow.find("Connection: close"), std::string::npos) << slow;
  EXPECT_NE(slow.find("done"), std::string::npos) << slow;
  srv.thread.join();  // nothing left: the server's loop ran out of work by itself
  EXPECT_EQ(srv.server.in_flight(), 0u);
  srv.thread = std::thread([] {});
}

}  // namespace
}  // namespace bmf::http
