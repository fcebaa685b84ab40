// SmtpSend against a small SMTP server on loopback that speaks just enough
// of the protocol (EHLO/HELO, MAIL, RCPT, DATA, QUIT) and records what it got.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <thread>

#include "connectors/connectors.h"

namespace weir {
namespace {

class SmtpSink {
 public:
  // `rcpt_reply` answers every RCPT TO (e.g. "550 no such user").
  explicit SmtpSink(std::string rcpt_reply = "250 OK") : rcpt_reply_(std::move(rcpt_reply)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    ::listen(listener_, 4);
    thread_ = std::thread([this] { Serve(); });
  }
  ~SmtpSink() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }

  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  std::string transcript() {
    std::lock_guard<std::mutex> lock(mu_);
    return transcript_;
  }

 private:
  void Serve() {
    int connection = ::accept(listener_, nullptr, nullptr);
    if (connection < 0) return;
    Send(connection, "220 sink ESMTP\r\n");
    std::string buffer;
    bool in_data = false;
    for (;;) {
      size_t end = buffer.find("\r\n");
      if (end == std::string::npos) {
        char chunk[4096];
        ssize_t n = ::recv(connection, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        buffer.append(chunk, static_cast<size_t>(n));
        continue;
      }
      std::string line = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      {
        std::lock_guard<std::mutex> lock(mu_);
        transcript_ += line + "\n";
      }
      if (in_data) {
        if (line == ".") {
          in_data = false;
          Send(connection, "250 queued\r\n");
        }
      } else if (line.rfind("EHLO", 0) == 0 || line.rfind("HELO", 0) == 0) {
        Send(connection, "250 sink\r\n");
      } else if (line.rfind("RCPT", 0) == 0) {
        Send(connection, rcpt_reply_ + "\r\n");
      } else if (line == "DATA") {
        in_data = true;
        Send(connection, "354 go ahead\r\n");
      } else if (line == "QUIT") {
        Send(connection, "221 bye\r\n");
        break;
      } else {
        Send(connection, "250 OK\r\n");
      }
    }
    ::close(connection);
  }

  static void Send(int fd, const std::string& text) { ::send(fd, text.data(), text.size(), MSG_NOSIGNAL); }

  std::string rcpt_reply_;
  int listener_ = -1;
  int port_ = 0;
  std::mutex mu_;
  std::string transcript_;
  std::thread thread_;
};

TimePoint InAMinute() { return std::chrono::system_clock::now() + std::chrono::minutes(1); }

SmtpMessage Message(const std::string& url) {
  SmtpMessage m;
  m.url = url;
  m.from = "Weir <weir@localhost>";
  m.to = {"ops@example.com", "oncall@example.com"};
  m.subject = "task load failed\r\nBcc: everyone@example.com";
  m.body = "line one\n.hidden dot\nlast";
  return m;
}

TEST(SmtpClientTest, SendsOneMessageToEveryRecipient) {
  SmtpSink sink;
  CancelToken cancel;
  Status sent = SmtpSend(Message(sink.url()), cancel, InAMinute());
  ASSERT_TRUE(sent.ok()) << sent.ToString();
  std::string t = sink.transcript();
  EXPECT_NE(t.find("MAIL FROM:<weir@localhost>"), std::string::npos) << t;
  EXPECT_NE(t.find("RCPT TO:<ops@example.com>\nRCPT TO:<oncall@example.com>\n"), std::string::npos) << t;
  EXPECT_NE(t.find("\nFrom: Weir <weir@localhost>\n"), std::string::npos) << t;
  EXPECT_NE(t.find("\nTo: ops@example.com, oncall@example.com\n"), std::string::npos) << t;
  // A line break in the subject cannot add a header of its own.
  EXPECT_NE(t.find("\nSubject: task load failed  Bcc: everyone@example.com\n"), std::string::npos) << t;
  EXPECT_EQ(t.find("\nBcc:"), std::string::npos) << t;
  // The body, with the leading dot doubled on the wire (RFC 5321 4.5.2).
  EXPECT_NE(t.find("\n\nline one\n..hidden dot\nlast\n.\n"), std::string::npos) << t;
}

TEST(SmtpClientTest, NonAsciiSubjectsAreEncodedWords) {
  SmtpSink sink;
  SmtpMessage m = Message(sink.url());
  m.subject = "Fehler: Straße";  // "Fehler: Straße" in UTF-8 is base64 RmVobGVyOiBTdHJhw59l
  CancelToken cancel;
  ASSERT_TRUE(SmtpSend(m, cancel, InAMinute()).ok());
  EXPECT_NE(sink.transcript().find("\nSubject: =?UTF-8?B?RmVobGVyOiBTdHJhw59l?=\n"), std::string::npos)
      << sink.transcript();
}

TEST(SmtpClientTest, RefusalsAreUserErrorsOrFaultsByTheirReplyClass) {
  CancelToken cancel;
  {
    SmtpSink sink("550 no such user");
    Status refused = SmtpSend(Message(sink.url()), cancel, InAMinute());
    EXPECT_EQ(refused.code(), "smtp-rejected") << refused.ToString();
    EXPECT_FALSE(refused.retryable());
  }
  {
    SmtpSink sink("451 try later");
    Status later = SmtpSend(Message(sink.url()), cancel, InAMinute());
    EXPECT_EQ(later.code(), "smtp-rejected") << later.ToString();
    EXPECT_TRUE(later.retryable());
  }
}

TEST(SmtpClientTest, ConnectionAndUrlProblems) {
  CancelToken cancel;
  int port = 0;
  {
    SmtpSink closed;  // its port is free again once it is gone
    port = std::stoi(closed.url().substr(closed.url().rfind(':') + 1));
    CancelToken stop;
    ASSERT_TRUE(SmtpSend(Message(closed.url()), stop, InAMinute()).ok());
  }
  Status refused = SmtpSend(Message("smtp://127.0.0.1:" + std::to_string(port)), cancel, InAMinute());
  EXPECT_EQ(refused.code(), "smtp-connection") << refused.ToString();
  EXPECT_TRUE(refused.retryable());
  EXPECT_EQ(SmtpSend(Message("http://127.0.0.1:1"), cancel, InAMinute()).code(), "smtp-bad-url");
  SmtpMessage nobody = Message("smtp://127.0.0.1:1");
  nobody.to.clear();
  EXPECT_EQ(SmtpSend(nobody, cancel, InAMinute()).code(), "smtp-no-recipients");
  cancel.Cancel();
  EXPECT_EQ(SmtpSend(Message("smtp://127.0.0.1:1"), cancel, InAMinute()).kind(), ErrorKind::kCancelled);
}

}  // namespace
}  // namespace weir
