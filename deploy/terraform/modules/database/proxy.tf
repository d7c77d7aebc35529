# Optional RDS Proxy.  Its group admits the tasks only, and the database
# group admits the proxy: the database stays reachable from the task
# group alone, directly or through the proxy.

resource "aws_security_group" "proxy" {
  count       = var.proxy ? 1 : 0
  name        = "${var.name}-db-proxy"
  description = "RDS Proxy: from the tasks only"
  vpc_id      = var.vpc_id
  tags        = merge(local.tags, { Name = "${var.name}-db-proxy" })
}

resource "aws_vpc_security_group_ingress_rule" "proxy_from_tasks" {
  count                        = var.proxy ? 1 : 0
  security_group_id            = aws_security_group.proxy[0].id
  referenced_security_group_id = var.tasks_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  description                  = "tasks"
  tags                         = local.tags
}

resource "aws_vpc_security_group_egress_rule" "proxy_to_db" {
  count                        = var.proxy ? 1 : 0
  security_group_id            = aws_security_group.proxy[0].id
  referenced_security_group_id = var.db_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  description                  = "database"
  tags                         = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "db_from_proxy" {
  count                        = var.proxy ? 1 : 0
  security_group_id            = var.db_security_group_id
  referenced_security_group_id = aws_security_group.proxy[0].id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  description                  = "proxy"
  tags                         = local.tags
}

resource "aws_iam_role" "proxy" {
  count = var.proxy ? 1 : 0
  name  = "${var.name}-db-proxy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "rds.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy" "proxy" {
  count = var.proxy ? 1 : 0
  name  = "read-role-secrets"
  role  = aws_iam_role.proxy[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "secretsmanager:GetSecretValue", Resource = [for s in aws_secretsmanager_secret.role : s.arn] },
      { Effect = "Allow", Action = "kms:Decrypt", Resource = var.kms_key_arn },
    ]
  })
}

resource "aws_db_proxy" "main" {
  count                  = var.proxy ? 1 : 0
  name                   = var.name
  engine_family          = "POSTGRESQL"
  role_arn               = aws_iam_role.proxy[0].arn
  vpc_subnet_ids         = var.subnet_ids
  vpc_security_group_ids = [aws_security_group.proxy[0].id]
  require_tls            = true
  idle_client_timeout    = 1800

  dynamic "auth" {
    for_each = aws_secretsmanager_secret.role
    content {
      auth_scheme = "SECRETS"
      iam_auth    = "DISABLED"
      secret_arn  = auth.value.arn
      description = auth.key
    }
  }

  tags = local.tags
}

resource "aws_db_proxy_default_target_group" "main" {
  count         = var.proxy ? 1 : 0
  db_proxy_name = aws_db_proxy.main[0].name

  connection_pool_config {
    max_connections_percent = 90
  }
}

resource "aws_db_proxy_target" "main" {
  count                 = var.proxy ? 1 : 0
  db_proxy_name         = aws_db_proxy.main[0].name
  target_group_name     = aws_db_proxy_default_target_group.main[0].name
  db_cluster_identifier = aws_rds_cluster.main.cluster_identifier
}
