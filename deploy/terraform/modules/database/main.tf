# Aurora PostgreSQL: a writer and a reader in two zones of the private
# database subnets, storage encrypted with the environment key, the master
# password generated and rotated by RDS in Secrets Manager (it never enters
# the Terraform state), deletion protection and a final snapshot in prod.
# Each service connects as its own role; its URL lives in a secret of its
# own, whose value the migration writes (see docs/aws.md).

locals {
  tags = merge(var.tags, {
    environment = var.environment
    service     = "crewlog"
    component   = "database"
  })
  serverless = var.capacity == "serverless"
}

resource "aws_db_subnet_group" "main" {
  name       = var.name
  subnet_ids = var.subnet_ids
  tags       = local.tags
}

resource "aws_rds_cluster_parameter_group" "main" {
  name   = "${var.name}-aurora-pg16"
  family = "aurora-postgresql16"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "500"
  }

  tags = local.tags
}

resource "aws_rds_cluster" "main" {
  cluster_identifier              = var.name
  engine                          = "aurora-postgresql"
  engine_mode                     = "provisioned"
  engine_version                  = var.engine_version
  database_name                   = var.database_name
  master_username                 = "crewlog_admin"
  manage_master_user_password     = true
  master_user_secret_kms_key_id   = var.kms_key_arn
  db_subnet_group_name            = aws_db_subnet_group.main.name
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.main.name
  vpc_security_group_ids          = [var.db_security_group_id]
  storage_encrypted               = true
  kms_key_id                      = var.kms_key_arn
  backup_retention_period         = var.backup_retention_days
  preferred_backup_window         = "02:00-03:00"
  copy_tags_to_snapshot           = true
  deletion_protection             = var.deletion_protection
  skip_final_snapshot             = !var.deletion_protection
  final_snapshot_identifier       = var.deletion_protection ? "${var.name}-final" : null
  enabled_cloudwatch_logs_exports = ["postgresql"]

  dynamic "serverlessv2_scaling_configuration" {
    for_each = local.serverless ? [1] : []
    content {
      min_capacity = var.min_acu
      max_capacity = var.max_acu
    }
  }

  tags = local.tags
}

# Index 0 is created first and becomes the writer; index 1, the reader in
# another zone, is the failover target (promotion tier 1 before any later
# reader).
resource "aws_rds_cluster_instance" "main" {
  count                                 = 2
  identifier                            = "${var.name}-${count.index}"
  cluster_identifier                    = aws_rds_cluster.main.id
  engine                                = aws_rds_cluster.main.engine
  engine_version                        = aws_rds_cluster.main.engine_version
  instance_class                        = local.serverless ? "db.serverless" : var.instance_class
  availability_zone                     = var.azs[count.index]
  db_subnet_group_name                  = aws_db_subnet_group.main.name
  publicly_accessible                   = false
  promotion_tier                        = count.index
  performance_insights_enabled          = true
  performance_insights_kms_key_id       = var.kms_key_arn
  performance_insights_retention_period = 7
  auto_minor_version_upgrade            = true
  tags                                  = merge(local.tags, { role = count.index == 0 ? "writer" : "reader" })
}

resource "aws_secretsmanager_secret" "role" {
  for_each                = toset(var.roles)
  name                    = "${var.name}/database/${each.key}"
  description             = "CREWLOG_DATABASE_URL of the ${each.key} service (its own database role)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.deletion_protection ? 30 : 0
  tags                    = merge(local.tags, { service = each.key })
}
