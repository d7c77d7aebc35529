# The cluster and its services.  Capacity: each service's first
# fargate_base tasks on regular Fargate, the rest weighted towards Spot.
# Balanced services deploy through CodeDeploy blue/green (ecs/deploy.tf);
# the relay, which no balancer fronts, deploys in place with the ECS
# circuit breaker rolling back a deployment whose tasks never get healthy.

resource "aws_ecs_cluster" "main" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = local.tags
}

resource "aws_ecs_cluster_capacity_providers" "main" {
  cluster_name       = aws_ecs_cluster.main.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    base              = var.fargate_base
    weight            = var.fargate_weight
  }

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    base              = 0
    weight            = var.spot_weight
  }
}

resource "aws_ecs_service" "balanced" {
  for_each                          = var.services
  name                              = "${var.name}-${each.key}"
  cluster                           = aws_ecs_cluster.main.id
  task_definition                   = aws_ecs_task_definition.task[each.key].arn
  desired_count                     = each.value.min
  health_check_grace_period_seconds = 30
  enable_ecs_managed_tags           = true
  propagate_tags                    = "SERVICE"

  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    base              = var.fargate_base
    weight            = var.fargate_weight
  }

  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    base              = 0
    weight            = var.spot_weight
  }

  deployment_controller {
    type = "CODE_DEPLOY"
  }

  load_balancer {
    target_group_arn = var.target_groups[each.key]["blue_arn"]
    container_name   = "web"
    container_port   = var.web_port
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [var.security_group_id]
    assign_public_ip = false
  }

  # CodeDeploy owns the task definition and the live target group from
  # the first deployment on; autoscaling owns the count.
  lifecycle {
    ignore_changes = [task_definition, load_balancer, desired_count]
  }

  depends_on = [aws_ecs_cluster_capacity_providers.main]
  tags       = merge(local.tags, { service = each.key })
}

resource "aws_ecs_service" "relay" {
  name                               = "${var.name}-relay"
  cluster                            = aws_ecs_cluster.main.id
  task_definition                    = aws_ecs_task_definition.task["relay"].arn
  desired_count                      = 1
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"

  # On-demand only: one relay, and events wait while it is away.
  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    base              = 1
    weight            = 1
  }

  deployment_controller {
    type = "ECS"
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [var.security_group_id]
    assign_public_ip = false
  }

  depends_on = [aws_ecs_cluster_capacity_providers.main]
  tags       = merge(local.tags, { service = "relay" })
}
