#include "netconf/framing/framing.h"

#include <gtest/gtest.h>

namespace bmf::netconf {

TEST(FrameMessage, BothFramings) {
  EXPECT_EQ(frame_message("<a/>", Framing::kEndOfMessage), "<a/>]]>]]>");
  EXPECT_EQ(frame_message("<a/>", Framing::kChunked), "\n#4\n<a/>\n##\n");
}

TEST(MessageDecoder, EndOfMessage_SplitAnywhere) {
  std::string stream = "<hello/>]]>]]><rpc-reply/>]]>]]>";
  MessageDecoder d;
  std::vector<std::string> got;
  for (char c : stream) {
    d.feed(std::string_view(&c, 1));
    auto m = d.next();
    ASSERT_TRUE(m.ok());
    if (*m) got.push_back(**m);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"<hello/>", "<rpc-reply/>"}));
}

TEST(MessageDecoder, Chunked_MultipleChunksAndMessagesByteByByte) {
  std::string stream = "\n#5\n<rpc-\n#7\nreply/>\n##\n" + frame_message("<x/>", Framing::kChunked);
  MessageDecoder d;
  d.set_framing(Framing::kChunked);
  std::vector<std::string> got;
  for (char c : stream) {
    d.feed(std::string_view(&c, 1));
    for (;;) {
      auto m = d.next();
      ASSERT_TRUE(m.ok()) << m.status().to_string();
      if (!*m) break;
      got.push_back(**m);
    }
  }
  EXPECT_EQ(got, (std::vector<std::string>{"<rpc-reply/>", "<x/>"}));
}

TEST(MessageDecoder, Chunked_MalformedHeaders_Rejected) {
  for (const char* bad : {"#4\n<a/>", "\n#0\n", "\n#04\nabcd", "\n#x\n", "\n#99999999999\n", "\n##x"}) {
    MessageDecoder d;
    d.set_framing(Framing::kChunked);
    d.feed(bad);
    auto m = d.next();
    EXPECT_FALSE(m.ok()) << bad;
  }
}

TEST(MessageDecoder, OversizedMessage_Rejected) {
  MessageDecoder d(16);
  d.feed(std::string(32, 'x'));
  EXPECT_FALSE(d.next().ok());
  MessageDecoder c(16);
  c.set_framing(Framing::kChunked);
  c.feed("\n#17\n");
  EXPECT_FALSE(c.next().ok());
}

}  // namespace bmf::netconf
