#pragma once
// The recording format of `mdfan record` and `--exchange replay:FILE`: the raw frames an exchange
// sent, byte for byte, with their receive times, so a recording replays through the same parser and
// book rules as the live feed.
//
//   # mdfan recording v1 exchange=kraken symbols=BTC/USD,ETH/USD started_ns=1732262400000000000
//   <receive_ns> <connection> <length>\n<length bytes of the frame>\n
//   ...
// Frames are length-prefixed, so any byte may appear in them; the header line is plain text.
#include <cstdint>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "mdfan/event.hpp"

namespace mdfan::adapters {

struct recording_header {
  exchange_id exchange = exchange_id::binance;
  std::vector<std::string> symbols;
  std::int64_t started_ns = 0;
};

struct recorded_frame {
  std::int64_t receive_ns = 0;
  std::string connection;
  std::string data;
};

inline constexpr std::string_view recording_magic = "# mdfan recording v1";

// Writes a recording. Not thread-safe: callers serialize (the recorder writes from one strand per
// connection through a mutex).
class recording_writer {
 public:
  recording_writer(std::ostream& out, const recording_header& header);
  void write(std::string_view connection, std::string_view frame, std::int64_t receive_ns);
  std::uint64_t frames() const noexcept { return frames_; }
  std::uint64_t bytes() const noexcept { return bytes_; }

 private:
  std::ostream& out_;
  std::uint64_t frames_ = 0, bytes_ = 0;
};

class recording_reader {
 public:
  // Parses the header line (without its newline); false with `error` when it is not a recording header.
  static bool parse_header(std::string_view line, recording_header& out, std::string& error);
  // Reads frames after the header line (already consumed by the caller).
  recording_reader(std::istream& in, recording_header header);
  // Opens `path` and reads its header; check ok().
  explicit recording_reader(const std::string& path);

  bool ok() const noexcept { return error_.empty(); }
  const std::string& error() const noexcept { return error_; }
  const recording_header& header() const noexcept { return header_; }
  // The next frame; false at the end or on a damaged record (error() then says where).
  bool next(recorded_frame& out);
  // Bytes read so far and, when known, the total (for progress).
  std::uint64_t position() const noexcept { return position_; }
  std::uint64_t total() const noexcept { return total_; }

 private:
  std::unique_ptr<std::istream> owned_;
  std::istream* in_ = nullptr;
  recording_header header_;
  std::string error_;
  std::uint64_t frames_ = 0, position_ = 0, total_ = 0;
};

}  // namespace mdfan::adapters
