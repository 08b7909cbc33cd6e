#include "common/wire/frame.h"

#include <gtest/gtest.h>

#include <random>

namespace bmf::wire {
namespace {

std::string header(std::uint8_t version, std::uint32_t len) {
  std::string h = "BMF";
  h.push_back(static_cast<char>(version));
  for (int s = 24; s >= 0; s -= 8) h.push_back(static_cast<char>((len >> s) & 0xff));
  return h;
}

}  // namespace

TEST(EncodeFrame, Payload_PrefixedWithMagicVersionAndBigEndianLength) {
  auto f = encode_frame("hello");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, header(kProtocolVersion, 5) + "hello");
}

TEST(EncodeFrame, OversizedPayload_IsRejected) {
  auto f = encode_frame(std::string(11, 'x'), FrameLimits{.max_payload = 10});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
}

TEST(FrameDecoder, FramesSplitAtEveryByte_AllDecodedInOrder) {
  std::string stream = *encode_frame("first") + *encode_frame("") + *encode_frame(std::string(1000, 'z'));
  FrameDecoder d;
  std::vector<std::string> got;
  for (char c : stream) {
    d.feed(std::string_view(&c, 1));
    for (;;) {
      auto r = d.next();
      ASSERT_TRUE(r.ok()) << r.status().to_string();
      if (!r->has_value()) break;
      got.push_back(**r);
    }
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], "first");
  EXPECT_EQ(got[1], "");
  EXPECT_EQ(got[2], std::string(1000, 'z'));
  EXPECT_TRUE(d.finish().ok());
}

TEST(FrameDecoder, TruncatedPayload_FinishReportsDataLoss) {
  FrameDecoder d;
  d.feed(encode_frame("0123456789")->substr(0, 12));
  auto r = d.next();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  Status s = d.finish();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("got 4 of 10"), std::string::npos) << s.message();
}

TEST(FrameDecoder, TruncatedHeader_FinishReportsDataLoss) {
  FrameDecoder d;
  d.feed("BMF");
  EXPECT_EQ(d.finish().code(), StatusCode::kDataLoss);
}

TEST(FrameDecoder, OversizedLength_FailsBeforeBufferingPayload) {
  FrameDecoder d(FrameLimits{.max_payload = 100});
  d.feed(header(kProtocolVersion, 101));
  auto r = d.next();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("exceeds the limit of 100"), std::string::npos);
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(FrameDecoder, UnknownVersion_IsFailedPrecondition) {
  FrameDecoder d;
  d.feed(header(9, 0));
  auto r = d.next();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("version 9"), std::string::npos);
}

TEST(FrameDecoder, HttpRequestOnAgentPort_IsBadMagic) {
  FrameDecoder d;
  d.feed("GET / HTTP/1.1\r\n\r\n");
  auto r = d.next();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad frame magic"), std::string::npos);
}

TEST(FrameDecoder, AfterError_StaysFailed) {
  FrameDecoder d;
  d.feed("garbage!");
  EXPECT_FALSE(d.next().ok());
  d.feed(*encode_frame("valid"));
  EXPECT_FALSE(d.next().ok());
}

TEST(FrameDecoder, RandomGarbage_NeverCrashesOrOverreads) {
  std::mt19937 rng(42);
  for (int round = 0; round < 2000; ++round) {
    std::string junk(rng() % 64, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    if (round % 3 == 0 && junk.size() >= 3) junk.replace(0, 3, "BMF");
    FrameDecoder d(FrameLimits{.max_payload = 32});
    d.feed(junk);
    for (int i = 0; i < 8; ++i) {
      auto r = d.next();
      if (!r.ok() || !r->has_value()) break;
      EXPECT_LE((*r)->size(), 32u);
    }
    (void)d.finish();
  }
}

}  // namespace bmf::wire
