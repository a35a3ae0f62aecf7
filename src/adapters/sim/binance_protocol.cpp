#include "adapters/sim/binance_protocol.hpp"

#include <simdjson.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>

#include "adapters/sim/json_out.hpp"

namespace mdfan::sim {
namespace {

// Binance's error codes on stream connections (web-socket-streams.md, "Error Messages").
constexpr int unknown_property = 0;
constexpr int invalid_value = 1;
constexpr int invalid_request = 2;
constexpr int invalid_json = 3;

// Binance wraps errors on the wire as {"error":{"code":2,"msg":"..."},"id":N}; the docs show the inner object.
std::string error_reply(int code, std::string_view msg, std::string_view id) {
  std::string o = R"({"error":{"code":)";
  append_int(o, code);
  o.append(R"(,"msg":)");
  append_escaped(o, msg);
  o.push_back('}');
  if (!id.empty()) {
    o.append(R"(,"id":)");
    o.append(id);
  }
  o.push_back('}');
  return o;
}

std::string result_reply(std::string_view result, std::string_view id) {
  std::string o = R"({"result":)";
  o.append(result);
  o.append(R"(,"id":)");
  o.append(id.empty() ? "null" : id);
  o.push_back('}');
  return o;
}

// The request id as JSON text: an int64, an alphanumeric string of at most 36 characters, or null.
bool read_id(simdjson::dom::object& obj, std::string& out) {
  simdjson::dom::element v;
  if (obj["id"].get(v)) {
    out = "null";
    return true;
  }
  switch (v.type()) {
    case simdjson::dom::element_type::INT64:
      out = std::to_string(v.get_int64().value());
      return true;
    case simdjson::dom::element_type::NULL_VALUE:
      out = "null";
      return true;
    case simdjson::dom::element_type::STRING: {
      const std::string_view s = v.get_string().value();
      if (s.size() > 36 || !std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c); }))
        return false;
      out.clear();
      append_str(out, s);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

bool subscription_set::has(std::uint32_t stream) const noexcept {
  return std::find(streams.begin(), streams.end(), stream) != streams.end();
}

bool parse_stream_target(std::string_view target, const stream_catalog& catalog, std::size_t max_streams,
                         subscription_set& out, std::string& error) {
  auto r = boost::urls::parse_origin_form(target);
  if (!r) {
    error = "bad request target";
    return false;
  }
  const std::string path = r->path();
  subscription_set subs;
  std::string list;
  if (path == "/ws" || path == "/ws/") {
  } else if (path.rfind("/ws/", 0) == 0) {
    list = path.substr(4);
  } else if (path == "/stream" || path == "/stream/") {
    subs.combined = true;
    auto it = r->params().find("streams");
    if (it != r->params().end()) list = (*it).value;
  } else {
    error = "unknown path " + path;
    return false;
  }
  std::string_view rest = list;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto name = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (name.empty()) continue;
    const auto id = catalog.find(name);
    if (!id) {
      error = "invalid stream " + std::string(name);
      return false;
    }
    if (!subs.has(*id)) subs.streams.push_back(*id);
  }
  if (subs.streams.size() > max_streams) {
    error = "too many streams";
    return false;
  }
  out = std::move(subs);
  return true;
}

request_result handle_request(std::string_view text, const stream_catalog& catalog, std::size_t max_streams,
                              subscription_set& subs) {
  thread_local simdjson::dom::parser parser;
  request_result r;
  simdjson::dom::element doc;
  if (const auto err = parser.parse(text.data(), text.size()).get(doc)) {
    r.reply = error_reply(invalid_json, std::string("Invalid JSON: ") + simdjson::error_message(err), {});
    return r;
  }
  simdjson::dom::object obj;
  if (doc.get(obj)) {
    r.reply = error_reply(invalid_request, "Invalid request: expected a JSON object", {});
    return r;
  }
  std::string id;
  if (!read_id(obj, id)) {
    r.reply = error_reply(invalid_request, "Invalid request: request ID must be an unsigned integer", {});
    return r;
  }
  std::string_view method;
  if (obj["method"].get(method)) {
    r.reply = error_reply(invalid_request, "Invalid request: missing field `method`", id);
    return r;
  }
  simdjson::dom::array params;
  const bool has_params = !obj["params"].get(params);

  if (method == "SUBSCRIBE" || method == "UNSUBSCRIBE") {
    const bool sub = method == "SUBSCRIBE";
    if (!has_params) {
      r.reply = error_reply(invalid_request, "Invalid request: missing field `params`", id);
      return r;
    }
    std::vector<std::uint32_t> ids;
    for (auto v : params) {
      std::string_view name;
      std::optional<std::uint32_t> sid;
      if (v.get(name) || !(sid = catalog.find(name))) {
        r.reply = error_reply(invalid_request, "Invalid request: invalid stream", id);
        return r;  // nothing applied
      }
      ids.push_back(*sid);
    }
    if (sub) {
      std::size_t total = subs.streams.size();
      for (const auto s : ids)
        if (!subs.has(s) && std::find(r.added.begin(), r.added.end(), s) == r.added.end()) {
          r.added.push_back(s);
          ++total;
        }
      if (total > max_streams) {
        r.added.clear();
        r.reply = error_reply(invalid_request, "Invalid request: too many streams", id);
        return r;
      }
      subs.streams.insert(subs.streams.end(), r.added.begin(), r.added.end());
    } else {
      for (const auto s : ids) {
        const auto it = std::find(subs.streams.begin(), subs.streams.end(), s);
        if (it == subs.streams.end()) continue;
        subs.streams.erase(it);
        r.removed.push_back(s);
      }
    }
    r.reply = result_reply("null", id);
    return r;
  }
  if (method == "LIST_SUBSCRIPTIONS") {
    std::string list = "[";
    for (std::size_t i = 0; i < subs.streams.size(); ++i) {
      if (i) list.push_back(',');
      append_str(list, catalog.name(subs.streams[i]));
    }
    list.push_back(']');
    r.reply = result_reply(list, id);
    return r;
  }
  if (method == "SET_PROPERTY" || method == "GET_PROPERTY") {
    std::string_view property;
    if (!has_params || params.size() < 1 || params.at(0).get(property)) {
      r.reply = error_reply(invalid_request, "Invalid request: property name must be a string", id);
      return r;
    }
    if (property != "combined") {
      r.reply = error_reply(unknown_property, "Unknown property", id);
      return r;
    }
    if (method == "GET_PROPERTY") {
      r.reply = result_reply(subs.combined ? "true" : "false", id);
      return r;
    }
    bool value = false;
    if (params.size() != 2 || params.at(1).get(value)) {
      r.reply = error_reply(invalid_value, "Invalid value type: expected Boolean", id);
      return r;
    }
    subs.combined = value;
    r.reply = result_reply("null", id);
    return r;
  }
  std::string msg = "Invalid request: unknown variant `";
  msg.append(method);
  msg.append("`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`");
  r.reply = error_reply(invalid_request, msg, id);
  return r;
}

}  // namespace mdfan::sim
