mock_provider "aws" {
  source = "../../tests/mocks"
}

# The shared mock gives every target group the same ARN: tell them apart.
override_resource {
  target = aws_lb_target_group.main["all-blue"]
  values = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/crewlog-test-all-blue/0123456789abcdef"
    arn_suffix = "targetgroup/crewlog-test-all-blue/0123456789abcdef"
  }
}

override_resource {
  target = aws_lb_target_group.main["all-green"]
  values = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/crewlog-test-all-green/0123456789abcdef"
    arn_suffix = "targetgroup/crewlog-test-all-green/0123456789abcdef"
  }
}

override_resource {
  target = aws_lb_target_group.main["users-blue"]
  values = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/crewlog-test-users-blue/0123456789abcdef"
    arn_suffix = "targetgroup/crewlog-test-users-blue/0123456789abcdef"
  }
}

override_resource {
  target = aws_lb_target_group.main["users-green"]
  values = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/crewlog-test-users-green/0123456789abcdef"
    arn_suffix = "targetgroup/crewlog-test-users-green/0123456789abcdef"
  }
}

override_resource {
  target = aws_lb_target_group.main["hours-blue"]
  values = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/crewlog-test-hours-blue/0123456789abcdef"
    arn_suffix = "targetgroup/crewlog-test-hours-blue/0123456789abcdef"
  }
}

override_resource {
  target = aws_lb_target_group.main["hours-green"]
  values = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/crewlog-test-hours-green/0123456789abcdef"
    arn_suffix = "targetgroup/crewlog-test-hours-green/0123456789abcdef"
  }
}

override_resource {
  target = aws_lb_target_group.main["board-blue"]
  values = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/crewlog-test-board-blue/0123456789abcdef"
    arn_suffix = "targetgroup/crewlog-test-board-blue/0123456789abcdef"
  }
}

override_resource {
  target = aws_lb_target_group.main["board-green"]
  values = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/crewlog-test-board-green/0123456789abcdef"
    arn_suffix = "targetgroup/crewlog-test-board-green/0123456789abcdef"
  }
}

variables {
  name              = "crewlog-test"
  environment       = "test"
  vpc_id            = "vpc-0123456789abcdef0"
  public_subnet_ids = ["subnet-pub0", "subnet-pub1"]
  security_group_id = "sg-00000000000alb000"
  certificate_arn   = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
}

# One run for every property of the default configuration: each run
# starts the provider again, and one run is much cheaper than many.
run "defaults" {
  # blue and green per service
  assert {
    condition     = toset(keys(aws_lb_target_group.main)) == toset(["all-blue", "all-green", "users-blue", "users-green", "hours-blue", "hours-green", "board-blue", "board-green"])
    error_message = "every service (and the monolith) needs a blue and a green target group"
  }
  assert {
    condition     = alltrue([for t in aws_lb_target_group.main : t.health_check[0].path == "/healthz" && t.target_type == "ip" && t.port == 8080])
    error_message = "targets are task IPs on 8080, probed on /healthz"
  }
  assert {
    condition     = alltrue([for t in aws_lb_target_group.main : t.deregistration_delay == "20"])
    error_message = "deregistration delay is shorter than the task stop timeout"
  }

  # https with modern tls and redirect
  assert {
    condition     = aws_lb_listener.https.protocol == "HTTPS" && aws_lb_listener.https.ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06" && aws_lb_listener.https.certificate_arn == var.certificate_arn
    error_message = "HTTPS listener with the ACM certificate and a TLS 1.3/1.2 policy"
  }
  assert {
    condition     = aws_lb_listener.http.default_action[0].type == "redirect" && aws_lb_listener.http.default_action[0].redirect[0].protocol == "HTTPS" && aws_lb_listener.http.default_action[0].redirect[0].status_code == "HTTP_301"
    error_message = "HTTP redirects to HTTPS"
  }
  assert {
    condition     = aws_lb.main.drop_invalid_header_fields && !aws_lb.main.internal
    error_message = "internet-facing, dropping invalid headers"
  }

  # paths per service monolith default
  assert {
    condition     = aws_lb_listener.https.default_action[0].target_group_arn == aws_lb_target_group.main["all-blue"].arn
    error_message = "the monolith takes every path no rule claims"
  }
  assert {
    condition     = toset(flatten([for r in aws_lb_listener_rule.service : r.condition[*].path_pattern[0].values if r.action[0].target_group_arn == aws_lb_target_group.main["users-blue"].arn])) == toset(["/signup", "/login", "/logout", "/api/users*", "/api/sessions*", "/api/me"])
    error_message = "users' six paths, split over rules of at most five values"
  }
  assert {
    condition     = toset(flatten([for r in aws_lb_listener_rule.service : r.condition[*].path_pattern[0].values if r.action[0].target_group_arn == aws_lb_target_group.main["hours-blue"].arn])) == toset(["/log*", "/api/hours*"])
    error_message = "hours paths go to hours"
  }
  assert {
    condition     = length(distinct([for r in aws_lb_listener_rule.service : r.priority])) == length(aws_lb_listener_rule.service)
    error_message = "rule priorities must be unique"
  }
  assert {
    condition     = max([for k, r in aws_lb_listener_rule.service : r.priority if startswith(k, "users-")]...) < min([for k, r in aws_lb_listener_rule.service : r.priority if startswith(k, "hours-")]...)
    error_message = "users' rules (/login, /logout) come before hours' /log*"
  }
}

run "prod_protected_and_tagged" {
  variables {
    deletion_protection = true
  }
  assert {
    condition     = aws_lb.main.enable_deletion_protection
    error_message = "prod balancer refuses deletion"
  }
  assert {
    condition     = alltrue([for t in aws_lb_target_group.main : t.tags["environment"] == "test" && contains(["all", "users", "hours", "board"], t.tags["service"])])
    error_message = "target groups carry environment and their service"
  }
}

run "draining_longer_than_stop_is_refused" {
  command = plan
  variables {
    deregistration_delay = 60
    task_stop_timeout    = 30
  }
  expect_failures = [var.task_stop_timeout]
}
