mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name           = "crewlog-test"
  environment    = "test"
  kms_key_arn    = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  alb_arn_suffix = "app/crewlog-test/0123456789abcdef"
  target_groups = {
    all   = { blue_arn_suffix = "targetgroup/crewlog-test-all-blue/1", green_arn_suffix = "targetgroup/crewlog-test-all-green/2" }
    users = { blue_arn_suffix = "targetgroup/crewlog-test-users-blue/3", green_arn_suffix = "targetgroup/crewlog-test-users-green/4" }
    hours = { blue_arn_suffix = "targetgroup/crewlog-test-hours-blue/5", green_arn_suffix = "targetgroup/crewlog-test-hours-green/6" }
    board = { blue_arn_suffix = "targetgroup/crewlog-test-board-blue/7", green_arn_suffix = "targetgroup/crewlog-test-board-green/8" }
  }
  cluster_name          = "crewlog-test"
  service_min_tasks     = { all = 2, users = 2, hours = 2, board = 2, relay = 1 }
  db_cluster_identifier = "crewlog-test"
  dlq_names             = { board = "crewlog-test-board-hours-dlq" }
}

# One run for every property of the default configuration: each run
# starts the provider again, and one run is much cheaper than many.
run "defaults" {
  # an alarm for each listed item
  assert {
    condition     = contains(flatten([for q in aws_cloudwatch_metric_alarm.alb_5xx.metric_query : [for m in q.metric : m.metric_name]]), "HTTPCode_ELB_5XX_Count")
    error_message = "ALB 5XX rate"
  }
  assert {
    condition     = toset(keys(aws_cloudwatch_metric_alarm.target_5xx)) == toset(keys(var.target_groups)) && toset(keys(aws_cloudwatch_metric_alarm.healthy_hosts)) == toset(keys(var.target_groups)) && toset(keys(aws_cloudwatch_metric_alarm.p99)) == toset(keys(var.target_groups))
    error_message = "target 5XX rate, HealthyHostCount and p99 per service"
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.p99 : contains(flatten([for q in a.metric_query : [for m in q.metric : "${m.metric_name}/${m.stat}"]]), "TargetResponseTime/p99")])
    error_message = "the latency alarm reads TargetResponseTime p99"
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.healthy_hosts : contains(flatten([for q in a.metric_query : [for m in q.metric : m.metric_name]]), "HealthyHostCount")])
    error_message = "healthy host alarms read HealthyHostCount"
  }
  assert {
    condition = toset([for a in aws_cloudwatch_metric_alarm.ecs_utilisation : "${a.dimensions.ServiceName}/${a.metric_name}"]) == toset(flatten([
      for s in keys(var.service_min_tasks) : ["crewlog-test-${s}/CPUUtilization", "crewlog-test-${s}/MemoryUtilization"]
    ]))
    error_message = "ECS CPU and memory per service"
  }
  assert {
    condition     = alltrue([for k, a in aws_cloudwatch_metric_alarm.running_tasks : a.metric_name == "RunningTaskCount" && a.threshold == var.service_min_tasks[k]])
    error_message = "RunningTaskCount per service against its minimum"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.aurora_cpu.metric_name == "CPUUtilization" && aws_cloudwatch_metric_alarm.aurora_acu[0].metric_name == "ACUUtilization"
    error_message = "Aurora CPU and ACU"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.dlq_depth["board"].dimensions.QueueName == "crewlog-test-board-hours-dlq" && aws_cloudwatch_metric_alarm.dlq_depth["board"].threshold == 0
    error_message = "any message in a dead-letter queue alarms"
  }

  # every alarm notifies the encrypted topic
  assert {
    condition = alltrue([
      for a in concat(values(aws_cloudwatch_metric_alarm.target_5xx), values(aws_cloudwatch_metric_alarm.healthy_hosts), values(aws_cloudwatch_metric_alarm.p99), values(aws_cloudwatch_metric_alarm.ecs_utilisation), values(aws_cloudwatch_metric_alarm.running_tasks), values(aws_cloudwatch_metric_alarm.dlq_depth), [aws_cloudwatch_metric_alarm.alb_5xx, aws_cloudwatch_metric_alarm.aurora_cpu]) :
      a.alarm_actions == toset([aws_sns_topic.alarms.arn])
    ])
    error_message = "every alarm must notify the topic"
  }
  assert {
    condition     = aws_sns_topic.alarms.kms_master_key_id == var.kms_key_arn
    error_message = "the alarm topic is encrypted"
  }

  # both colours counted
  assert {
    condition     = toset(flatten([for q in aws_cloudwatch_metric_alarm.target_5xx["users"].metric_query : [for m in q.metric : m.dimensions.TargetGroup]])) == toset(["targetgroup/crewlog-test-users-blue/3", "targetgroup/crewlog-test-users-green/4"])
    error_message = "a service's error rate adds its blue and green target groups"
  }
  assert {
    condition     = output.rollback_alarm_names["hours"][0] == "crewlog-test-hours-target-5xx-rate"
    error_message = "rollback alarms are the service's own"
  }
}

run "provisioned_has_no_acu_alarm" {
  variables {
    db_serverless = false
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.aurora_acu) == 0
    error_message = "ACU alarms only for Serverless v2"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.aurora_cpu.tags["environment"] == "test" && aws_cloudwatch_metric_alarm.p99["board"].tags["service"] == "board"
    error_message = "alarms are tagged"
  }
}
