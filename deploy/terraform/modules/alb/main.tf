# The Application Load Balancer: HTTP redirects to HTTPS; the HTTPS
# listener sends each service's paths to that service and everything
# else to the monolith.  Each service has two target groups, blue and
# green: CodeDeploy registers the new task set in the idle one and shifts
# the listener's traffic between them, so Terraform ignores which colour
# a rule forwards to once it exists.

locals {
  tags = merge(var.tags, {
    environment = var.environment
    service     = "crewlog"
    component   = "alb"
  })
  all_services = toset(concat([var.default_service], keys(var.services)))
  colours      = ["blue", "green"]
  target_groups = {
    for p in setproduct(local.all_services, local.colours) :
    "${p[0]}-${p[1]}" => { service = p[0], colour = p[1] }
  }
  # Rules are tried in priority order, and users' /login and /logout
  # also match hours' "/log*": users, then hours, then board (as
  # src/service.c and deploy/haproxy/crewlog.cfg), any other after them.
  first_services = [for s in ["users", "hours", "board"] : s if contains(keys(var.services), s)]
  rule_order     = concat(local.first_services, sort(tolist(setsubtract(keys(var.services), local.first_services))))
  # A listener rule takes at most 5 condition values: long path lists
  # become several rules of consecutive priority.
  rules = merge([
    for i, svc in local.rule_order : {
      for j, chunk in chunklist(var.services[svc], 5) :
      "${svc}-${j}" => { service = svc, paths = chunk, priority = 100 * (i + 1) + j }
    }
  ]...)
}

resource "aws_lb" "main" {
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.public_subnet_ids
  security_groups            = [var.security_group_id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = 60

  dynamic "access_logs" {
    for_each = var.access_logs_bucket == null ? [] : [var.access_logs_bucket]
    content {
      bucket  = access_logs.value
      prefix  = var.name
      enabled = true
    }
  }

  tags = local.tags
}

resource "aws_lb_target_group" "main" {
  for_each             = local.target_groups
  name                 = "${var.name}-${each.key}"
  vpc_id               = var.vpc_id
  target_type          = "ip"
  protocol             = "HTTP"
  port                 = var.target_port
  deregistration_delay = var.deregistration_delay

  health_check {
    path                = var.health_check_path
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = merge(local.tags, { service = each.value.service, colour = each.value.colour })
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.main.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }

  tags = local.tags
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.main.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.main["${var.default_service}-blue"].arn
  }

  lifecycle {
    ignore_changes = [default_action] # CodeDeploy swaps blue and green
  }

  tags = local.tags
}

resource "aws_lb_listener_rule" "service" {
  for_each     = local.rules
  listener_arn = aws_lb_listener.https.arn
  priority     = each.value.priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.main["${each.value.service}-blue"].arn
  }

  condition {
    path_pattern {
      values = each.value.paths
    }
  }

  lifecycle {
    ignore_changes = [action] # CodeDeploy swaps blue and green
  }

  tags = merge(local.tags, { service = each.value.service })
}
