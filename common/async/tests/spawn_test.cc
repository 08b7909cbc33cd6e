#include "common/async/spawn.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>

namespace bmf::async {
namespace {

boost::asio::awaitable<void> throws() {
  throw std::runtime_error("the frame decoder blew up");
  co_return;
}
boost::asio::awaitable<void> fine(bool& ran) {
  ran = true;
  co_return;
}

TEST(Spawn, AnEscapedExceptionIsLoggedWithItsContext_AndHandled) {
  boost::asio::io_context io;
  bool handled = false;
  ::testing::internal::CaptureStderr();
  spawn(io, throws(), "agent session peer=10.0.0.7:5512", [&] { handled = true; });
  io.run();
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(handled);
  EXPECT_NE(log.find("COROUTINE_FAILED agent session peer=10.0.0.7:5512: the frame decoder blew up"), std::string::npos) << log;
}

TEST(Spawn, ACoroutineThatEndsWellIsQuiet) {
  boost::asio::io_context io;
  bool ran = false, handled = false;
  ::testing::internal::CaptureStderr();
  spawn(io, fine(ran), "quiet", [&] { handled = true; });
  io.run();
  EXPECT_TRUE(ran);
  EXPECT_FALSE(handled);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace bmf::async
