// mdfan's entry point: parse the command line, then run the command it selects.
// Exit status: 0 on success, 2 on bad usage or configuration, 1 on any other failure.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <variant>

#include <fmt/format.h>

#include "adapters/decode.hpp"
#include "adapters/sim/simulator.hpp"
#include "app/commands.hpp"

namespace {

using namespace mdfan::app;

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

template <typename... F>
struct overloaded : F... {
  using F::operator()...;
};
template <typename... F>
overloaded(F...) -> overloaded<F...>;

int sim(const sim_command& cmd) {
  mdfan::sim::sim_config cfg;
  std::vector<mdfan::sim::scripted_fault> script;
  try {
    script = mdfan::sim::parse_fault_script(cmd.faults);
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "error: sim --faults (command line): {}\n", e.what());
    return exit_usage;
  }
  cfg.exchange = cmd.exchange;
  cfg.host = cmd.listen.host;
  cfg.port = cmd.listen.port;
  cfg.symbols = cmd.symbols;
  cfg.rate = cmd.rate;
  cfg.seed = cmd.seed;
  return mdfan::sim::run_sim(cfg, script);
}

int decode(const decode_command& cmd) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (!cmd.file.empty()) {
    file.open(cmd.file, std::ios::binary);
    if (!file) {
      fmt::print(stderr, "error: cannot open \"{}\": {}\n", cmd.file, std::strerror(errno));
      return exit_failure;
    }
    in = &file;
  }
  return mdfan::run_decode(cmd.exchange, *in, std::cout, std::cerr);
}

}  // namespace

int main(int argc, char** argv) {
  command cmd;
  try {
    cmd = parse_command_line(argc, argv, current_environment());
  } catch (const config_error& e) {
    fmt::print(stderr, "error: {}\nRun 'mdfan --help' for the options.\n", e.what());
    return exit_usage;
  }
  try {
    return std::visit(overloaded{
                          [](const run_command& c) { return run_instance(c.config); },
                          [](const sim_command& c) { return sim(c); },
                          [](const decode_command& c) { return decode(c); },
                          [](const record_command& c) { return run_record(c); },
                          [](const print_command& c) {
                            std::fputs(c.text.c_str(), stdout);
                            return c.exit_code;
                          },
                      },
                      cmd);
  } catch (const config_error& e) {
    // A setting found unusable while starting (e.g. an exchange without an adapter).
    fmt::print(stderr, "error: {}\n", e.what());
    return exit_usage;
  } catch (const std::exception& e) {
    // Other start-up failures (e.g. the listen address is taken); nothing throws once running.
    fmt::print(stderr, "error: {}\n", e.what());
    return exit_failure;
  }
}
