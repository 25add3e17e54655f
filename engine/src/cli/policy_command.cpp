#include "cli/policy_command.h"

#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli/exit_code.h"
#include "cli/gateway_request.h"
#include "edgeroute/protocol/builders.h"

namespace edgeroute::cli {
namespace {

std::string version_or_none(std::uint64_t version) {
  return version == 0 ? std::string("none") : std::to_string(version);
}

// The answer, or an error printed under `command`'s name (exit code set).
const protocol::fbs::Response* answered(const std::string& command,
                                        const Result<protocol::ReceivedResponse>& response,
                                        int& exit_code) {
  if (!response) {
    std::cerr << "edgeroute policy " << command << ": " << response.status().message() << '\n';
    exit_code =
        response.status().code() == StatusCode::invalid_argument ? kExitUsage : kExitFailure;
    return nullptr;
  }
  if (const auto* error = response->response().body_as_Error()) {
    std::cerr << "edgeroute policy " << command << ": "
              << (error->message() != nullptr ? error->message()->str() : "refused") << '\n';
    exit_code = kExitFailure;
    return nullptr;
  }
  return &response->response();
}

int run_policy_status(const std::string& to) {
  int exit_code = kExitOk;
  const Result<protocol::ReceivedResponse> response =
      ask_gateway(to, protocol::build_gateway_status_request(1));
  const protocol::fbs::Response* answer = answered("status", response, exit_code);
  if (answer == nullptr) return exit_code;
  const auto* status = answer->body_as_GatewayStatus();
  if (status == nullptr) {
    std::cerr << "edgeroute policy status: unexpected "
              << protocol::fbs::EnumNameResponseBody(answer->body_type()) << " response\n";
    return kExitFailure;
  }
  const bool trial = status->policy_trial_version() != 0;
  std::cout << fmt::format(
      "routing with policy {}{}\n  last-known-good: {}\n  before it (rollback goes to): {}\n"
      "  highest version accepted: {}\n  last change: {}\n",
      status->policy_version(), trial ? " (on trial)" : "",
      version_or_none(status->policy_committed_version()),
      trial ? version_or_none(status->policy_committed_version())
            : version_or_none(status->policy_previous_version()),
      status->policy_highest_accepted(),
      status->policy_detail() != nullptr && status->policy_detail()->size() > 0
          ? status->policy_detail()->str()
          : "none since the gateway started");
  return kExitOk;
}

int run_policy_rollback(const std::string& to, const std::string& reason) {
  int exit_code = kExitOk;
  const Result<protocol::ReceivedResponse> response =
      ask_gateway(to, protocol::build_rollback_policy(1, reason));
  const protocol::fbs::Response* answer = answered("rollback", response, exit_code);
  if (answer == nullptr) return exit_code;
  const auto* rolled_back = answer->body_as_PolicyRolledBack();
  if (rolled_back == nullptr) {
    std::cerr << "edgeroute policy rollback: unexpected "
              << protocol::fbs::EnumNameResponseBody(answer->body_type()) << " response\n";
    return kExitFailure;
  }
  std::cout << fmt::format("policy {} rolled back: routing with policy {} (journal entry {})\n",
                           rolled_back->rolled_back_version(), rolled_back->active_version(),
                           rolled_back->sequence());
  return kExitOk;
}

}  // namespace

void add_policy_command(CLI::App& app, int& exit_code) {
  CLI::App* policy = app.add_subcommand("policy", "A running gateway's routing policies");
  policy->require_subcommand(1);
  auto to = std::make_shared<std::string>("127.0.0.1:7400");
  auto reason = std::make_shared<std::string>();

  CLI::App* status = policy->add_subcommand(
      "status",
      "The policy that routes, one on trial, the last-known-good and what a rollback "
      "would bring back");
  status->add_option("--to", *to, "The gateway's orders listener, HOST:PORT")
      ->default_val("127.0.0.1:7400");
  status->callback([to, &exit_code] { exit_code = run_policy_status(*to); });

  CLI::App* rollback = policy->add_subcommand(
      "rollback", "Revert a policy on trial, or else go back to the policy committed before");
  rollback->add_option("--to", *to, "The gateway's orders listener, HOST:PORT")
      ->default_val("127.0.0.1:7400");
  rollback->add_option("--reason", *reason, "Why, for the journal and central");
  rollback->callback([to, reason, &exit_code] { exit_code = run_policy_rollback(*to, *reason); });
}

}  // namespace edgeroute::cli
