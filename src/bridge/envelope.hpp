#pragma once
// The bridge's wire format: one JSON envelope per Redis pub/sub message, wrapping the event's JSON
// (src/core/codec.hpp) verbatim so receivers can forward those bytes without re-encoding them:
//   {"v":1,"type":"trade","src":"<instance uuid>","seq":<n>,"ts":<publish wall ns>,"data":{...}}
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "mdfan/event.hpp"

namespace mdfan {

inline constexpr int envelope_version = 1;

// Appends the envelope of one event to `out`; `data_json` is copied verbatim, last.
void encode_envelope(std::string& out, std::string_view type, std::string_view src, std::uint64_t seq,
                     std::int64_t ts_ns, std::string_view data_json);

// A parsed envelope. The views are valid until the next parse() on the same parser.
struct envelope {
  int version = 0;
  std::string_view type;
  std::string_view src;
  std::uint64_t seq = 0;
  std::int64_t ts_ns = 0;
  std::string_view data;  // the exact bytes of the "data" object as they appear in the payload
};

// Parses envelopes (simdjson On Demand). Reuses its buffers; one per thread or strand.
class envelope_parser {
 public:
  envelope_parser();
  ~envelope_parser();
  envelope_parser(const envelope_parser&) = delete;
  envelope_parser& operator=(const envelope_parser&) = delete;

  // False, with a reason in `error` when given, for anything but a version-1 envelope with every field.
  // With `ev`, the event in "data" is decoded in the same pass (one parse for both); a malformed event
  // then fails the parse with a reason starting "data: ". With `own_src`, an envelope whose "src" (read
  // before "data" in our encoding) equals it is returned at once (true, out.src set, nothing else
  // read): an instance's own events coming back are dropped without decoding them.
  bool parse(std::string_view payload, envelope& out, std::string* error = nullptr, event* ev = nullptr,
             std::string_view own_src = {});

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace mdfan
