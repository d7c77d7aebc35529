# One dashboard: traffic and errors at the balancer, per-service latency
# and tasks, the database, the dead-letter queues.

locals {
  region_widget = { region = data.aws_region.current.name }
  widgets = concat(
    [
      {
        type = "metric", width = 12, height = 6
        properties = merge(local.region_widget, {
          title = "Requests and 5XX", stat = "Sum", period = 60
          metrics = [
            ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.alb_arn_suffix],
            [".", "HTTPCode_ELB_5XX_Count", ".", "."],
            [".", "HTTPCode_Target_5XX_Count", ".", "."],
          ]
        })
      },
      {
        type = "metric", width = 12, height = 6
        properties = merge(local.region_widget, {
          title   = "Response time p99", stat = "p99", period = 60
          metrics = [["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", var.alb_arn_suffix]]
        })
      },
      {
        type = "metric", width = 12, height = 6
        properties = merge(local.region_widget, {
          title = "Running tasks", stat = "Average", period = 60
          metrics = [for s in keys(var.service_min_tasks) :
          ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", var.cluster_name, "ServiceName", "${var.name}-${s}"]]
        })
      },
      {
        type = "metric", width = 12, height = 6
        properties = merge(local.region_widget, {
          title = "ECS CPU", stat = "Average", period = 60
          metrics = [for s in keys(var.service_min_tasks) :
          ["AWS/ECS", "CPUUtilization", "ClusterName", var.cluster_name, "ServiceName", "${var.name}-${s}"]]
        })
      },
      {
        type = "metric", width = 12, height = 6
        properties = merge(local.region_widget, {
          title = "Aurora", stat = "Average", period = 60
          metrics = [
            ["AWS/RDS", "CPUUtilization", "DBClusterIdentifier", var.db_cluster_identifier],
            [".", "ACUUtilization", ".", "."],
            [".", "DatabaseConnections", ".", "."],
          ]
        })
      },
      {
        type = "metric", width = 12, height = 6
        properties = merge(local.region_widget, {
          title = "Dead-letter queues", stat = "Maximum", period = 300
          metrics = [for q in values(var.dlq_names) :
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q]]
        })
      },
    ],
    [{
      type = "alarm", width = 24, height = 4
      properties = {
        title  = "Alarms"
        alarms = concat([aws_cloudwatch_metric_alarm.alb_5xx.arn], [for a in aws_cloudwatch_metric_alarm.target_5xx : a.arn])
      }
    }],
  )
}

data "aws_region" "current" {}

resource "aws_cloudwatch_dashboard" "main" {
  dashboard_name = var.name
  dashboard_body = jsonencode({ widgets = local.widgets })
}
