output "cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.main.name
}

output "service_names" {
  description = "ECS service name per balanced service, plus relay."
  value       = merge({ for k, s in aws_ecs_service.balanced : k => s.name }, { relay = aws_ecs_service.relay.name })
}

output "task_definition_families" {
  description = "Task definition family per task (services, relay, migrate): the release renders these."
  value       = { for k, t in aws_ecs_task_definition.task : k => t.family }
}

output "codedeploy_app" {
  description = "CodeDeploy application; its deployment groups are named after the services."
  value       = aws_codedeploy_app.main.name
}

output "request_targets" {
  description = "Derived ALBRequestCountPerTarget target (requests per task per minute) per service."
  value       = local.request_target
}
