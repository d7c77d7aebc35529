# Security groups of every tier.  All rules live in the two tables below so
# a test can read them whole: only the balancer is open to the internet,
# and only on 80 and 443; tasks accept only the balancer; the database
# accepts only tasks (and the RDS Proxy, whose group the database stack
# adds and which in turn accepts only tasks).

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "Application Load Balancer: 80 and 443 from anywhere"
  vpc_id      = aws_vpc.main.id
  tags        = merge(local.tags, { Name = "${var.name}-alb" })
}

resource "aws_security_group" "tasks" {
  name        = "${var.name}-tasks"
  description = "ECS tasks: the web container port from the balancer only"
  vpc_id      = aws_vpc.main.id
  tags        = merge(local.tags, { Name = "${var.name}-tasks" })
}

resource "aws_security_group" "db" {
  name        = "${var.name}-db"
  description = "Aurora PostgreSQL: from the tasks only"
  vpc_id      = aws_vpc.main.id
  tags        = merge(local.tags, { Name = "${var.name}-db" })
}

resource "aws_security_group" "endpoints" {
  name        = "${var.name}-endpoints"
  description = "VPC interface endpoints: HTTPS from the tasks only"
  vpc_id      = aws_vpc.main.id
  tags        = merge(local.tags, { Name = "${var.name}-endpoints" })
}

locals {
  # key => security group, port, and exactly one source.
  ingress = {
    alb_http_v4 = { sg = "alb", port = 80, cidr4 = "0.0.0.0/0", cidr6 = null, from = null }
    alb_http_v6 = { sg = "alb", port = 80, cidr4 = null, cidr6 = "::/0", from = null }
    alb_tls_v4  = { sg = "alb", port = 443, cidr4 = "0.0.0.0/0", cidr6 = null, from = null }
    alb_tls_v6  = { sg = "alb", port = 443, cidr4 = null, cidr6 = "::/0", from = null }
    tasks_alb   = { sg = "tasks", port = var.app_port, cidr4 = null, cidr6 = null, from = "alb" }
    db_tasks    = { sg = "db", port = var.db_port, cidr4 = null, cidr6 = null, from = "tasks" }
    ep_tasks    = { sg = "endpoints", port = 443, cidr4 = null, cidr6 = null, from = "tasks" }
  }
  # Egress is as narrow: nothing leaves for 0.0.0.0/0.  S3 (image
  # layers, static files) is reached through the gateway endpoint's
  # prefix list.
  egress = {
    alb_tasks = { sg = "alb", port = var.app_port, to = "tasks", prefix = null }
    tasks_db  = { sg = "tasks", port = var.db_port, to = "db", prefix = null }
    tasks_ep  = { sg = "tasks", port = 443, to = "endpoints", prefix = null }
    tasks_s3  = { sg = "tasks", port = 443, to = null, prefix = aws_vpc_endpoint.s3.prefix_list_id }
  }
  groups = {
    alb       = aws_security_group.alb.id
    tasks     = aws_security_group.tasks.id
    db        = aws_security_group.db.id
    endpoints = aws_security_group.endpoints.id
  }
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each                     = local.ingress
  security_group_id            = local.groups[each.value.sg]
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  cidr_ipv4                    = each.value.cidr4
  cidr_ipv6                    = each.value.cidr6
  referenced_security_group_id = each.value.from == null ? null : local.groups[each.value.from]
  description                  = each.key
  tags                         = local.tags
}

resource "aws_vpc_security_group_egress_rule" "this" {
  for_each                     = local.egress
  security_group_id            = local.groups[each.value.sg]
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.to == null ? null : local.groups[each.value.to]
  prefix_list_id               = each.value.prefix
  description                  = each.key
  tags                         = local.tags
}
