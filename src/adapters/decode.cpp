#include "adapters/decode.hpp"

#include <string>
#include <vector>

#include <fmt/format.h>

#include "adapters/recording.hpp"
#include "adapters/registry.hpp"
#include "core/codec.hpp"
#include "mdfan/event.hpp"

namespace mdfan {
namespace {

bool blank(std::string_view line) { return line.find_first_not_of(" \t\r\n") == std::string_view::npos; }

}  // namespace

int run_decode(std::string_view exchange, std::istream& in, std::ostream& out, std::ostream& err) {
  exchange_id id{};
  if (!parse_exchange(exchange, id)) {
    err << fmt::format("decode: unknown exchange '{}' (supported: {})\n", exchange,
                       adapters::supported_exchanges_text());
    return 2;
  }
  auto decoder = adapters::make_decoder(id);
  if (!decoder) {
    err << fmt::format("decode: exchange '{}' is not built in (supported: {})\n", exchange,
                       adapters::supported_exchanges_text());
    return 2;
  }
  std::vector<event> events;
  std::string buffer, json, error;
  std::uint64_t failed = 0;
  const auto one = [&](std::string_view what, std::uint64_t number, std::string_view msg, std::int64_t receive_ns) {
    buffer.assign(msg);
    const auto size = buffer.size();
    buffer.append(64, '\0');  // simdjson padding
    events.clear();
    if (!decoder->decode(std::string_view(buffer.data(), size), receive_ns, events, error)) {
      ++failed;
      err << fmt::format("{} {}: {}\n", what, number, error);
      return;
    }
    for (const auto& ev : events) {
      json.clear();
      encode_json(ev, json);
      json += '\n';
      out << json;
    }
  };

  std::string line;
  std::getline(in, line);
  if (line.starts_with(adapters::recording_magic)) {
    adapters::recording_header header;
    if (!adapters::recording_reader::parse_header(line, header, error)) {
      err << fmt::format("decode: {}\n", error);
      return 2;
    }
    adapters::recording_reader reader(in, header);
    if (reader.header().exchange != id)
      err << fmt::format("decode: warning: the recording is of {}, decoding as {}\n",
                         to_string(reader.header().exchange), exchange);
    adapters::recorded_frame frame;
    std::uint64_t number = 0;
    while (reader.next(frame)) one("frame", ++number, frame.data, frame.receive_ns);
    if (!reader.error().empty()) {
      err << fmt::format("decode: {}\n", reader.error());
      return 1;
    }
  } else if (in || !line.empty()) {
    std::uint64_t number = 0;
    do {
      ++number;
      if (blank(line)) continue;
      if (line.back() == '\r') line.pop_back();
      one("line", number, line, 0);
    } while (std::getline(in, line));
  }
  out.flush();
  return failed == 0 ? 0 : 1;
}

}  // namespace mdfan
