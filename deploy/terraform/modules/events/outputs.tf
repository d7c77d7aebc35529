output "topic_arn" {
  description = "SNS topic of hour events; only the relay may publish."
  value       = aws_sns_topic.hours.arn
}

output "queue_arns" {
  description = "Consumer queue ARN by consumer."
  value       = { for k, q in aws_sqs_queue.consumer : k => q.arn }
}

output "queue_urls" {
  description = "Consumer queue URL by consumer."
  value       = { for k, q in aws_sqs_queue.consumer : k => q.id }
}

output "dlq_names" {
  description = "Dead-letter queue name by consumer (alarmed on depth)."
  value       = { for k, q in aws_sqs_queue.dlq : k => q.name }
}
