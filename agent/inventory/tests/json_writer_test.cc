#include "agent/inventory/json_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace bmf::agent {

TEST(JsonWriter, NestedContainersParseBack) {
  JsonWriter j(2);
  j.begin_object().field("s", "a\"b\\c\n\x01").field("n", std::int64_t{-5}).field("b", true);
  j.begin_array("list").value("x").value("y").end_array();
  j.begin_array("empty").end_array().begin_object("o").end_object().end_object();
  auto doc = nlohmann::json::parse(j.str());  // an independent parser reads it back
  EXPECT_EQ(doc["s"], "a\"b\\c\n\x01");
  EXPECT_EQ(doc["n"], -5);
  EXPECT_EQ(doc["b"], true);
  EXPECT_EQ(doc["list"], nlohmann::json({"x", "y"}));
  EXPECT_TRUE(doc["empty"].empty());
  EXPECT_TRUE(doc["o"].is_object());
}

TEST(JsonWriter, CompactWithNegativeIndent) {
  JsonWriter j(-1);
  j.begin_object().field("a", std::int64_t{1}).begin_array("b").value("c").end_array().end_object();
  EXPECT_EQ(j.str(), R"({"a":1,"b":["c"]})");
}

TEST(JsonWriter, ControlCharactersEscaped) { EXPECT_EQ(JsonWriter::quote("\x1f"), "\"\\u001f\""); }

}  // namespace bmf::agent
