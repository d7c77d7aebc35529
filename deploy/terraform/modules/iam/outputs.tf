output "task_role_arns" {
  description = "Task role ARN by service (the balanced services, relay, migrate)."
  value       = { for k, r in aws_iam_role.task : k => r.arn }
}

output "execution_role_arn" {
  description = "Execution role of every task."
  value       = aws_iam_role.execution.arn
}

output "codedeploy_role_arn" {
  description = "Service role of the CodeDeploy deployment groups."
  value       = aws_iam_role.codedeploy.arn
}

output "github_role_arns" {
  description = "Roles GitHub Actions assumes: release, plan, terraform (apply)."
  value       = { for k, r in aws_iam_role.github : k => r.arn }
}
