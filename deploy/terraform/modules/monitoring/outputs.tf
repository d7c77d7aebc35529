output "topic_arn" {
  description = "SNS topic every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}

output "rollback_alarm_names" {
  description = "Per balanced service: the alarms that stop and roll back its CodeDeploy deployment."
  value = {
    for svc in local.services : svc => [
      aws_cloudwatch_metric_alarm.target_5xx[svc].alarm_name,
      aws_cloudwatch_metric_alarm.p99[svc].alarm_name,
      aws_cloudwatch_metric_alarm.alb_5xx.alarm_name,
    ]
  }
}

output "dashboard_name" {
  description = "CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.main.dashboard_name
}
