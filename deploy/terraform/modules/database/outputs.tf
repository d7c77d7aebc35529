output "cluster_identifier" {
  description = "Aurora cluster identifier (alarm dimension)."
  value       = aws_rds_cluster.main.cluster_identifier
}

output "writer_endpoint" {
  description = "Writer endpoint: follows the writer across a failover."
  value       = aws_rds_cluster.main.endpoint
}

output "reader_endpoint" {
  description = "Reader endpoint."
  value       = aws_rds_cluster.main.reader_endpoint
}

output "proxy_endpoint" {
  description = "RDS Proxy endpoint, or null without a proxy."
  value       = var.proxy ? aws_db_proxy.main[0].endpoint : null
}

output "master_secret_arn" {
  description = "Secret of the master user, managed and rotated by RDS."
  value       = try(aws_rds_cluster.main.master_user_secret[0].secret_arn, null)
}

output "role_secret_arns" {
  description = "Secret ARN holding each service's CREWLOG_DATABASE_URL."
  value       = { for k, s in aws_secretsmanager_secret.role : k => s.arn }
}

output "deletion_protection" {
  description = "Whether the cluster refuses deletion (and keeps a final snapshot)."
  value       = aws_rds_cluster.main.deletion_protection && !aws_rds_cluster.main.skip_final_snapshot
}
