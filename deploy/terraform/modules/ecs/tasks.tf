# Task definitions.  A balanced service runs two containers in one task
# (one network namespace): web, nginx on web_port, passes FastCGI to app,
# `crewlog -F` as PID 1 on 127.0.0.1:9000.  Both run as numeric non-root
# users on read-only root filesystems with a writable /tmp volume; logs go
# to CloudWatch, the database URL comes from Secrets Manager.  The
# migration runs the app container alone with another command; the relay
# runs the relay image (crewlog built with libcurl, which the app image
# leaves out to stay small) in that container's place.

locals {
  tags = merge(var.tags, {
    environment = var.environment
    service     = "crewlog"
    component   = "ecs"
  })
  app_image   = "${var.image_repositories["app"]}:${var.image_tag}"
  web_image   = "${var.image_repositories["web"]}:${var.image_tag}"
  relay_image = "${var.image_repositories["relay"]}:${var.image_tag}"

  tasks = merge(
    { for k, v in var.services : k => { cpu = v.cpu, memory = v.memory, command = null, web = true } },
    {
      relay   = { cpu = var.relay.cpu, memory = var.relay.memory, command = var.relay.command, web = false }
      migrate = { cpu = 256, memory = 512, command = var.migrate_command, web = false }
    },
  )

  log_options = {
    for k in keys(local.tasks) : k => {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = "/${var.name}/${k}"
        "awslogs-region"        = data.aws_region.current.name
        "awslogs-stream-prefix" = k
      }
    }
  }

  app_container = {
    for k, t in local.tasks : k => {
      name                   = "app"
      image                  = k == "relay" ? local.relay_image : local.app_image
      essential              = true
      user                   = var.app_user
      readonlyRootFilesystem = true
      command                = t.command
      stopTimeout            = var.stop_timeout
      environment = [
        for n, v in merge({ CREWLOG_SERVICE = k }, lookup(var.environment_variables, k, {})) :
        { name = n, value = v }
      ]
      secrets = [{ name = "CREWLOG_DATABASE_URL", valueFrom = var.database_secret_arns[k] }]
      healthCheck = t.web ? {
        command     = var.app_health_command
        interval    = 10
        timeout     = 5
        retries     = 3
        startPeriod = 10
      } : null
      mountPoints      = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
      logConfiguration = local.log_options[k]
    }
  }

  web_container = {
    for k, t in local.tasks : k => {
      name                   = "web"
      image                  = local.web_image
      essential              = true
      user                   = var.web_user
      readonlyRootFilesystem = true
      stopTimeout            = var.stop_timeout
      portMappings           = [{ containerPort = var.web_port, protocol = "tcp" }]
      dependsOn              = [{ containerName = "app", condition = "HEALTHY" }]
      healthCheck = var.web_health_command == null ? null : {
        command     = var.web_health_command
        interval    = 10
        timeout     = 5
        retries     = 3
        startPeriod = 10
      }
      mountPoints = [
        { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
        { sourceVolume = "nginx-cache", containerPath = "/var/cache/nginx", readOnly = false },
      ]
      logConfiguration = local.log_options[k]
    } if t.web
  }
}

data "aws_region" "current" {}

resource "aws_cloudwatch_log_group" "task" {
  for_each          = local.tasks
  name              = "/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = merge(local.tags, { service = each.key })
}

resource "aws_ecs_task_definition" "task" {
  for_each                 = local.tasks
  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  execution_role_arn       = var.execution_role_arn
  task_role_arn            = var.task_role_arns[each.key]
  container_definitions = jsonencode(concat(
    [local.app_container[each.key]],
    each.value.web ? [local.web_container[each.key]] : [],
  ))

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "tmp"
  }

  volume {
    name = "nginx-cache"
  }

  tags = merge(local.tags, { service = each.key })
}
