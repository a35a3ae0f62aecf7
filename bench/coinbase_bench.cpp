// Coinbase Advanced Trade: the parser (parse + normalize into events / book entries) against a bare
// simdjson On-Demand extraction of the same fields (strings as views, integers as integers), per
// message type, on the sample messages minified as they come on the wire.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include "adapters/coinbase/parser.hpp"
#include "bench_util.hpp"

namespace {

namespace od = simdjson::ondemand;
using mdfan::bench::padded_message;

padded_message wire(const char* file) { return mdfan::bench::minified("coinbase", file); }

void run_mdfan(benchmark::State& state, const char* file) {
  const auto msg = wire(file);
  mdfan::adapters::coinbase_parser parser;
  mdfan::adapters::coinbase_message out;
  mdfan::adapters::coinbase_parse_error err;
  for (auto _ : state) {
    const bool ok = parser.parse_padded(msg.view(), 1, out, err);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(out.books.data());
    benchmark::DoNotOptimize(out.trades.data());
    if (!ok) state.SkipWithError("parse failed");
  }
}

// Every field of an object, bare: strings as views, numbers as integers, nested objects and arrays
// walked (Coinbase's envelope -> events[] -> updates[] / trades[] / tickers[] / candles[]).
std::size_t walk(od::value v);
std::size_t walk_object(od::object obj) {
  std::size_t n = 0;
  for (auto f : obj) {
    std::string_view key;
    if (f.unescaped_key().get(key)) return 0;
    od::value v;
    if (f.value().get(v)) return 0;
    n += key.size() + walk(v);
  }
  return n;
}
std::size_t walk(od::value v) {
  od::json_type t;
  if (v.type().get(t)) return 0;
  switch (t) {
    case od::json_type::string: {
      std::string_view s;
      return v.get_string().get(s) ? 0 : s.size();
    }
    case od::json_type::number: {
      std::uint64_t u = 0;
      return v.get_uint64().get(u) ? 0 : static_cast<std::size_t>(u & 1);
    }
    case od::json_type::object: {
      od::object o;
      return v.get_object().get(o) ? 0 : walk_object(o);
    }
    case od::json_type::array: {
      od::array a;
      if (v.get_array().get(a)) return 0;
      std::size_t n = 0;
      for (auto e : a) {
        od::value ev;
        if (e.get(ev)) return 0;
        n += walk(ev);
      }
      return n;
    }
    default: return 0;
  }
}

void run_simdjson(benchmark::State& state, const char* file) {
  const auto msg = wire(file);
  od::parser parser;
  for (auto _ : state) {
    od::document doc;
    if (parser.iterate(msg.view().data(), msg.size, msg.storage.size()).get(doc)) state.SkipWithError("bad json");
    od::object top;
    if (doc.get_object().get(top)) state.SkipWithError("bad json");
    benchmark::DoNotOptimize(walk_object(top));
  }
}

#define MDFAN_COINBASE_BENCH(type, file)                                                 \
  BENCHMARK_CAPTURE(run_mdfan, coinbase_##type, file)->Name("coinbase/" #type "/mdfan"); \
  BENCHMARK_CAPTURE(run_simdjson, coinbase_##type, file)->Name("coinbase/" #type "/simdjson")

MDFAN_COINBASE_BENCH(level2, "level2_snapshot.json");
MDFAN_COINBASE_BENCH(ticker, "ticker_snapshot.json");
MDFAN_COINBASE_BENCH(market_trades, "market_trades_snapshot.json");
MDFAN_COINBASE_BENCH(candles, "candles_snapshot.json");
MDFAN_COINBASE_BENCH(heartbeats, "heartbeats.json");

}  // namespace
