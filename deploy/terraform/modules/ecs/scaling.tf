# Target tracking on requests per task and on CPU.  The request target is
# derived from measured throughput (docs/performance.md, docs/aws.md):
#
#   target (requests per task per minute)
#     = task vCPU x rps_per_vcpu x target_utilisation x 60
#
# ALBRequestCountPerTarget belongs to one target group, and blue/green
# moves traffic between two; the policy therefore tracks the same metric,
# RequestCountPerTarget, summed over both colours with metric math (the
# idle colour has no targets and no data, which FILL makes zero; during a
# canary each colour's per-target count covers its own share of traffic,
# so the sum is still the requests one task serves).

locals {
  request_target = {
    for k, v in var.services :
    k => floor(v.cpu / 1024 * v.rps_per_vcpu * var.target_utilisation * 60)
  }
}

resource "aws_appautoscaling_target" "service" {
  for_each           = var.services
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.balanced[each.key].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = each.value.min
  max_capacity       = each.value.max
  tags               = merge(local.tags, { service = each.key })
}

resource "aws_appautoscaling_policy" "requests" {
  for_each           = var.services
  name               = "${var.name}-${each.key}-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.service[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.service[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.service[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = local.request_target[each.key]
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    customized_metric_specification {
      metrics {
        id          = "per_task"
        expression  = "FILL(blue, 0) + FILL(green, 0)"
        label       = "ALB RequestCountPerTarget, both colours"
        return_data = true
      }

      dynamic "metrics" {
        for_each = toset(["blue", "green"])
        content {
          id          = metrics.key
          return_data = false
          metric_stat {
            stat = "Sum"
            metric {
              namespace   = "AWS/ApplicationELB"
              metric_name = "RequestCountPerTarget"
              dimensions {
                name  = "TargetGroup"
                value = var.target_groups[each.key]["${metrics.key}_arn_suffix"]
              }
              dimensions {
                name  = "LoadBalancer"
                value = var.alb_arn_suffix
              }
            }
          }
        }
      }
    }
  }
}

resource "aws_appautoscaling_policy" "cpu" {
  for_each           = var.services
  name               = "${var.name}-${each.key}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.service[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.service[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.service[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.cpu_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}
