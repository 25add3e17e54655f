#include "cli/send_command.h"

#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/absolute_path.h"
#include "cli/exit_code.h"
#include "cli/gateway_request.h"
#include "edgeroute/hal/linux/linux_storage.h"
#include "edgeroute/protocol/blocking_client.h"
#include "edgeroute/protocol/builders.h"
#include "edgeroute/routing/io/load.h"
#include "edgeroute/routing/time_text.h"

namespace edgeroute::cli {
namespace {

namespace io = routing::io;
using protocol::fbs::ResponseBody;

// Requests sent before their responses are read: enough to keep a gateway busy,
// few enough that neither side's socket buffers fill.
constexpr std::size_t kWindow = 64;

struct SendOptions {
  std::string to = "127.0.0.1:7400";
  std::string orders;  // JSON Lines file, or - for stdin
  bool quote = false;
  bool indented = false;
  std::vector<std::string> cancel;
  std::vector<std::string> query;
  // Fulfillment reports, ORDER_ID:NODE_ID:EVENT, and what they say beyond that.
  std::vector<std::string> report;
  std::string exception_code;
  std::string expected_delivery_date;
  std::string detail;
};

// One --report: the order, the node and the event, and the text it was read from.
struct ReportRequest {
  std::string order_id;
  std::string node_id;
  protocol::fbs::FulfillmentEventKind event = protocol::fbs::FulfillmentEventKind::picked;
};

Result<ReportRequest> parse_report(const std::string& text) {
  const std::size_t first = text.find(':');
  const std::size_t last = text.rfind(':');
  const auto usage = [&](std::string_view why) {
    return Status{StatusCode::invalid_argument,
                  fmt::format("--report {}: {}; write ORDER_ID:NODE_ID:EVENT with EVENT one of "
                              "picked, packed, handed_off, delayed, failed",
                              text, why)};
  };
  if (first == std::string::npos || first == last) return usage("three parts expected");
  ReportRequest report{text.substr(0, first), text.substr(first + 1, last - first - 1)};
  const std::string event = text.substr(last + 1);
  if (report.order_id.empty() || report.node_id.empty()) return usage("an empty order or node");
  const auto* names = protocol::fbs::EnumNamesFulfillmentEventKind();
  for (auto kind = protocol::fbs::FulfillmentEventKind::MIN;
       kind <= protocol::fbs::FulfillmentEventKind::MAX;
       kind = static_cast<protocol::fbs::FulfillmentEventKind>(static_cast<int>(kind) + 1)) {
    if (event == names[static_cast<int>(kind)]) {
      report.event = kind;
      return report;
    }
  }
  return usage(fmt::format("'{}' is not an event", event));
}

std::string text_of(const flatbuffers::String* text) {
  return text != nullptr ? text->str() : "";
}

// A response as one line for a person or a script: the decision or quote as JSON, the
// rest as short text.
Result<std::string> describe(const protocol::fbs::Response& response, JsonLayout layout) {
  switch (response.body_type()) {
    case ResponseBody::RouteOrderResult: {
      const auto* bytes = response.body_as_RouteOrderResult()->decision();
      return io::decision_to_json(
          io::DecisionDocument(std::vector<std::uint8_t>(bytes->begin(), bytes->end())), layout);
    }
    case ResponseBody::QuoteResult: {
      const auto* bytes = response.body_as_QuoteResult()->quote();
      return io::quote_to_json(
          io::QuoteDocument(std::vector<std::uint8_t>(bytes->begin(), bytes->end())), layout);
    }
    case ResponseBody::CancelOrderResult: {
      const auto* result = response.body_as_CancelOrderResult();
      return fmt::format("order {}: {} (journal sequence {})", text_of(result->order_id()),
                         result->released() ? "released" : "nothing left to release",
                         result->journal_sequence());
    }
    case ResponseBody::ReportFulfillmentResult: {
      const auto* result = response.body_as_ReportFulfillmentResult();
      return fmt::format("order {}: report recorded (journal sequence {}){}",
                         text_of(result->order_id()), result->journal_sequence(),
                         result->rerouted() ? "; rerouted" : "");
    }
    case ResponseBody::OrderState: {
      const auto* state = response.body_as_OrderState();
      return fmt::format("order {}: {} (journal sequence {})", text_of(state->order_id()),
                         protocol::fbs::EnumNameOrderStatus(state->status()),
                         state->journal_sequence());
    }
    case ResponseBody::Error: {
      const auto* error = response.body_as_Error();
      return Status{StatusCode::failed_precondition,
                    fmt::format("{}: {}", protocol::fbs::EnumNameErrorCode(error->code()),
                                text_of(error->message()))};
    }
    default:
      return fmt::format("{} response", protocol::fbs::EnumNameResponseBody(response.body_type()));
  }
}

int run_send(const SendOptions& options) {
  const Result<Endpoint> endpoint = parse_endpoint(options.to);
  if (!endpoint) {
    std::cerr << "edgeroute send: " << endpoint.status().message() << '\n';
    return kExitUsage;
  }
  // What to send, in order, with a label for the messages about it.
  std::vector<std::pair<std::string, protocol::Frame>> requests;
  std::uint64_t next_id = 1;
  bool unreadable = false;
  if (!options.orders.empty()) {
    std::string text;
    if (options.orders == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      hal::LinuxStorage storage;
      Result<std::string> read = storage.read_file(absolute_path(options.orders));
      if (!read) {
        std::cerr << options.orders << ": " << read.status().message() << '\n';
        return kExitFailure;
      }
      text = std::move(read).value();
    }
    std::size_t line_number = 0;
    std::string_view rest = text;
    while (!rest.empty()) {
      ++line_number;
      const std::size_t end = rest.find('\n');
      const std::string_view line = rest.substr(0, end);
      rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      Result<io::OrderDocument> order = io::parse_order_json(line);
      const std::string label = fmt::format("{}:{}", options.orders, line_number);
      if (!order) {
        std::cerr << label << ": " << order.status().message() << '\n';
        unreadable = true;
        continue;
      }
      requests.emplace_back(label, options.quote
                                       ? protocol::build_quote_request(next_id++, order->bytes())
                                       : protocol::build_route_order(next_id++, order->bytes()));
    }
  }
  for (const std::string& order_id : options.cancel) {
    requests.emplace_back("cancel " + order_id, protocol::build_cancel_order(
                                                    next_id++, order_id, "cancelled by operator"));
  }
  // Reports are stamped with this machine's clock: the moment the operator reports it.
  const std::string occurred_at =
      routing::format_utc_instant(std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count());
  std::vector<ReportRequest> reports;
  for (const std::string& text : options.report) {
    Result<ReportRequest> report = parse_report(text);
    if (!report) {
      std::cerr << "edgeroute send: " << report.status().message() << '\n';
      return kExitUsage;
    }
    reports.push_back(std::move(report).value());
  }
  for (const ReportRequest& report : reports) {
    protocol::FulfillmentReport fields;
    fields.order_id = report.order_id;
    fields.node_id = report.node_id;
    fields.event = report.event;
    fields.occurred_at = occurred_at;
    fields.exception_code = options.exception_code;
    fields.detail = options.detail;
    fields.expected_delivery_date = options.expected_delivery_date;
    requests.emplace_back(fmt::format("report {} at {}", report.order_id, report.node_id),
                          protocol::build_report_fulfillment(next_id++, fields));
  }
  for (const std::string& order_id : options.query) {
    requests.emplace_back("query " + order_id, protocol::build_query_order(next_id++, order_id));
  }

  Result<protocol::BlockingClient> client =
      protocol::BlockingClient::connect(endpoint->host, endpoint->port, kGatewayTimeout);
  if (!client) {
    std::cerr << "edgeroute send: " << client.status().message() << '\n';
    return kExitFailure;
  }
  const JsonLayout layout = options.indented ? JsonLayout::indented : JsonLayout::one_line;
  std::map<std::uint64_t, std::string> answers;
  bool refused = false;
  std::size_t sent = 0;
  std::size_t received = 0;
  while (received < requests.size()) {
    while (sent < requests.size() && sent - received < kWindow) {
      if (Status status = client->send(requests[sent].second); !status.is_ok()) {
        std::cerr << "edgeroute send: " << status.message() << '\n';
        return kExitFailure;
      }
      ++sent;
    }
    Result<protocol::ReceivedResponse> response = client->receive(kGatewayTimeout);
    if (!response) {
      std::cerr << "edgeroute send: " << response.status().message() << '\n';
      return kExitFailure;
    }
    ++received;
    const std::uint64_t id = response->request_id();
    Result<std::string> line = describe(response->response(), layout);
    const std::string label =
        id >= 1 && id <= requests.size() ? requests[static_cast<std::size_t>(id - 1)].first : "?";
    if (!line) {
      std::cerr << label << ": " << line.status().message() << '\n';
      refused = true;
      continue;
    }
    answers[id] = std::move(line).value();
  }
  for (const auto& [id, line] : answers) std::cout << line << '\n';
  return refused || unreadable ? kExitFailure : kExitOk;
}

int run_status(const std::string& to) {
  Result<protocol::ReceivedResponse> response =
      ask_gateway(to, protocol::build_gateway_status_request(1));
  if (!response) {
    std::cerr << "edgeroute status: " << response.status().message() << '\n';
    return response.status().code() == StatusCode::invalid_argument ? kExitUsage : kExitFailure;
  }
  const auto* status = response->response().body_as_GatewayStatus();
  if (status == nullptr) {
    std::cerr << "edgeroute status: unexpected "
              << protocol::fbs::EnumNameResponseBody(response->body_type()) << " response\n";
    return kExitFailure;
  }
  const std::uint64_t newest = status->journal_last_sequence();
  const std::uint64_t held = status->journal_acknowledged_sequence();
  std::string sync = "off (no TLS files for central in the configuration)";
  if (status->sync() != protocol::fbs::SyncState::off) {
    sync = status->sync() == protocol::fbs::SyncState::connected ? "connected" : "not connected";
    sync += fmt::format(", central holds {} of {} journal entries", held, newest);
    if (status->sync_detail() != nullptr && status->sync_detail()->size() > 0)
      sync += fmt::format(" (last: {})", status->sync_detail()->string_view());
  }
  std::cout << fmt::format(
      "gateway {}\n  ready: {}\n  accepting: {}{}\n  journal: sequence {}, acknowledged {}\n"
      "  sync: {}\n"
      "  policy version {}{}, network version {}\n  queues: ingress {}, journal {}\n"
      "  routing workers: {}\n  uptime: {} s\n{}",
      text_of(status->gateway_id()), status->ready() ? "yes" : "no",
      status->accepting() ? "yes" : "no",
      status->detail() != nullptr && status->detail()->size() > 0
          ? fmt::format(" ({})", status->detail()->string_view())
          : "",
      newest, held, sync, status->policy_version(),
      status->policy_trial_version() != 0 ? " (on trial)" : "", status->network_version(),
      status->ingress_queue_depth(), status->journal_queue_depth(), status->routing_workers(),
      status->uptime_seconds(),
      status->escrow_leases() == 0
          ? std::string()
          : fmt::format("  escrow: {} lease(s), {} unit(s) unreserved, {} expired\n",
                        status->escrow_leases(), status->escrow_unreserved_units(),
                        status->escrow_expired_leases()));
  return status->ready() ? kExitOk : kExitFailure;
}

}  // namespace

void add_send_command(CLI::App& app, int& exit_code) {
  CLI::App* send =
      app.add_subcommand("send", "Send orders to a running gateway and print its decisions (JSON)");
  auto options = std::make_shared<SendOptions>();
  send->add_option("--to", options->to, "The gateway's orders listener, HOST:PORT")
      ->default_val("127.0.0.1:7400");
  send->add_option("--orders", options->orders, "Orders, one JSON object per line ('-': stdin)");
  send->add_flag("--quote", options->quote, "Ask for delivery options instead of routing");
  send->add_flag("--indented", options->indented, "Indent each decision for reading");
  send->add_option("--cancel", options->cancel, "Cancel these orders (ids)");
  send->add_option("--query", options->query, "Print where these orders stand (ids)");
  send->add_option("--report", options->report,
                   "Report fulfillment, ORDER_ID:NODE_ID:EVENT (picked, packed, handed_off, "
                   "delayed, failed)");
  send->add_option("--exception-code", options->exception_code,
                   "Why a delayed or failed report happened (e.g. short_pick)");
  send->add_option("--expected-delivery-date", options->expected_delivery_date,
                   "A delayed report's new delivery date, YYYY-MM-DD");
  send->add_option("--detail", options->detail, "A person's words for the reports");
  send->callback([options, &exit_code] {
    if (options->orders.empty() && options->cancel.empty() && options->query.empty() &&
        options->report.empty()) {
      std::cerr
          << "edgeroute send: nothing to send: give --orders, --cancel, --report or --query\n";
      exit_code = kExitUsage;
      return;
    }
    exit_code = run_send(*options);
  });
}

void add_status_command(CLI::App& app, int& exit_code) {
  CLI::App* status = app.add_subcommand("status", "Show a running gateway's state");
  auto to = std::make_shared<std::string>("127.0.0.1:7400");
  status->add_option("--to", *to, "The gateway's orders listener, HOST:PORT")
      ->default_val("127.0.0.1:7400");
  status->callback([to, &exit_code] { exit_code = run_status(*to); });
}

}  // namespace edgeroute::cli
