mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name                     = "crewlog-test"
  environment              = "test"
  topic_arn                = "arn:aws:sns:eu-west-1:123456789012:crewlog-test-hours"
  consumer_queue_arns      = { board = "arn:aws:sqs:eu-west-1:123456789012:crewlog-test-board-hours" }
  secret_arns              = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:crewlog-test/db/all-AbCdEf"]
  kms_key_arn              = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  ecr_repository_arns      = ["arn:aws:ecr:eu-west-1:123456789012:repository/crewlog-test/app"]
  github_repository        = "crewlog/crewlog"
  github_apply_environment = "test-infra"
  state_bucket             = "crewlog-tfstate"
}

# One run for every property of the default configuration: each run
# starts the provider again, and one run is much cheaper than many.
run "defaults" {
  # a role per task
  assert {
    condition     = toset(keys(aws_iam_role.task)) == toset(["all", "users", "hours", "board", "relay", "migrate"])
    error_message = "every service, the relay and the migration get their own role"
  }
  assert {
    condition     = alltrue([for r in aws_iam_role.task : jsondecode(r.assume_role_policy).Statement[0].Principal.Service == "ecs-tasks.amazonaws.com"])
    error_message = "task roles are assumed by ECS tasks only"
  }

  # only the relay may publish
  assert {
    condition     = aws_iam_role_policy.relay_publish.role == aws_iam_role.task["relay"].id
    error_message = "the publish policy belongs to the relay"
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.relay_publish.policy).Statement[0].Resource == var.topic_arn
    error_message = "the relay publishes to its topic only"
  }
  assert {
    condition = alltrue([
      for p in aws_iam_role_policy.consume :
      !strcontains(p.policy, "sns:") && jsondecode(p.policy).Statement[0].Resource == var.consumer_queue_arns["board"]
    ])
    error_message = "consumers read their own queue and may not publish"
  }
  assert {
    condition     = !strcontains(aws_iam_role_policy.execution_secrets.policy, "sns:") && !strcontains(aws_iam_role_policy.github_release.policy, "sns:")
    error_message = "no other role may publish"
  }

  # github roles bound to repository and branch
  assert {
    condition     = jsondecode(aws_iam_role.github["release"].assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == "repo:crewlog/crewlog:ref:refs/heads/main"
    error_message = "release role: pushes to main of this repository only"
  }
  assert {
    condition     = jsondecode(aws_iam_role.github["terraform"].assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == "repo:crewlog/crewlog:environment:test-infra"
    error_message = "apply role: jobs of the protected environment only"
  }
  assert {
    condition     = alltrue([for r in aws_iam_role.github : jsondecode(r.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"])
    error_message = "every GitHub role checks the audience"
  }
  assert {
    condition     = aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com"
    error_message = "the OIDC provider is GitHub's"
  }

  # tagged
  assert {
    condition     = alltrue([for r in concat(values(aws_iam_role.task), values(aws_iam_role.github), [aws_iam_role.execution]) : r.tags["environment"] == "test" && r.tags["service"] != ""])
    error_message = "roles carry environment and service"
  }
}

run "bad_repository_is_refused" {
  command = plan
  variables {
    github_repository = "crewlog"
  }
  expect_failures = [var.github_repository]
}
