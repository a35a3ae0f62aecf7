#pragma once
// The benchmark's WebSocket clients: many connections on one epoll loop on the calling thread, with
// a minimal RFC 6455 client (handshake, unmasked server frames, masked client frames, pings answered).
// Connections are opened without blocking, a bounded number of handshakes at a time. Each client
// counts the frames it receives and, on every `sample_every`-th frame, reads one integer timestamp
// (ns since the epoch, e.g. `"recv":` of an mdfan event) to compute latency = arrival - timestamp.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mdfan::bench {

struct swarm_config {
  std::vector<std::uint16_t> ports;  // client i connects to ports[i % ports.size()] on 127.0.0.1
  std::string path = "/ws";
  std::string first_message;  // sent once the handshake completes (empty: nothing)
  // A client is ready when it is open and, if `ready_prefix` is not empty, has received a frame
  // starting with it (e.g. mdfan's subscribe ack `{"op":"subscribed"`).
  std::string ready_prefix;
  // The key whose integer value is the send timestamp, e.g. `"recv":` or `"t_ns":` (a following quote
  // is skipped, so `"t_ns":"123"` works too).
  std::string latency_key = "\"recv\":";
  std::size_t sample_every = 64;
  std::size_t max_samples = 4'000'000;  // bound on stored latency samples
  std::size_t max_handshakes_in_flight = 128;
  std::string gap_prefix = "{\"type\":\"gap\"";  // frames counted apart (mdfan's slow-consumer notices)
};

class ws_swarm {
 public:
  // Called for each sampled data frame: client, payload, arrival wall ns.
  using sample_fn = std::function<void(std::size_t client, std::string_view payload, std::int64_t arrival_ns)>;

  explicit ws_swarm(swarm_config cfg);
  ~ws_swarm();
  ws_swarm(const ws_swarm&) = delete;
  ws_swarm& operator=(const ws_swarm&) = delete;

  // Opens `n` clients and runs the loop until all are ready, or `timeout`, or interrupted().
  // Returns how many are ready; `error` gets the first failure reason seen.
  std::size_t connect(std::size_t n, std::chrono::milliseconds timeout, std::string* error = nullptr);

  // Another file descriptor served by the same loop (e.g. a Redis subscriber); `on_readable` runs on
  // every readiness.
  void add_external(int fd, std::function<void()> on_readable);

  // Runs the loop for `d` (or until interrupted()); `tick` (if set) runs about every 100 ms and ends the
  // run early by returning false.
  void run_for(std::chrono::milliseconds d, const std::function<bool()>& tick = {});

  // Latency sampling on or off (on: samples are stored and the sample callback is called).
  void set_sampling(bool on) noexcept { sampling_ = on; }
  void set_sample_callback(sample_fn fn) { on_sample_ = std::move(fn); }

  std::size_t size() const noexcept { return conns_.size(); }
  std::size_t ready() const noexcept { return ready_; }
  std::size_t open() const noexcept;
  std::size_t closed() const noexcept { return closed_; }
  std::uint64_t frames() const noexcept { return frames_; }    // data frames (gap notices excluded)
  std::uint64_t gap_frames() const noexcept { return gaps_; }  // frames starting with gap_prefix
  std::uint64_t bytes() const noexcept { return bytes_; }      // payload bytes of data frames
  std::uint64_t clients_with_frames() const noexcept;          // clients that got at least one data frame
  // Latency samples in ns (arrival - timestamp), in arrival order.
  std::vector<std::int64_t>& samples() noexcept { return samples_; }
  const std::string& first_error() const noexcept { return first_error_; }

  void close_all();

 private:
  enum class state { connecting, handshake, open, closed };
  struct conn {
    int fd = -1;
    std::uint16_t port = 0;
    state st = state::connecting;
    bool ready = false;
    std::uint64_t frames = 0;
    std::string pending;  // an incomplete frame (or handshake response) carried to the next read
  };
  struct external {
    int fd;
    std::function<void()> fn;
  };

  bool start_one(std::string* error);
  void on_event(std::size_t i, std::uint32_t events);
  void on_writable_connecting(std::size_t i);
  void on_readable(std::size_t i);
  void handle_frames(std::size_t i, const char* data, std::size_t n, std::size_t& consumed);
  void on_data_frame(std::size_t i, conn& c, std::string_view payload);
  void mark_ready(conn& c);
  void send_frame(conn& c, std::uint8_t opcode, std::string_view payload);
  void fail(std::size_t i, const std::string& why);
  void end(std::size_t i);
  void poll_once(int timeout_ms);

  swarm_config cfg_;
  int epoll_ = -1;
  std::vector<conn> conns_;
  std::vector<external> externals_;
  std::vector<char> buf_;
  std::size_t ready_ = 0, closed_ = 0, in_flight_ = 0;
  std::uint64_t frames_ = 0, gaps_ = 0, bytes_ = 0;
  bool sampling_ = false;
  sample_fn on_sample_;
  std::vector<std::int64_t> samples_;
  std::string first_error_;
  std::uint32_t mask_state_ = 0x9e3779b9u;
  std::int64_t read_time_ = 0;  // wall ns of the read being processed (0: not read yet)
};

// Percentile (0..1) of samples sorted in place; 0 when empty.
double percentile_sorted(const std::vector<std::int64_t>& sorted, double q);

}  // namespace mdfan::bench
