// Unit tests of the Redis layer without sockets: URL parsing, command encoding, reply parsing and
// dispatch, write coalescing.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "redis/config.hpp"
#include "redis/error.hpp"
#include "redis/protocol.hpp"

using namespace mdfan::redis;

TEST(redis_url, parses_full_and_minimal_forms) {
  redis_config c;
  std::string err;
  ASSERT_TRUE(parse_redis_url("redis://localhost", c, &err)) << err;
  EXPECT_EQ(c.host, "localhost");
  EXPECT_EQ(c.port, 6379);
  EXPECT_EQ(c.db, 0);
  EXPECT_TRUE(c.username.empty());
  EXPECT_TRUE(c.password.empty());

  ASSERT_TRUE(parse_redis_url("redis://alice:s3cret@10.0.0.5:6380/3", c, &err)) << err;
  EXPECT_EQ(c.host, "10.0.0.5");
  EXPECT_EQ(c.port, 6380);
  EXPECT_EQ(c.db, 3);
  EXPECT_EQ(c.username, "alice");
  EXPECT_EQ(c.password, "s3cret");

  ASSERT_TRUE(parse_redis_url("redis://:only%40pass@host:7000", c, &err)) << err;
  EXPECT_EQ(c.username, "");
  EXPECT_EQ(c.password, "only@pass");
  EXPECT_EQ(c.port, 7000);
  EXPECT_EQ(c.db, 0);

  ASSERT_TRUE(parse_redis_url("REDIS://[::1]:6390/", c, &err)) << err;
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.port, 6390);
  EXPECT_EQ(c.db, 0);
}

TEST(redis_url, keeps_other_fields_and_resets_omitted_parts) {
  redis_config c;
  c.connect_timeout = std::chrono::milliseconds(123);
  ASSERT_TRUE(parse_redis_url("redis://u:p@h:1/2", c));
  ASSERT_TRUE(parse_redis_url("redis://h2", c));
  EXPECT_EQ(c.host, "h2");
  EXPECT_EQ(c.port, 6379);
  EXPECT_EQ(c.db, 0);
  EXPECT_TRUE(c.password.empty());
  EXPECT_EQ(c.connect_timeout.count(), 123);
}

TEST(redis_url, rejects_with_reason_and_leaves_config_unchanged) {
  redis_config c;
  c.host = "unchanged";
  std::string err;
  EXPECT_FALSE(parse_redis_url("rediss://host:6380", c, &err));
  EXPECT_NE(err.find("TLS not supported yet"), std::string::npos) << err;
  for (const char* bad :
       {"host:6379", "http://host", "unix:///tmp/redis.sock", "redis://", "redis://:6379",
        "redis://host:", "redis://host:0", "redis://host:65536", "redis://host:12ab", "redis://host:-1",
        "redis://host/x", "redis://host/-1", "redis://host/1.5", "redis://host/99999999999", "redis://user@host",
        "redis://u:@host", "redis://host?db=1", "redis://[::1", "redis://u:p%zz@host", "redis://ho st",
        "redis://a:b@h/0/1", "redis://host:1:2"}) {
    err.clear();
    EXPECT_FALSE(parse_redis_url(bad, c, &err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
    EXPECT_EQ(c.host, "unchanged") << bad;
  }
}

// The application's settings layer needs to know which parts a URL wrote, so that a part it leaves out
// can come from a separate setting.
TEST(redis_url, parts_tell_what_the_url_spells_out) {
  redis_url_parts p;
  std::string err;
  ASSERT_TRUE(parse_redis_url("redis://cache.local", p, &err)) << err;
  EXPECT_EQ(p.host, "cache.local");
  EXPECT_FALSE(p.port.has_value());
  EXPECT_FALSE(p.username.has_value());
  EXPECT_FALSE(p.password.has_value());
  EXPECT_FALSE(p.db.has_value());

  ASSERT_TRUE(parse_redis_url("redis://:pw@cache.local:6379/0", p, &err)) << err;
  EXPECT_EQ(p.port, std::optional<std::uint16_t>(6379));  // written, even though it is the default
  EXPECT_FALSE(p.username.has_value());                   // ":pw@" names no user
  EXPECT_EQ(p.password, std::optional<std::string>("pw"));
  EXPECT_EQ(p.db, std::optional<int>(0));

  ASSERT_TRUE(parse_redis_url("redis://bob:p%3Aw@[fe80::1]", p, &err)) << err;
  EXPECT_EQ(p.host, "fe80::1");
  EXPECT_EQ(p.username, std::optional<std::string>("bob"));
  EXPECT_EQ(p.password, std::optional<std::string>("p:w"));

  // The reason never carries the password.
  EXPECT_FALSE(parse_redis_url("redis://:hunter2@host:abc", p, &err));
  EXPECT_EQ(err.find("hunter2"), std::string::npos) << err;
  EXPECT_EQ(p.host, "fe80::1") << "unchanged on failure";
}

TEST(redis_protocol, encodes_commands_as_resp_arrays) {
  std::string out;
  encode_command(out, {"SET", "k", "a b"});
  EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na b\r\n");
  // Binary-safe, and more arguments than the inline fast path.
  std::string bin("x\0y", 3);
  std::vector<std::string_view> args{"RPUSH", "list"};
  for (int i = 0; i < 10; ++i) args.push_back(bin);
  out.clear();
  encode_command(out, args);
  EXPECT_EQ(out.substr(0, 4), "*12\r");
  EXPECT_NE(out.find(std::string("$3\r\nx\0y\r\n", 9)), std::string::npos);
}

TEST(redis_protocol, reader_parses_split_and_nested_replies) {
  resp_reader r;
  const std::string stream =
      "+OK\r\n:42\r\n$5\r\nhello\r\n$-1\r\n-ERR bad\r\n*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\npay\r\n";
  std::vector<reply_ptr> replies;
  // Byte by byte: every split point must work.
  for (char c : stream) {
    ASSERT_TRUE(r.feed(&c, 1));
    for (;;) {
      reply_ptr p;
      const auto st = r.next(p);
      ASSERT_NE(st, resp_reader::status::error);
      if (st == resp_reader::status::need_more) break;
      replies.push_back(std::move(p));
    }
  }
  ASSERT_EQ(replies.size(), 6u);
  EXPECT_EQ(reply_view(replies[0].get()).type(), reply_view::kind::status);
  EXPECT_EQ(reply_view(replies[0].get()).str(), "OK");
  EXPECT_EQ(reply_view(replies[1].get()).integer(), 42);
  EXPECT_EQ(reply_view(replies[2].get()).str(), "hello");
  EXPECT_EQ(reply_view(replies[3].get()).type(), reply_view::kind::nil);
  EXPECT_TRUE(reply_view(replies[4].get()).is_error());
  EXPECT_EQ(reply_view(replies[4].get()).str(), "ERR bad");
  const reply_view arr(replies[5].get());
  ASSERT_EQ(arr.size(), 3u);
  EXPECT_EQ(arr[2].str(), "pay");
  EXPECT_FALSE(arr[3].valid());
}

TEST(redis_protocol, reader_reports_garbage) {
  resp_reader r;
  ASSERT_TRUE(r.feed("?what\r\n", 7));
  reply_ptr p;
  EXPECT_EQ(r.next(p), resp_reader::status::error);
  EXPECT_FALSE(r.error_text().empty());
  r.reset();
  ASSERT_TRUE(r.feed("+OK\r\n", 5));
  EXPECT_EQ(r.next(p), resp_reader::status::reply);
}

namespace {
// Feeds RESP text and dispatches every complete reply.
std::vector<reply_dispatcher::outcome> feed(reply_dispatcher& d, resp_reader& r, const std::string& text,
                                            const reply_dispatcher::push_fn& push = {}) {
  std::vector<reply_dispatcher::outcome> out;
  EXPECT_TRUE(r.feed(text.data(), text.size()));
  reply_ptr p;
  while (r.next(p) == resp_reader::status::reply) out.push_back(d.on_reply(reply_view(p.get()), push));
  return out;
}
}  // namespace

TEST(redis_protocol, dispatcher_matches_replies_fifo_and_skips_discarded) {
  request req;
  std::vector<std::string> seen;
  req.push({"PING"}, [&](boost::system::error_code ec, reply_view r) { seen.push_back("a:" + std::string(r.str())); });
  req.push({"PUBLISH", "c", "1"});
  req.push({"PUBLISH", "c", "2"});
  req.push({"PUBLISH", "c", "3"});
  req.push({"GET", "k"}, [&](boost::system::error_code ec, reply_view r) {
    seen.push_back(ec == error::server_error ? "b:err:" + std::string(r.str()) : "b:ok");
  });
  EXPECT_EQ(req.commands(), 5u);
  // Three discarded replies share one run-length entry.
  EXPECT_EQ(req.expectations().size(), 3u);

  reply_dispatcher d(false);
  d.expect(req.expectations());
  EXPECT_EQ(d.waiting(), 5u);
  resp_reader r;
  const auto out = feed(d, r, "+PONG\r\n:1\r\n:0\r\n:2\r\n-WRONGTYPE x\r\n:9\r\n");
  ASSERT_EQ(out.size(), 6u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(out[i], reply_dispatcher::outcome::dispatched);
  EXPECT_EQ(out[5], reply_dispatcher::outcome::unexpected);
  EXPECT_EQ(seen, (std::vector<std::string>{"a:PONG", "b:err:WRONGTYPE x"}));
  EXPECT_EQ(d.waiting(), 0u);
}

TEST(redis_protocol, subscriber_dispatch_separates_pushes_from_replies) {
  reply_dispatcher d(true);
  request req;
  req.push_unacknowledged({"SUBSCRIBE", "a", "b"});
  int pongs = 0;
  req.push({"PING"}, [&](boost::system::error_code ec, reply_view r) {
    EXPECT_FALSE(ec);
    ++pongs;
  });
  d.expect(req.expectations());
  EXPECT_EQ(d.waiting(), 1u);
  std::vector<std::string> pushes;
  resp_reader r;
  const auto out =
      feed(d, r,
           "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
           "*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
           "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n"
           "*2\r\n$4\r\npong\r\n$0\r\n\r\n"
           "*3\r\n$8\r\nsmessage\r\n$1\r\nb\r\n$2\r\nyo\r\n",
           [&](reply_view p) { pushes.push_back(std::string(p[0].str()) + ":" + std::string(p[1].str())); });
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[3], reply_dispatcher::outcome::dispatched);
  EXPECT_EQ(pongs, 1);
  EXPECT_EQ(pushes, (std::vector<std::string>{"subscribe:a", "subscribe:b", "message:a", "smessage:b"}));
}

TEST(redis_protocol, dispatcher_fails_everything_waiting) {
  reply_dispatcher d(false);
  request req;
  std::vector<boost::system::error_code> errors;
  auto fn = [&](boost::system::error_code ec, reply_view r) {
    EXPECT_FALSE(r.valid());
    errors.push_back(ec);
  };
  req.push({"GET", "a"}, fn);
  req.push({"PUBLISH", "c", "x"});
  req.push({"GET", "b"}, fn);
  d.expect(req.expectations());
  d.fail_all(make_error_code(error::connection_lost));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], error::connection_lost);
  EXPECT_EQ(d.waiting(), 0u);
  EXPECT_EQ(std::string(make_error_code(error::connection_lost).category().name()), "mdfan.redis");
}

TEST(redis_protocol, callbacks_may_queue_more_commands) {
  reply_dispatcher d(false);
  std::vector<int> order;
  request first;
  first.push({"GET", "a"}, [&](boost::system::error_code, reply_view) {
    order.push_back(1);
    request more;
    more.push({"GET", "b"}, [&](boost::system::error_code, reply_view) { order.push_back(3); });
    d.expect(more.expectations());
  });
  first.push({"GET", "c"}, [&](boost::system::error_code, reply_view) { order.push_back(2); });
  d.expect(first.expectations());
  resp_reader r;
  feed(d, r, "$1\r\na\r\n$1\r\nc\r\n$1\r\nb\r\n");
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(redis_protocol, write_queue_coalesces_while_a_write_is_in_flight) {
  write_queue q(0);
  EXPECT_TRUE(q.idle());
  EXPECT_EQ(q.begin_write(), nullptr);
  ASSERT_TRUE(q.push("A"));
  const std::string* w1 = q.begin_write();
  ASSERT_NE(w1, nullptr);
  EXPECT_EQ(*w1, "A");
  EXPECT_TRUE(q.in_flight());
  // Everything queued during the write goes out together in the next one.
  ASSERT_TRUE(q.push("B"));
  ASSERT_TRUE(q.push("C"));
  ASSERT_TRUE(q.push("D"));
  EXPECT_EQ(q.begin_write(), nullptr);  // one write in flight
  EXPECT_EQ(q.queued_bytes(), 3u);
  q.finish_write();
  const std::string* w2 = q.begin_write();
  ASSERT_NE(w2, nullptr);
  EXPECT_EQ(*w2, "BCD");
  q.finish_write();
  EXPECT_TRUE(q.idle());
}

TEST(redis_protocol, write_queue_enforces_its_bound) {
  write_queue q(4);
  EXPECT_TRUE(q.push("abc"));
  EXPECT_FALSE(q.push("de"));
  EXPECT_TRUE(q.push("d"));
  ASSERT_NE(q.begin_write(), nullptr);
  EXPECT_TRUE(q.push("efgh"));  // the bound covers queued bytes, not the write in flight
  q.clear();
  EXPECT_TRUE(q.idle());
}

TEST(redis_protocol, resp_writer_matches_the_formatter) {
  const std::string bin("x\0y", 3);
  std::string expected;
  encode_command(expected, {"PUBLISH", "md:trade:a", bin});
  std::string out;
  append_array_header(out, 3);
  append_bulk(out, "PUBLISH");
  append_bulk(out, "md:", "trade:a");  // two parts, one argument
  append_bulk(out, bin);
  EXPECT_EQ(out, expected);
  out.clear();
  append_bulk(out, "");
  EXPECT_EQ(out, "$0\r\n\r\n");
  out.clear();
  append_array_header(out, 1234567);
  EXPECT_EQ(out, "*1234567\r\n");
}

TEST(redis_protocol, committed_commands_report_through_the_last_reply_only) {
  request req;
  req.push({"PING"});
  for (int i = 0; i < 3; ++i) {
    append_array_header(req.raw(), 2);
    append_bulk(req.raw(), "ECHO");
    append_bulk(req.raw(), std::to_string(i));
  }
  std::vector<std::string> seen;
  req.commit(3, [&](boost::system::error_code ec, reply_view r) {
    seen.push_back(ec ? "err" : std::string(r.str()));
  });
  EXPECT_EQ(req.commands(), 4u);
  // PING and the first two ECHOs share one discarded run; the last ECHO has the callback.
  EXPECT_EQ(req.expectations().size(), 2u);
  reply_dispatcher d(false);
  d.expect(req.expectations());
  EXPECT_EQ(d.waiting(), 4u);
  resp_reader r;
  const auto out = feed(d, r, "+PONG\r\n$1\r\n0\r\n$1\r\n1\r\n$1\r\n2\r\n");
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(seen, std::vector<std::string>{"2"});
  EXPECT_EQ(d.waiting(), 0u);

  request none;
  none.commit(0);
  EXPECT_TRUE(none.empty());
  request one;
  append_array_header(one.raw(), 1);
  append_bulk(one.raw(), "PING");
  one.commit(1);  // no callback: discarded
  EXPECT_EQ(one.commands(), 1u);
  ASSERT_EQ(one.expectations().size(), 1u);
  EXPECT_FALSE(one.expectations()[0].fn);
}

TEST(redis_protocol, write_queue_takes_over_an_owned_buffer) {
  write_queue q(8);
  std::string a = "abc";
  ASSERT_TRUE(q.push_owned(std::move(a)));
  std::string b = "defgh";
  ASSERT_TRUE(q.push_owned(std::move(b)));  // appended behind the first
  std::string c = "x";
  EXPECT_FALSE(q.push_owned(std::move(c)));
  EXPECT_EQ(c, "x");  // untouched when refused
  const auto* w = q.begin_write();
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(*w, "abcdefgh");
}
