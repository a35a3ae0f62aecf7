#include "bridge/envelope.hpp"

#include <simdjson.h>

#include <charconv>

#include "core/codec.hpp"
#include "core/codec_ondemand.hpp"

namespace mdfan {

void encode_envelope(std::string& out, std::string_view type, std::string_view src, std::uint64_t seq,
                     std::int64_t ts_ns, std::string_view data_json) {
  out.reserve(out.size() + data_json.size() + src.size() + type.size() + 80);
  out += std::string_view(R"({"v":1,"type":)");
  append_json_string(out, type);
  out += std::string_view(R"(,"src":)");
  append_json_string(out, src);
  char num[24];
  out += std::string_view(R"(,"seq":)");
  out.append(num, std::to_chars(num, num + sizeof num, seq).ptr);
  out += std::string_view(R"(,"ts":)");
  out.append(num, std::to_chars(num, num + sizeof num, ts_ns).ptr);
  out += std::string_view(R"(,"data":)");
  out += data_json;
  out += '}';
}

// The parser's reusable state: simdjson's parser and a padded copy of the payload.
struct envelope_parser::impl {
  simdjson::ondemand::parser parser;
  std::string padded;
};

envelope_parser::envelope_parser() : impl_(std::make_unique<impl>()) {}
envelope_parser::~envelope_parser() = default;

namespace {
bool fail(std::string* error, const char* why) {
  if (error) *error = why;
  return false;
}
}  // namespace

bool envelope_parser::parse(std::string_view payload, envelope& out, std::string* error, event* ev,
                            std::string_view own_src) {
  namespace od = simdjson::ondemand;
  auto& padded = impl_->padded;
  padded.assign(payload);
  padded.resize(payload.size() + simdjson::SIMDJSON_PADDING);
  od::document doc;
  if (impl_->parser.iterate(padded.data(), payload.size(), padded.size()).get(doc) != simdjson::SUCCESS)
    return fail(error, "envelope is not JSON");
  od::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return fail(error, "envelope is not a JSON object");

  out = envelope{};
  bool have_v = false, have_type = false, have_src = false, have_seq = false, have_ts = false, have_data = false;
  for (auto f : obj) {
    std::string_view key;
    if (f.unescaped_key().get(key) != simdjson::SUCCESS) return fail(error, "malformed envelope key");
    od::value v;
    if (f.value().get(v) != simdjson::SUCCESS) return fail(error, "malformed envelope value");
    if (key == "v") {
      std::int64_t version = 0;
      if (v.get_int64().get(version) != simdjson::SUCCESS) return fail(error, "'v' is not an integer");
      if (version != envelope_version) return fail(error, "unsupported envelope version");
      out.version = static_cast<int>(version);
      have_v = true;
    } else if (key == "type") {
      if (v.get_string().get(out.type) != simdjson::SUCCESS) return fail(error, "'type' is not a string");
      have_type = true;
    } else if (key == "src") {
      if (v.get_string().get(out.src) != simdjson::SUCCESS) return fail(error, "'src' is not a string");
      if (!own_src.empty() && out.src == own_src) return true;
      have_src = true;
    } else if (key == "seq") {
      if (v.get_uint64().get(out.seq) != simdjson::SUCCESS) return fail(error, "'seq' is not an unsigned integer");
      have_seq = true;
    } else if (key == "ts") {
      if (v.get_int64().get(out.ts_ns) != simdjson::SUCCESS) return fail(error, "'ts' is not an integer");
      have_ts = true;
    } else if (key == "data") {
      const std::string_view first_token = v.raw_json_token();
      od::object data;
      if (v.get_object().get(data) != simdjson::SUCCESS) return fail(error, "'data' is not an object");
      if (!ev) {
        if (data.raw_json().get(out.data) != simdjson::SUCCESS) return fail(error, "'data' is malformed");
      } else {
        std::string why;
        if (!decode_json_object(data, *ev, error ? &why : nullptr)) {
          if (error) *error = "data: " + why;
          return false;
        }
        // The event's bytes: from its '{' to the '}' before the token the decoder stopped at.
        const char* after = nullptr;
        if (doc.current_location().get(after) != simdjson::SUCCESS) return fail(error, "'data' is malformed");
        const char* begin = first_token.data();
        while (after > begin && after[-1] != '}') --after;
        if (after == begin) return fail(error, "'data' is malformed");
        out.data = std::string_view(begin, static_cast<std::size_t>(after - begin));
      }
      have_data = true;
    }
    // Unknown fields are skipped: later versions may add some.
  }
  if (!have_v) return fail(error, "missing 'v'");
  if (!have_type) return fail(error, "missing 'type'");
  if (!have_src) return fail(error, "missing 'src'");
  if (!have_seq) return fail(error, "missing 'seq'");
  if (!have_ts) return fail(error, "missing 'ts'");
  if (!have_data) return fail(error, "missing 'data'");
  return true;
}

}  // namespace mdfan
