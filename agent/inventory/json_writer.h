#pragma once
// A minimal streaming JSON writer (objects, arrays, strings, numbers, bools)
// with correct string escaping (RFC 8259). The agent uses it instead of
// nlohmann::json, which costs ~0.1 MiB of the static binary's 6 MiB budget; the
// output is checked against protobuf's own JSON parser in
// tests/integration/inventory_json_test.cc.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bmf::agent {

class JsonWriter {
 public:
  explicit JsonWriter(int indent = 2) : indent_(indent) {}

  JsonWriter& begin_object(std::string_view key = {}) { return open(key, '{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array(std::string_view key = {}) { return open(key, '['); }
  JsonWriter& end_array() { return close(']'); }
  JsonWriter& field(std::string_view key, std::string_view value);
  JsonWriter& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
  JsonWriter& field(std::string_view key, bool value);
  JsonWriter& field(std::string_view key, std::int64_t value);
  JsonWriter& field(std::string_view key, std::uint32_t value) { return field(key, std::int64_t{value}); }
  JsonWriter& field(std::string_view key, std::int32_t value) { return field(key, std::int64_t{value}); }
  JsonWriter& value(std::string_view value);  // an array element

  const std::string& str() const { return out_; }
  static std::string quote(std::string_view s);

 private:
  JsonWriter& open(std::string_view key, char bracket);
  JsonWriter& close(char bracket);
  void prefix(std::string_view key);
  void newline();

  int indent_;
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
};

}  // namespace bmf::agent
