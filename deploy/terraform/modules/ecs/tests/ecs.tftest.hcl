mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name        = "crewlog-test"
  environment = "test"
  image_tag   = "0123456789abcdef0123456789abcdef01234567"
  image_repositories = {
    app   = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/crewlog-test/app"
    web   = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/crewlog-test/web"
    relay = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/crewlog-test/relay"
  }
  subnet_ids        = ["subnet-app0", "subnet-app1"]
  security_group_id = "sg-00000000000task00"
  target_groups = {
    for s in ["all", "users", "hours", "board"] : s => {
      blue_name        = "crewlog-test-${s}-blue"
      green_name       = "crewlog-test-${s}-green"
      blue_arn         = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/crewlog-test-${s}-blue/1"
      green_arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/crewlog-test-${s}-green/2"
      blue_arn_suffix  = "targetgroup/crewlog-test-${s}-blue/1"
      green_arn_suffix = "targetgroup/crewlog-test-${s}-green/2"
    }
  }
  https_listener_arn  = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/crewlog-test/1/2"
  alb_arn_suffix      = "app/crewlog-test/0123456789abcdef"
  execution_role_arn  = "arn:aws:iam::123456789012:role/crewlog-test-execution"
  task_role_arns      = { for s in ["all", "users", "hours", "board", "relay", "migrate"] : s => "arn:aws:iam::123456789012:role/crewlog-test-${s}" }
  codedeploy_role_arn = "arn:aws:iam::123456789012:role/crewlog-test-codedeploy"
  database_secret_arns = {
    for s in ["all", "users", "hours", "board", "relay", "migrate"] :
    s => "arn:aws:secretsmanager:eu-west-1:123456789012:secret:crewlog-test/database/${s}-AbCdEf"
  }
  kms_key_arn          = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  rollback_alarm_names = { hours = ["crewlog-test-hours-target-5xx-rate", "crewlog-test-hours-p99"] }
}

# One run for every property of the default configuration: each run
# starts the provider again, and one run is much cheaper than many.
run "defaults" {
  # tasks only in private subnets
  assert {
    condition = alltrue([
      for s in concat(values(aws_ecs_service.balanced), [aws_ecs_service.relay]) :
      toset(s.network_configuration[0].subnets) == toset(var.subnet_ids) && s.network_configuration[0].assign_public_ip == false && s.network_configuration[0].security_groups == toset([var.security_group_id])
    ])
    error_message = "every task runs in the private app subnets, in the task group, without a public address"
  }

  # containers hardened
  assert {
    condition = alltrue(flatten([
      for t in aws_ecs_task_definition.task : [
        for c in jsondecode(t.container_definitions) :
        c.readonlyRootFilesystem && can(regex("^[1-9][0-9]*:[1-9][0-9]*$", c.user)) && c.logConfiguration.logDriver == "awslogs"
      ]
    ]))
    error_message = "read-only root, numeric non-root user and CloudWatch logs in every container"
  }
  assert {
    condition     = [for c in jsondecode(aws_ecs_task_definition.task["hours"].container_definitions) : c.name] == ["app", "web"]
    error_message = "a balanced task runs app and web"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.task["hours"].container_definitions)[0].secrets[0].valueFrom == var.database_secret_arns["hours"]
    error_message = "the database URL comes from the service's own secret"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.task["board"].container_definitions)[0].healthCheck.command == ["CMD", "/usr/sbin/crewlog", "healthcheck"] && jsondecode(aws_ecs_task_definition.task["board"].container_definitions)[1].dependsOn[0].condition == "HEALTHY"
    error_message = "app is health-checked and web waits for it"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.task["migrate"].container_definitions)[0].command == ["migrate"] && length(jsondecode(aws_ecs_task_definition.task["migrate"].container_definitions)) == 1
    error_message = "the migration is the app image with crewlog migrate"
  }
  assert {
    condition     = startswith(jsondecode(aws_ecs_task_definition.task["relay"].container_definitions)[0].image, "${var.image_repositories["relay"]}:") && startswith(jsondecode(aws_ecs_task_definition.task["migrate"].container_definitions)[0].image, "${var.image_repositories["app"]}:")
    error_message = "the relay runs the relay image (libcurl), the migration the app image"
  }
  assert {
    condition     = alltrue([for t in aws_ecs_task_definition.task : endswith(jsondecode(t.container_definitions)[0].image, ":${var.image_tag}")])
    error_message = "images are pinned to the commit SHA"
  }
  assert {
    condition     = alltrue([for g in aws_cloudwatch_log_group.task : g.kms_key_id == var.kms_key_arn])
    error_message = "log groups are encrypted"
  }

  # fargate base then spot
  assert {
    condition     = alltrue([for s in aws_ecs_service.balanced : contains([for c in s.capacity_provider_strategy : "${c.capacity_provider}/${c.base}"], "FARGATE/1") && contains([for c in s.capacity_provider_strategy : "${c.capacity_provider}/${c.weight}"], "FARGATE_SPOT/3")])
    error_message = "a base on Fargate, the rest weighted to Spot"
  }
  assert {
    condition     = toset(aws_ecs_cluster_capacity_providers.main.capacity_providers) == toset(["FARGATE", "FARGATE_SPOT"])
    error_message = "the cluster offers both capacity providers"
  }

  # autoscaling on request count and cpu
  assert {
    condition     = toset(keys(aws_appautoscaling_policy.requests)) == toset(keys(var.services)) && toset(keys(aws_appautoscaling_policy.cpu)) == toset(keys(var.services))
    error_message = "every balanced service scales on requests and on CPU"
  }
  assert {
    condition = alltrue([
      for k, p in aws_appautoscaling_policy.requests :
      toset(flatten([for m in p.target_tracking_scaling_policy_configuration[0].customized_metric_specification[0].metrics : [for s in m.metric_stat : "${s.metric[0].metric_name} ${one([for d in s.metric[0].dimensions : d.value if d.name == "TargetGroup"])}"]])) ==
      toset(["RequestCountPerTarget ${var.target_groups[k].blue_arn_suffix}", "RequestCountPerTarget ${var.target_groups[k].green_arn_suffix}"])
    ])
    error_message = "the request policy tracks RequestCountPerTarget of the service's blue and green groups"
  }
  assert {
    condition     = aws_appautoscaling_policy.requests["hours"].target_tracking_scaling_policy_configuration[0].target_value == 29460 && aws_appautoscaling_policy.requests["board"].target_tracking_scaling_policy_configuration[0].target_value == 82230
    error_message = "targets follow 0.5 vCPU x measured req/s x 0.5 x 60"
  }
  assert {
    condition     = aws_appautoscaling_policy.cpu["all"].target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type == "ECSServiceAverageCPUUtilization"
    error_message = "the CPU policy tracks average CPU"
  }

  # blue green canary with alarm rollback
  assert {
    condition     = alltrue([for s in aws_ecs_service.balanced : s.deployment_controller[0].type == "CODE_DEPLOY"])
    error_message = "balanced services deploy through CodeDeploy"
  }
  assert {
    condition     = alltrue([for g in aws_codedeploy_deployment_group.service : g.deployment_config_name == "CodeDeployDefault.ECSCanary10Percent10Minutes" && g.deployment_style[0].deployment_type == "BLUE_GREEN"])
    error_message = "blue/green with 10% for 10 minutes"
  }
  assert {
    condition     = aws_codedeploy_deployment_group.service["hours"].alarm_configuration[0].enabled && toset(aws_codedeploy_deployment_group.service["hours"].alarm_configuration[0].alarms) == toset(var.rollback_alarm_names["hours"])
    error_message = "the service's alarms stop its deployment"
  }
  assert {
    condition     = alltrue([for g in aws_codedeploy_deployment_group.service : g.auto_rollback_configuration[0].enabled && toset(g.auto_rollback_configuration[0].events) == toset(["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"])])
    error_message = "failed or alarmed deployments roll back"
  }
  assert {
    condition     = toset([for t in aws_codedeploy_deployment_group.service["users"].load_balancer_info[0].target_group_pair_info[0].target_group : t.name]) == toset(["crewlog-test-users-blue", "crewlog-test-users-green"])
    error_message = "the pair is the service's blue and green groups"
  }
  assert {
    condition     = aws_ecs_service.relay.deployment_circuit_breaker[0].enable && aws_ecs_service.relay.deployment_circuit_breaker[0].rollback
    error_message = "the relay rolls back through the circuit breaker"
  }

  # tagged
  assert {
    condition     = alltrue([for r in concat(values(aws_ecs_service.balanced), values(aws_ecs_task_definition.task), values(aws_codedeploy_deployment_group.service), [aws_ecs_cluster.main]) : r.tags["environment"] == "test" && r.tags["service"] != ""])
    error_message = "services, tasks and deployment groups carry environment and service"
  }
}

run "latest_is_refused" {
  command = plan
  variables {
    image_tag = "latest"
  }
  expect_failures = [var.image_tag]
}
