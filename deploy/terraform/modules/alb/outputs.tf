output "dns_name" {
  description = "DNS name of the balancer (CloudFront's origin)."
  value       = aws_lb.main.dns_name
}

output "arn_suffix" {
  description = "Balancer ARN suffix (CloudWatch dimension)."
  value       = aws_lb.main.arn_suffix
}

output "https_listener_arn" {
  description = "HTTPS listener: CodeDeploy's production traffic route."
  value       = aws_lb_listener.https.arn
}

output "target_groups" {
  description = "Per service: blue and green target group names, ARNs and ARN suffixes."
  value = {
    for svc in local.all_services : svc => {
      blue_name        = aws_lb_target_group.main["${svc}-blue"].name
      green_name       = aws_lb_target_group.main["${svc}-green"].name
      blue_arn         = aws_lb_target_group.main["${svc}-blue"].arn
      green_arn        = aws_lb_target_group.main["${svc}-green"].arn
      blue_arn_suffix  = aws_lb_target_group.main["${svc}-blue"].arn_suffix
      green_arn_suffix = aws_lb_target_group.main["${svc}-green"].arn_suffix
    }
  }
}

output "deletion_protection" {
  description = "Whether the balancer refuses deletion."
  value       = aws_lb.main.enable_deletion_protection
}
