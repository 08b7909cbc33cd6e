// read_frame/write_frame over a real loopback TCP connection.
#include "common/wire/frame_io.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace bmf::wire {
namespace asio = boost::asio;
using asio::ip::tcp;

class FrameIoTest : public ::testing::Test {
 protected:
  // Sends `raw` bytes from a client socket, closes it, and returns what read_frame
  // made of the stream on the server side (all frames until the first error).
  std::vector<Result<std::string>> serve(std::string raw, FrameLimits limits = {}) {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    std::vector<Result<std::string>> results;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          tcp::socket peer = co_await acceptor.async_accept(asio::use_awaitable);
          for (;;) {
            auto r = co_await read_frame(peer, limits);
            bool stop = !r.ok();
            results.push_back(std::move(r));
            if (stop) break;
          }
        },
        asio::detached);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          tcp::socket client(io);
          co_await client.async_connect(acceptor.local_endpoint(), asio::use_awaitable);
          co_await asio::async_write(client, asio::buffer(raw), asio::use_awaitable);
          client.shutdown(tcp::socket::shutdown_send);
          // Keep the socket open until the server has read everything.
          char c;
          boost::system::error_code ec;
          co_await client.async_read_some(asio::buffer(&c, 1), asio::redirect_error(asio::use_awaitable, ec));
        },
        asio::detached);
    io.run();
    return results;
  }
};

TEST_F(FrameIoTest, TwoFramesThenClose_BothReadThenUnavailable) {
  auto r = serve(*encode_frame("one") + *encode_frame("two"));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(*r[0], "one");
  EXPECT_EQ(*r[1], "two");
  EXPECT_EQ(r[2].status().code(), StatusCode::kUnavailable);
}

TEST_F(FrameIoTest, CloseInsidePayload_IsDataLoss) {
  auto r = serve(encode_frame("0123456789")->substr(0, 13));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r[0].status().message().find("got 5 of 10"), std::string::npos) << r[0].status().message();
}

TEST_F(FrameIoTest, CloseInsideHeader_IsDataLoss) {
  auto r = serve("BMF\x01");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status().code(), StatusCode::kDataLoss);
}

TEST_F(FrameIoTest, OversizedFrame_RejectedFromHeaderAlone) {
  auto r = serve(*encode_frame(std::string(64, 'x')), FrameLimits{.max_payload = 16});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status().code(), StatusCode::kInvalidArgument);
}

}  // namespace bmf::wire
