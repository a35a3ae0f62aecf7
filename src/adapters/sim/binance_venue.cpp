#include "adapters/sim/binance_venue.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include "adapters/sim/binance_protocol.hpp"
#include "adapters/sim/simulator.hpp"
#include "core/clock.hpp"

namespace mdfan::sim {
namespace {

constexpr std::size_t max_depth_limit = 5000;  // Binance's maximum
constexpr std::size_t default_depth_limit = 100;

struct binance_session final : venue_session {
  subscription_set subs;
};

// "BTC-USDT" or "btcusdt" -> "BTCUSDT".
std::string native(std::string_view s) {
  std::string out;
  for (const char c : s)
    if (c != '-' && c != '/' && c != '_') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> natives(const std::vector<std::string>& symbols) {
  std::vector<std::string> out;
  for (const auto& s : symbols) out.push_back(native(s));
  if (out.empty()) out = {"BTCUSDT", "ETHUSDT"};
  return out;
}

class binance_venue final : public venue {
 public:
  explicit binance_venue(const sim_config& cfg)
      : max_streams_(cfg.max_streams),
        feed_(natives(cfg.symbols), cfg.seed, cfg.rate, cfg.start_time_ms ? cfg.start_time_ms : wall_ns() / 1'000'000) {
  }

  std::string_view name() const noexcept override { return "binance"; }
  std::uint32_t topic_count() const noexcept override { return feed_.catalog().size(); }
  std::string topic_name(std::uint32_t topic) const override { return feed_.catalog().name(topic); }
  std::uint64_t generated() const noexcept override { return feed_.generated(); }
  const market& mkt() const noexcept override { return feed_.mkt(); }
  bool server_pings() const noexcept override { return true; }

  void generate(std::uint64_t n, message_sink& sink) override {
    fault_sink f(*this, sink);
    feed_.generate(n, f);
  }

  std::unique_ptr<venue_session> open(std::string_view target, venue_reply& reply, std::string& error) override {
    auto s = std::make_unique<binance_session>();
    if (!parse_stream_target(target, feed_.catalog(), max_streams_, s->subs, error)) return nullptr;
    reply.added = s->subs.streams;
    return s;
  }

  venue_reply on_message(venue_session& session, std::string_view text) override {
    auto& s = static_cast<binance_session&>(session);
    auto r = handle_request(text, feed_.catalog(), max_streams_, s.subs);
    venue_reply out;
    out.frames.push_back(std::move(r.reply));
    out.added = std::move(r.added);
    out.removed = std::move(r.removed);
    return out;
  }

  std::string_view render(venue_session& session, const sim_message& msg, std::string&) override {
    return static_cast<binance_session&>(session).subs.combined ? msg.combined() : msg.payload();
  }

  std::optional<http_reply> rest(std::string_view target) override {
    auto url = boost::urls::parse_origin_form(target);
    if (!url) return http_reply{400, R"({"code":-1,"msg":"bad target"})"};
    const std::string path = url->path();
    if (path == "/api/v3/ping") return http_reply{200, "{}"};
    if (path == "/api/v3/time") return http_reply{200, R"({"serverTime":)" + std::to_string(feed_.now_ms()) + "}"};
    if (path != "/api/v3/depth") return std::nullopt;
    const auto params = url->params();
    const auto sym = params.find("symbol");
    if (sym == params.end() || (*sym).value.empty())
      return http_reply{
          400, R"({"code":-1102,"msg":"Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."})"};
    const auto index = feed_.mkt().find((*sym).value);
    if (index < 0) return http_reply{400, R"({"code":-1121,"msg":"Invalid symbol."})"};
    std::size_t limit = default_depth_limit;
    if (const auto lim = params.find("limit"); lim != params.end()) {
      const std::string v = (*lim).value;
      const auto r = std::from_chars(v.data(), v.data() + v.size(), limit);
      if (r.ec != std::errc() || r.ptr != v.data() + v.size() || limit == 0)
        return http_reply{
            400,
            R"({"code":-1100,"msg":"Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'."})"};
      limit = std::min(limit, max_depth_limit);
    }
    return http_reply{200, feed_.depth_snapshot(static_cast<std::size_t>(index), limit)};
  }

  bool inject(fault_kind kind, std::string_view symbol, std::string& error) override {
    if (kind == fault_kind::bad_checksum) {
      error = "binance has no book checksum (use skip_sequence)";
      return false;
    }
    return faults_.add(
        kind, symbol, [&](std::string_view text) { return feed_.mkt().find(native(text)); }, error);
  }

 private:
  // Applies pending faults to the next diff-depth message of their symbol.
  class fault_sink final : public message_sink {
   public:
    fault_sink(binance_venue& v, message_sink& next) : v_(v), next_(next) {}
    bool wanted(std::uint32_t stream) const override { return next_.wanted(stream); }
    void push(sim_message&& msg) override {
      if (!v_.faults_.empty()) {
        const auto kind = static_cast<stream_kind>(msg.stream % stream_kinds);
        const std::size_t sym = msg.stream / stream_kinds;
        if ((kind == stream_kind::depth || kind == stream_kind::depth_100ms) && next_.wanted(msg.stream)) {
          if (const auto fault = v_.faults_.take(sym)) {
            if (*fault == fault_kind::skip_sequence) return;  // the diff is lost: the next one leaves a gap
            // malformed: a truncated depthUpdate on the same stream, then the real one.
            sim_message bad;
            bad.stream = msg.stream;
            const std::string name = v_.feed_.catalog().name(msg.stream);
            auto text = std::make_shared<std::string>(R"({"stream":")" + name + R"(","data":)");
            bad.payload_offset = static_cast<std::uint32_t>(text->size());
            *text += R"({"e":"depthUpdate","E":1,"s":")" + v_.feed_.mkt().symbols()[sym].name + R"(","U":"oops"})";
            *text += '}';
            bad.text = std::move(text);
            next_.push(std::move(bad));
          }
        }
      }
      next_.push(std::move(msg));
    }

   private:
    binance_venue& v_;
    message_sink& next_;
  };

  std::size_t max_streams_;
  binance_feed feed_;
  fault_queue faults_;
};

}  // namespace

std::unique_ptr<venue> make_binance_venue(const sim_config& cfg) { return std::make_unique<binance_venue>(cfg); }

}  // namespace mdfan::sim
