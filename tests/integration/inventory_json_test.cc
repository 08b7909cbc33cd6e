// The agent writes the inventory's JSON by hand (protobuf-lite has no JSON).
// Check it against full protobuf: the JSON must parse with JsonStringToMessage
// into exactly the message the agent sends in binary.
#include <fmt/core.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "common/proto/inventory.pb.h"
#include "tests/support/child_process.h"

namespace bmf::testing {
namespace {

const std::string kAgent = std::string(BMF_BUILD_DIR) + "/agent/bmf-agent";

class InventoryJsonTest : public ::testing::TestWithParam<std::string> {};

TEST_P(InventoryJsonTest, AgentJson_EqualsProtobufJsonMappingOfBinary) {
  std::string root = GetParam() == "this-machine" ? "/" : std::string(BMF_SOURCE_DIR) + "/tests/fixtures/" + GetParam();
  auto [rc_json, json] = run_command(fmt::format("{} inventory --root {} -o json --lldp-wait-ms 0", kAgent, root));
  auto [rc_pb, pb] = run_command(fmt::format("{} inventory --root {} -o pb --lldp-wait-ms 0", kAgent, root));
  ASSERT_EQ(rc_json, 0) << json;
  ASSERT_EQ(rc_pb, 0);
  proto::Inventory from_binary, from_json;
  ASSERT_TRUE(from_binary.ParseFromString(pb));
  auto st = google::protobuf::util::JsonStringToMessage(json, &from_json);
  ASSERT_TRUE(st.ok()) << st.message() << "\n" << json;
  from_binary.clear_collected_in_us();  // two separate runs
  from_json.clear_collected_in_us();
  std::string diff;
  google::protobuf::util::MessageDifferencer differ;
  differ.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differ.Compare(from_binary, from_json)) << diff;
  if (GetParam() == "gpu-node") EXPECT_EQ(from_json.gpus_size(), 8);
}

INSTANTIATE_TEST_SUITE_P(Machines, InventoryJsonTest,
                         ::testing::Values("gpu-node", "cpu-node", "edge-node", "this-machine"));

}  // namespace
}  // namespace bmf::testing
