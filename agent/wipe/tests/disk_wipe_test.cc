// The wipe command's disk work, on real block devices: loop devices over files in
// a temp dir (root; skipped with the reason elsewhere).
#include "agent/wipe/disk_wipe.h"

#include <fcntl.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>

#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace bmf::agent {
namespace {

using bmf::testing::IsOk;
using bmf::testing::StatusIs;
using ::testing::HasSubstr;

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  ::pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// A loop device over a file of random bytes; detached at the end.
class LoopDevice {
 public:
  LoopDevice(const std::string& file, std::size_t mib) {
    std::ofstream f(file, std::ios::binary);
    std::mt19937_64 rng(42);
    std::vector<std::uint64_t> block(1 << 17);
    for (std::size_t i = 0; i < mib; ++i) {
      for (auto& w : block) w = rng() | 1;  // never all zero
      f.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(block.size() * 8));
    }
    f.close();
    path_ = run("losetup --find --show " + file + " 2>/dev/null");
  }
  ~LoopDevice() {
    if (!path_.empty()) (void)std::system(("losetup -d " + path_).c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

bool file_is_zero(const std::string& file) {
  std::ifstream f(file, std::ios::binary);
  std::vector<char> buf(1 << 20);
  while (f.read(buf.data(), static_cast<std::streamsize>(buf.size())) || f.gcount() > 0) {
    for (std::streamsize i = 0; i < f.gcount(); ++i) {
      if (buf[static_cast<std::size_t>(i)] != 0) return false;
    }
  }
  return true;
}

class DiskWipeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "loop devices need root";
    if (run("losetup --find 2>/dev/null").empty()) GTEST_SKIP() << "no free loop device on this machine";
  }
  bmf::testing::TempDir dir_;
};

TEST_F(DiskWipeTest, Discard_EveryByteOfTheBackingFileIsZeroAndVerified) {
  LoopDevice loop(dir_.path() / "disk.img", 24);
  ASSERT_FALSE(loop.path().empty());
  ASSERT_FALSE(file_is_zero(dir_.path() / "disk.img"));
  auto done = wipe_device(loop.path(), WipeMode::kDiscard);
  ASSERT_THAT(done.status(), IsOk());
  EXPECT_EQ(done->bytes, 24u << 20);
  EXPECT_TRUE(done->verified);
  EXPECT_THAT(done->method, HasSubstr("discard"));
  EXPECT_TRUE(file_is_zero(dir_.path() / "disk.img")) << "not only the sampled windows: all of it";
}

TEST_F(DiskWipeTest, Zero_WritesZeroesOverEverything) {
  LoopDevice loop(dir_.path() / "disk.img", 10);
  ASSERT_FALSE(loop.path().empty());
  auto done = wipe_device(loop.path(), WipeMode::kZero);
  ASSERT_THAT(done.status(), IsOk());
  EXPECT_TRUE(done->verified);
  EXPECT_THAT(done->method, ::testing::AnyOf("zeroout", "write"));
  EXPECT_TRUE(file_is_zero(dir_.path() / "disk.img"));
}

TEST_F(DiskWipeTest, DeviceInUse_IsRefusedAndUntouched) {
  LoopDevice loop(dir_.path() / "disk.img", 4);
  ASSERT_FALSE(loop.path().empty());
  const int holder = ::open(loop.path().c_str(), O_RDONLY | O_EXCL);  // what a mount or md does
  ASSERT_GE(holder, 0);
  auto done = wipe_device(loop.path(), WipeMode::kZero);
  ::close(holder);
  EXPECT_THAT(done.status(), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(done.status().message(), HasSubstr("in use"));
  EXPECT_FALSE(file_is_zero(dir_.path() / "disk.img"));
}

TEST_F(DiskWipeTest, Report_StopsAtTheFirstFailureAndSaysWhich) {
  LoopDevice loop(dir_.path() / "disk.img", 4);
  ASSERT_FALSE(loop.path().empty());
  WipeReport report = wipe({.mode = WipeMode::kDiscard, .devices = {loop.path(), "/dev/null", loop.path()}});
  EXPECT_THAT(report.status, StatusIs(StatusCode::kInvalidArgument));
  ASSERT_EQ(report.devices.size(), 1u);
  EXPECT_THAT(report.summary(), HasSubstr("1 device(s)"));
  EXPECT_THAT(report.summary(), HasSubstr("/dev/null: not a block device"));
  proto::WipeReport wire = report.to_proto();
  ASSERT_EQ(wire.devices_size(), 1);
  EXPECT_TRUE(wire.devices(0).verified());
  EXPECT_THAT(wire.error(), HasSubstr("/dev/null"));
}

proto::WipeCommand command(std::string mode, std::vector<std::string> devices) {
  proto::WipeCommand c;
  c.set_mode(std::move(mode));
  for (auto& d : devices) c.add_devices(d);
  return c;
}

TEST(WipeRequest, ParsedStrictly) {
  auto ok = parse_wipe_request(command("zero", {"/dev/sdb", "/dev/nvme0n1"}).SerializeAsString());
  ASSERT_THAT(ok.status(), IsOk());
  EXPECT_EQ(ok->mode, WipeMode::kZero);
  EXPECT_EQ(ok->devices.size(), 2u);
  EXPECT_EQ(parse_wipe_request(command("", {"/dev/sdb"}))->mode, WipeMode::kDiscard);
  EXPECT_THAT(parse_wipe_request(std::string("\xff\xff garbage")).status(), StatusIs(StatusCode::kInvalidArgument));
  for (const auto& bad : {command("shred", {"/dev/sdb"}), command("zero", {}), command("zero", {"/etc/passwd"}),
                          command("zero", {"/dev/../etc/passwd"})}) {
    EXPECT_THAT(parse_wipe_request(bad).status(), StatusIs(StatusCode::kInvalidArgument)) << bad.mode();
  }
}

TEST(WipeDevice, NotABlockDevice_Refused) {
  EXPECT_THAT(wipe_device("/dev/null", WipeMode::kZero).status(), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(wipe_device("/dev/does-not-exist", WipeMode::kZero).status(), StatusIs(StatusCode::kNotFound));
}

}  // namespace
}  // namespace bmf::agent
