#include "agent/inventory/json_writer.h"

#include <fmt/core.h>

namespace bmf::agent {

std::string JsonWriter::quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out += static_cast<char>(c);  // UTF-8 passes through; invalid bytes are the reader's to reject
    }
  }
  return out + "\"";
}

void JsonWriter::newline() {
  if (indent_ < 0) return;
  out_ += '\n';
  out_.append(first_.size() * static_cast<std::size_t>(indent_), ' ');
}

void JsonWriter::prefix(std::string_view key) {
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
    newline();
  }
  if (!key.empty()) out_ += quote(key) + (indent_ < 0 ? ":" : ": ");
}

JsonWriter& JsonWriter::open(std::string_view key, char bracket) {
  prefix(key);
  out_ += bracket;
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
  bool empty = first_.back();
  first_.pop_back();
  if (!empty) newline();
  out_ += bracket;
  return *this;
}

JsonWriter& JsonWriter::field(std::string_view key, std::string_view v) {
  prefix(key);
  out_ += quote(v);
  return *this;
}

JsonWriter& JsonWriter::field(std::string_view key, bool v) {
  prefix(key);
  out_ += v ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::field(std::string_view key, std::int64_t v) {
  prefix(key);
  out_ += std::to_string(v);
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view v) {
  prefix({});
  out_ += quote(v);
  return *this;
}

}  // namespace bmf::agent
