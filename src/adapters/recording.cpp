#include "adapters/recording.hpp"

#include <charconv>
#include <fstream>
#include <memory>

#include <fmt/format.h>

namespace mdfan::adapters {
namespace {

template <typename T>
bool parse_int(std::string_view s, T& v) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

recording_writer::recording_writer(std::ostream& out, const recording_header& h) : out_(out) {
  std::string symbols;
  for (const auto& s : h.symbols) {
    if (!symbols.empty()) symbols += ',';
    symbols += s;
  }
  out_ << fmt::format("{} exchange={} symbols={} started_ns={}\n", recording_magic, to_string(h.exchange), symbols,
                      h.started_ns);
}

void recording_writer::write(std::string_view connection, std::string_view frame, std::int64_t receive_ns) {
  out_ << fmt::format("{} {} {}\n", receive_ns, connection.empty() ? std::string_view("-") : connection,
                      frame.size());
  out_.write(frame.data(), static_cast<std::streamsize>(frame.size()));
  out_.put('\n');
  ++frames_;
  bytes_ += frame.size();
}

bool recording_reader::parse_header(std::string_view line, recording_header& out, std::string& error) {
  if (!line.starts_with(recording_magic)) {
    error = "not an mdfan recording (no \"# mdfan recording v1\" header)";
    return false;
  }
  line.remove_prefix(recording_magic.size());
  bool have_exchange = false;
  while (!line.empty()) {
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    const auto end = line.find(' ');
    const std::string_view item = line.substr(0, end);
    line = end == std::string_view::npos ? std::string_view{} : line.substr(end);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
    if (key == "exchange") {
      if (!parse_exchange(value, out.exchange)) {
        error = fmt::format("recording header: unknown exchange '{}'", value);
        return false;
      }
      have_exchange = true;
    } else if (key == "symbols") {
      out.symbols.clear();
      for (std::string_view rest = value; !rest.empty();) {
        const auto comma = rest.find(',');
        if (comma != 0) out.symbols.emplace_back(rest.substr(0, comma));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    } else if (key == "started_ns") {
      parse_int(value, out.started_ns);
    }  // unknown keys: later versions may add some
  }
  if (!have_exchange) {
    error = "recording header: no exchange";
    return false;
  }
  return true;
}

recording_reader::recording_reader(std::istream& in, recording_header header)
    : in_(&in), header_(std::move(header)) {}

recording_reader::recording_reader(const std::string& path) {
  auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*file) {
    error_ = fmt::format("cannot open recording '{}'", path);
    return;
  }
  file->seekg(0, std::ios::end);
  total_ = static_cast<std::uint64_t>(file->tellg());
  file->seekg(0);
  std::string line;
  std::getline(*file, line);
  position_ = line.size() + 1;
  if (!parse_header(line, header_, error_)) {
    error_ = fmt::format("{}: {}", path, error_);
    return;
  }
  owned_ = std::move(file);
  in_ = owned_.get();
}

bool recording_reader::next(recorded_frame& out) {
  if (!in_ || !error_.empty()) return false;
  std::string line;
  if (!std::getline(*in_, line)) return false;  // end of the recording
  const auto record = frames_ + 1;
  const auto a = line.find(' ');
  const auto b = a == std::string::npos ? std::string::npos : line.find(' ', a + 1);
  std::size_t length = 0;
  if (b == std::string::npos || !parse_int(std::string_view(line).substr(0, a), out.receive_ns) ||
      !parse_int(std::string_view(line).substr(b + 1), length)) {
    error_ = fmt::format("recording damaged at frame {}: bad record line", record);
    return false;
  }
  out.connection.assign(line, a + 1, b - a - 1);
  out.data.resize(length);
  in_->read(out.data.data(), static_cast<std::streamsize>(length));
  if (static_cast<std::size_t>(in_->gcount()) != length || in_->get() != '\n') {
    error_ = fmt::format("recording damaged at frame {}: truncated frame", record);
    return false;
  }
  ++frames_;
  position_ += line.size() + 1 + length + 1;
  return true;
}

}  // namespace mdfan::adapters
