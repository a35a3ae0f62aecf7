#include "core/topic.hpp"

namespace mdfan {

std::string make_topic(event_type t, exchange_id e, std::string_view instrument) {
  std::string s;
  s.reserve(32);
  s += to_string(t);
  s += ':';
  s += to_string(e);
  s += ':';
  s += instrument;
  return s;
}

std::string topic_of(const event& ev) {
  const auto& h = header_of(ev);
  return make_topic(type_of(ev), h.exchange, h.instrument);
}

std::optional<topic_pattern> topic_pattern::parse(std::string_view text, std::string* error) {
  auto bad = [&](std::string why) -> std::optional<topic_pattern> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  const auto c1 = text.find(':');
  const auto c2 = c1 == std::string_view::npos ? c1 : text.find(':', c1 + 1);
  if (c2 == std::string_view::npos || text.find(':', c2 + 1) != std::string_view::npos)
    return bad("topic must be <type>:<exchange>:<instrument>");
  const auto t = text.substr(0, c1);
  const auto e = text.substr(c1 + 1, c2 - c1 - 1);
  const auto i = text.substr(c2 + 1);
  topic_pattern p;
  if (t != "*") {
    event_type et;
    if (!parse_event_type(t, et)) return bad("unknown event type '" + std::string(t) + "'");
    p.type = et;
  }
  if (e != "*") {
    exchange_id ex;
    if (!parse_exchange(e, ex)) return bad("unknown exchange '" + std::string(e) + "'");
    p.exchange = ex;
  }
  if (i.empty()) return bad("empty instrument");
  if (i.size() > 64) return bad("instrument too long");
  for (const char c : i) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '/' || c == '.' || c == '*';
    if (!ok) return bad("invalid character in instrument");
  }
  if (i != "*") {
    if (i.find('*') != std::string_view::npos) return bad("'*' must stand alone in a topic position");
    p.instrument = std::string(i);
  }
  return p;
}

std::string topic_pattern::str() const {
  std::string s;
  s += type ? to_string(*type) : "*";
  s += ':';
  s += exchange ? to_string(*exchange) : "*";
  s += ':';
  s += instrument.empty() ? std::string_view("*") : std::string_view(instrument);
  return s;
}

}  // namespace mdfan
