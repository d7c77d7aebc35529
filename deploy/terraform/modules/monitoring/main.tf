# Alarms into one SNS topic, and a dashboard.  Each balanced service has
# two target groups (blue and green), so its alarms add both colours with
# metric math: the idle colour has no data, which FILL turns into zero.
# The alarms named in rollback_alarm_names stop a CodeDeploy deployment
# and roll it back (ecs module).

locals {
  tags = merge(var.tags, {
    environment = var.environment
    service     = "crewlog"
    component   = "monitoring"
  })
  lb       = { LoadBalancer = var.alb_arn_suffix }
  actions  = [aws_sns_topic.alarms.arn]
  services = keys(var.target_groups)
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.kms_key_arn
  tags              = local.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = toset(var.alarm_emails)
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.key
}

# --- balancer -------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "alb_5xx" {
  alarm_name          = "${var.name}-alb-5xx-rate"
  alarm_description   = "Balancer's own 5XX (no healthy target, timeouts) above ${var.error_rate_percent}% of requests"
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.error_rate_percent
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions

  metric_query {
    id          = "rate"
    expression  = "IF(req > 0, 100 * FILL(err, 0) / req, 0)"
    label       = "ELB 5XX %"
    return_data = true
  }
  metric_query {
    id = "err"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      dimensions  = local.lb
      stat        = "Sum"
      period      = 60
    }
  }
  metric_query {
    id = "req"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      dimensions  = local.lb
      stat        = "Sum"
      period      = 60
    }
  }

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "target_5xx" {
  for_each            = var.target_groups
  alarm_name          = "${var.name}-${each.key}-target-5xx-rate"
  alarm_description   = "${each.key}: targets' 5XX above ${var.error_rate_percent}% of requests (both colours)"
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.error_rate_percent
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions

  metric_query {
    id          = "rate"
    expression  = "IF((FILL(rb, 0) + FILL(rg, 0)) > 0, 100 * (FILL(eb, 0) + FILL(eg, 0)) / (FILL(rb, 0) + FILL(rg, 0)), 0)"
    label       = "target 5XX %"
    return_data = true
  }
  dynamic "metric_query" {
    for_each = {
      eb = ["HTTPCode_Target_5XX_Count", each.value.blue_arn_suffix]
      eg = ["HTTPCode_Target_5XX_Count", each.value.green_arn_suffix]
      rb = ["RequestCount", each.value.blue_arn_suffix]
      rg = ["RequestCount", each.value.green_arn_suffix]
    }
    content {
      id = metric_query.key
      metric {
        namespace   = "AWS/ApplicationELB"
        metric_name = metric_query.value[0]
        dimensions  = merge(local.lb, { TargetGroup = metric_query.value[1] })
        stat        = "Sum"
        period      = 60
      }
    }
  }

  tags = merge(local.tags, { service = each.key })
}

resource "aws_cloudwatch_metric_alarm" "healthy_hosts" {
  for_each            = var.target_groups
  alarm_name          = "${var.name}-${each.key}-healthy-hosts"
  alarm_description   = "${each.key}: no healthy target in either colour"
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  evaluation_periods  = 2
  treat_missing_data  = "breaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions

  metric_query {
    id          = "healthy"
    expression  = "FILL(hb, 0) + FILL(hg, 0)"
    label       = "healthy targets"
    return_data = true
  }
  dynamic "metric_query" {
    for_each = { hb = each.value.blue_arn_suffix, hg = each.value.green_arn_suffix }
    content {
      id = metric_query.key
      metric {
        namespace   = "AWS/ApplicationELB"
        metric_name = "HealthyHostCount"
        dimensions  = merge(local.lb, { TargetGroup = metric_query.value })
        stat        = "Minimum"
        period      = 60
      }
    }
  }

  tags = merge(local.tags, { service = each.key })
}

resource "aws_cloudwatch_metric_alarm" "p99" {
  for_each            = var.target_groups
  alarm_name          = "${var.name}-${each.key}-p99"
  alarm_description   = "${each.key}: TargetResponseTime p99 above ${var.p99_seconds}s in either colour"
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.p99_seconds
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions

  metric_query {
    id          = "p99"
    expression  = "MAX([FILL(pb, 0), FILL(pg, 0)])"
    label       = "p99 seconds"
    return_data = true
  }
  dynamic "metric_query" {
    for_each = { pb = each.value.blue_arn_suffix, pg = each.value.green_arn_suffix }
    content {
      id = metric_query.key
      metric {
        namespace   = "AWS/ApplicationELB"
        metric_name = "TargetResponseTime"
        dimensions  = merge(local.lb, { TargetGroup = metric_query.value })
        stat        = "p99"
        period      = 60
      }
    }
  }

  tags = merge(local.tags, { service = each.key })
}

# --- ECS ------------------------------------------------------------------

locals {
  ecs_utilisation = merge([
    for svc in keys(var.service_min_tasks) : {
      "${svc}-cpu"    = { service = svc, metric = "CPUUtilization", threshold = var.cpu_percent }
      "${svc}-memory" = { service = svc, metric = "MemoryUtilization", threshold = var.memory_percent }
    }
  ]...)
}

resource "aws_cloudwatch_metric_alarm" "ecs_utilisation" {
  for_each            = local.ecs_utilisation
  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = "${each.value.service}: ${each.value.metric} above ${each.value.threshold}% (autoscaling is not keeping up)"
  namespace           = "AWS/ECS"
  metric_name         = each.value.metric
  dimensions          = { ClusterName = var.cluster_name, ServiceName = "${var.name}-${each.value.service}" }
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 4
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = merge(local.tags, { service = each.value.service })
}

resource "aws_cloudwatch_metric_alarm" "running_tasks" {
  for_each            = var.service_min_tasks
  alarm_name          = "${var.name}-${each.key}-running-tasks"
  alarm_description   = "${each.key}: fewer than ${each.value} running tasks"
  namespace           = "ECS/ContainerInsights"
  metric_name         = "RunningTaskCount"
  dimensions          = { ClusterName = var.cluster_name, ServiceName = "${var.name}-${each.key}" }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 3
  comparison_operator = "LessThanThreshold"
  threshold           = each.value
  treat_missing_data  = "breaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = merge(local.tags, { service = each.key })
}

# --- Aurora and queues ----------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "aurora_cpu" {
  alarm_name          = "${var.name}-aurora-cpu"
  alarm_description   = "Aurora CPU above ${var.cpu_percent}%"
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = { DBClusterIdentifier = var.db_cluster_identifier }
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 4
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.cpu_percent
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "aurora_acu" {
  count               = var.db_serverless ? 1 : 0
  alarm_name          = "${var.name}-aurora-acu"
  alarm_description   = "Aurora Serverless v2 above ${var.acu_percent}% of its maximum ACU: raise max_acu"
  namespace           = "AWS/RDS"
  metric_name         = "ACUUtilization"
  dimensions          = { DBClusterIdentifier = var.db_cluster_identifier }
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 10
  datapoints_to_alarm = 8
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.acu_percent
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  for_each            = var.dlq_names
  alarm_name          = "${var.name}-${each.key}-dlq-depth"
  alarm_description   = "${each.key}: hour events in the dead-letter queue (a consumer failed ${each.key} deliveries)"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = merge(local.tags, { service = each.key })
}
