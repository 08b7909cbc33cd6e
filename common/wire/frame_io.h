#pragma once
// Reading and writing frames over any Asio stream (plain TCP or TLS) with C++20
// coroutines. Header-only because it is a template over the stream type; include
// it only from the few .cc files that already pull in Asio.
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <fmt/core.h>
#include <string>

#include "common/wire/frame.h"

namespace bmf::wire {

inline bool is_clean_close(const boost::system::error_code& ec) {
  return ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated ||
         ec == boost::asio::error::connection_reset;
}

// One payload, or: UNAVAILABLE when the peer closed between frames, DATA_LOSS
// when it closed inside one, INVALID_ARGUMENT/FAILED_PRECONDITION for a bad header.
template <typename Stream>
boost::asio::awaitable<Result<std::string>> read_frame(Stream& stream, FrameLimits limits) {
  namespace asio = boost::asio;
  std::array<std::uint8_t, kHeaderSize> header{};
  boost::system::error_code ec;
  std::size_t got = co_await asio::async_read(stream, asio::buffer(header),
                                              asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    if (got == 0 && is_clean_close(ec)) co_return unavailable("connection closed by peer");
    if (got > 0 && is_clean_close(ec)) {
      co_return data_loss(fmt::format("truncated frame: stream ended inside the header after {} bytes", got));
    }
    co_return unavailable(ec.message());
  }
  auto length = parse_header(header, limits);
  if (!length.ok()) co_return length.status();
  std::string payload(*length, '\0');
  if (*length > 0) {
    got = co_await asio::async_read(stream, asio::buffer(payload), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (is_clean_close(ec)) {
        co_return data_loss(fmt::format("truncated frame: got {} of {} payload bytes", got, *length));
      }
      co_return unavailable(ec.message());
    }
  }
  co_return payload;
}

template <typename Stream>
boost::asio::awaitable<Status> write_frame(Stream& stream, std::string_view payload, FrameLimits limits) {
  namespace asio = boost::asio;
  auto frame = encode_frame(payload, limits);
  if (!frame.ok()) co_return frame.status();
  boost::system::error_code ec;
  co_await asio::async_write(stream, asio::buffer(*frame), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return unavailable(ec.message());
  co_return ok_status();
}

}  // namespace bmf::wire
