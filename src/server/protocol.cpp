#include "server/protocol.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/codec.hpp"

namespace mdfan::server_protocol {
namespace {

namespace od = simdjson::ondemand;

// Client text echoed in a reason is cut short: replies stay small whatever the client sent.
std::string clip(std::string_view s) {
  constexpr std::size_t max = 64;
  if (s.size() <= max) return std::string(s);
  return std::string(s.substr(0, max)) + "...";
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Reads "id": a string or a number, kept as its raw JSON text. Returns a reason on refusal.
std::string read_id(od::value& v, std::string& out) {
  od::json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return "invalid JSON";
  if (t != od::json_type::string && t != od::json_type::number) return "id must be a string or a number";
  std::string_view raw = trim_right(v.raw_json_token());
  if (t == od::json_type::string) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return "id is not a valid string";
  } else {
    od::number n;
    if (v.get_number().get(n) != simdjson::SUCCESS) return "id is not a valid number";
  }
  if (raw.size() > max_id_bytes) return fmt::format("id too long (max {} bytes)", max_id_bytes);
  out.assign(raw);
  return {};
}

}  // namespace

bool parse_request(const char* data, std::size_t size, std::size_t capacity, client_request& out, std::string& error) {
  // One parser per thread, reused: it keeps its buffers sized for the largest message seen.
  thread_local od::parser parser;
  out = client_request{};
  error.clear();
  if (capacity < size + simdjson::SIMDJSON_PADDING) {
    error = "internal error: unpadded buffer";
    return false;
  }

  std::string first_error;  // a field-level problem; parsing goes on so the id can still be echoed
  auto note = [&](std::string why) {
    if (first_error.empty()) first_error = std::move(why);
  };
  auto invalid_json = [&] {
    error = "invalid JSON";
    return false;
  };

  od::document doc;
  if (parser.iterate(data, size, capacity).get(doc) != simdjson::SUCCESS) return invalid_json();
  od::json_type root_type;
  if (doc.type().get(root_type) != simdjson::SUCCESS) return invalid_json();
  if (root_type != od::json_type::object) {
    error = "request must be a JSON object";
    return false;
  }
  od::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return invalid_json();

  // String views point into the parser and stay valid until its next iterate(), i.e. this call.
  std::string_view op_text;
  bool have_op = false;
  bool have_topics = false;
  std::vector<std::string_view> topics;
  for (auto field_result : obj) {
    od::field field;
    if (std::move(field_result).get(field) != simdjson::SUCCESS) return invalid_json();
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return invalid_json();
    od::value v = field.value();
    if (key == "op") {
      if (v.get_string().get(op_text) != simdjson::SUCCESS) {
        note("op must be a string");
      } else {
        have_op = true;
      }
    } else if (key == "topics") {
      od::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS) {
        note("topics must be an array of strings");
        continue;
      }
      have_topics = true;
      topics.clear();
      for (auto el_result : arr) {
        od::value el;
        if (el_result.get(el) != simdjson::SUCCESS) return invalid_json();
        std::string_view s;
        if (el.get_string().get(s) != simdjson::SUCCESS) {
          note("topics must be an array of strings");
        } else {
          topics.push_back(s);
        }
      }
    } else if (key == "snapshot") {
      bool b = false;
      if (v.get_bool().get(b) != simdjson::SUCCESS) {
        note("snapshot must be true or false");
      } else {
        out.snapshot = b;
      }
    } else if (key == "id") {
      std::string id;
      if (auto why = read_id(v, id); !why.empty()) {
        note(std::move(why));
      } else {
        out.id = std::move(id);
      }
    }
    // Any other field is ignored (forward compatibility); the iterator skips its value.
  }
  // The object must be the whole message.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return invalid_json();

  if (!first_error.empty()) {
    error = std::move(first_error);
    return false;
  }
  if (!have_op) {
    error = "missing op";
    return false;
  }
  if (op_text == "ping") {
    out.op = client_op::ping;
    return true;
  }
  if (op_text == "subscribe") {
    out.op = client_op::subscribe;
  } else if (op_text == "unsubscribe") {
    out.op = client_op::unsubscribe;
  } else {
    error = fmt::format("unknown op '{}'", clip(op_text));
    return false;
  }
  if (!have_topics) {
    error = "missing topics";
    return false;
  }
  if (topics.empty()) {
    error = "topics must not be empty";
    return false;
  }
  out.patterns.reserve(topics.size());
  std::string why;
  for (const auto t : topics) {
    auto p = topic_pattern::parse(t, &why);
    if (!p) {
      error = fmt::format("bad topic '{}': {}", clip(t), why);
      out.patterns.clear();
      return false;
    }
    if (std::find(out.patterns.begin(), out.patterns.end(), *p) == out.patterns.end())
      out.patterns.push_back(std::move(*p));
  }
  return true;
}

bool parse_request(std::string_view text, client_request& out, std::string& error) {
  std::string padded;
  padded.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  padded.assign(text);
  padded.append(simdjson::SIMDJSON_PADDING, '\0');
  return parse_request(padded.data(), text.size(), padded.size(), out, error);
}

namespace {
void append_id(std::string& out, std::string_view id) {
  if (id.empty()) return;
  out += ",\"id\":";
  out += id;
}
}  // namespace

std::string make_ack(client_op op, const std::vector<topic_pattern>& patterns, std::string_view id) {
  std::string out;
  out.reserve(48 + patterns.size() * 32 + id.size());
  out += op == client_op::unsubscribe ? R"({"op":"unsubscribed","topics":[)" : R"({"op":"subscribed","topics":[)";
  bool first = true;
  for (const auto& p : patterns) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, p.str());
  }
  out += ']';
  append_id(out, id);
  out += '}';
  return out;
}

std::string make_pong(std::int64_t ts_ns, std::string_view id) {
  std::string out = fmt::format(R"({{"op":"pong","ts":{})", ts_ns);
  append_id(out, id);
  out += '}';
  return out;
}

std::string make_error(std::string_view reason, std::string_view id) {
  std::string out = R"({"op":"error","reason":)";
  append_json_string(out, reason);
  append_id(out, id);
  out += '}';
  return out;
}

std::string make_gap(std::string_view topic, std::uint64_t dropped) {
  std::string out = R"({"type":"gap","topic":)";
  append_json_string(out, topic);
  out += fmt::format(R"(,"dropped":{}}})", dropped);
  return out;
}

}  // namespace mdfan::server_protocol
