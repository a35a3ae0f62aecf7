// OKX v5: the parser (parse + normalize into events / book messages, decimals kept as their wire
// text), the same parser with its fast path off (the general simdjson path), and a bare simdjson
// On-Demand walk of every field of the same message, per message type.
#include <benchmark/benchmark.h>

#include "adapters/okx/parser.hpp"
#include "bench_util.hpp"

namespace {

using mdfan::adapters::okx_message;
using mdfan::adapters::okx_parse_error;
using mdfan::adapters::okx_parser;

void run_mdfan(benchmark::State& state, const char* file) {
  const auto msg = mdfan::bench::minified("okx", file);
  okx_parser parser;
  mdfan::bench::run_parser<okx_parser, okx_message, okx_parse_error>(state, parser, msg);
}

void run_general(benchmark::State& state, const char* file) {
  const auto msg = mdfan::bench::minified("okx", file);
  okx_parser parser;
  mdfan::bench::run_parser_general<okx_parser, okx_message, okx_parse_error>(state, parser, msg);
}

void run_simdjson(benchmark::State& state, const char* file) {
  mdfan::bench::run_bare(state, mdfan::bench::minified("okx", file));
}

#define MDFAN_OKX_PAIR(type, file)                                           \
  BENCHMARK_CAPTURE(run_mdfan, type, file)->Name("okx/" #type "/mdfan");     \
  BENCHMARK_CAPTURE(run_general, type, file)->Name("okx/" #type "/general"); \
  BENCHMARK_CAPTURE(run_simdjson, type, file)->Name("okx/" #type "/simdjson")

MDFAN_OKX_PAIR(tickers, "tickers.json");
MDFAN_OKX_PAIR(trades, "trades.json");
MDFAN_OKX_PAIR(books_snapshot, "books_snapshot.json");
MDFAN_OKX_PAIR(books_update, "books_update.json");
MDFAN_OKX_PAIR(books5, "books5.json");
MDFAN_OKX_PAIR(bbo_tbt, "bbo-tbt.json");
MDFAN_OKX_PAIR(candle, "candle1D.json");

}  // namespace
