# CodeDeploy blue/green per balanced service: the release registers a task
# definition and asks for a deployment; CodeDeploy starts the new task set
# in the idle colour, shifts 10% of the listener's traffic to it for ten
# minutes, then the rest, and rolls back automatically when the
# deployment fails or one of the service's rollback alarms fires.

resource "aws_codedeploy_app" "main" {
  name             = var.name
  compute_platform = "ECS"
  tags             = local.tags
}

resource "aws_codedeploy_deployment_group" "service" {
  for_each               = var.services
  app_name               = aws_codedeploy_app.main.name
  deployment_group_name  = each.key
  deployment_config_name = var.deployment_config
  service_role_arn       = var.codedeploy_role_arn

  deployment_style {
    deployment_type   = "BLUE_GREEN"
    deployment_option = "WITH_TRAFFIC_CONTROL"
  }

  blue_green_deployment_config {
    deployment_ready_option {
      action_on_timeout = "CONTINUE_DEPLOYMENT"
    }

    terminate_blue_instances_on_deployment_success {
      action                           = "TERMINATE"
      termination_wait_time_in_minutes = var.blue_termination_minutes
    }
  }

  ecs_service {
    cluster_name = aws_ecs_cluster.main.name
    service_name = aws_ecs_service.balanced[each.key].name
  }

  load_balancer_info {
    target_group_pair_info {
      prod_traffic_route {
        listener_arns = [var.https_listener_arn]
      }

      target_group {
        name = var.target_groups[each.key]["blue_name"]
      }

      target_group {
        name = var.target_groups[each.key]["green_name"]
      }
    }
  }

  alarm_configuration {
    enabled = length(lookup(var.rollback_alarm_names, each.key, [])) > 0
    alarms  = lookup(var.rollback_alarm_names, each.key, [])
  }

  auto_rollback_configuration {
    enabled = true
    events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
  }

  tags = merge(local.tags, { service = each.key })
}
