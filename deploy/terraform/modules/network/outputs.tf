output "vpc_id" {
  description = "VPC id."
  value       = aws_vpc.main.id
}

output "azs" {
  description = "Availability zones spanned, in subnet order."
  value       = var.azs
}

output "public_subnet_ids" {
  description = "Public subnets: the balancer and NAT gateways only."
  value       = aws_subnet.public[*].id
}

output "app_subnet_ids" {
  description = "Private subnets for ECS tasks."
  value       = aws_subnet.app[*].id
}

output "db_subnet_ids" {
  description = "Private subnets for the database."
  value       = aws_subnet.db[*].id
}

output "alb_security_group_id" {
  description = "Security group of the balancer."
  value       = aws_security_group.alb.id
}

output "tasks_security_group_id" {
  description = "Security group of every ECS task."
  value       = aws_security_group.tasks.id
}

output "db_security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.db.id
}

output "kms_key_arn" {
  description = "The environment's KMS key: logs, secrets, queues, topics, database, images."
  value       = aws_kms_key.main.arn
}
