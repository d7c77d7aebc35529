mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name                    = "crewlog-test"
  environment             = "test"
  vpc_id                  = "vpc-0123456789abcdef0"
  subnet_ids              = ["subnet-db0", "subnet-db1", "subnet-db2"]
  azs                     = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  db_security_group_id    = "sg-0000000000000db00"
  tasks_security_group_id = "sg-00000000000task00"
  kms_key_arn             = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  deletion_protection     = false
}

# One run for every property of the default configuration: each run
# starts the provider again, and one run is much cheaper than many.
run "defaults" {
  # private and only from tasks
  assert {
    condition     = toset(aws_db_subnet_group.main.subnet_ids) == toset(var.subnet_ids)
    error_message = "the database lives in the private database subnets"
  }
  assert {
    condition     = alltrue([for i in aws_rds_cluster_instance.main : i.publicly_accessible == false])
    error_message = "no instance may be publicly accessible"
  }
  assert {
    condition     = aws_rds_cluster.main.vpc_security_group_ids == toset([var.db_security_group_id])
    error_message = "the cluster is in the database group only"
  }
  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.db_from_proxy) == 0
    error_message = "without a proxy this module opens nothing"
  }

  # writer and reader in two zones
  assert {
    condition     = length(aws_rds_cluster_instance.main) == 2 && aws_rds_cluster_instance.main[0].availability_zone != aws_rds_cluster_instance.main[1].availability_zone
    error_message = "writer and reader must be in different zones"
  }
  assert {
    condition     = alltrue([for i in aws_rds_cluster_instance.main : i.instance_class == "db.serverless"])
    error_message = "serverless capacity runs db.serverless instances"
  }
  assert {
    condition     = aws_rds_cluster.main.serverlessv2_scaling_configuration[0].min_capacity == 0.5
    error_message = "serverless v2 scaling bounds are set"
  }

  # encrypted with managed password
  assert {
    condition     = aws_rds_cluster.main.storage_encrypted && aws_rds_cluster.main.kms_key_id == var.kms_key_arn
    error_message = "storage must be encrypted with the environment key"
  }
  assert {
    condition     = aws_rds_cluster.main.manage_master_user_password && aws_rds_cluster.main.master_password == null
    error_message = "the master password is managed by RDS and never in state"
  }
  assert {
    condition     = alltrue([for s in aws_secretsmanager_secret.role : s.kms_key_id == var.kms_key_arn])
    error_message = "role secrets must be encrypted with the environment key"
  }
  assert {
    condition     = alltrue([for i in aws_rds_cluster_instance.main : i.performance_insights_kms_key_id == var.kms_key_arn])
    error_message = "Performance Insights data must be encrypted"
  }

  # tagged
  assert {
    condition     = alltrue([for t in [aws_rds_cluster.main.tags, aws_rds_cluster_instance.main[1].tags, aws_db_subnet_group.main.tags, aws_secretsmanager_secret.role["hours"].tags] : t["environment"] == "test" && t["service"] != ""])
    error_message = "database resources carry environment and service"
  }
}

run "prod_is_protected" {
  variables {
    deletion_protection = true
    capacity            = "provisioned"
  }
  assert {
    condition     = aws_rds_cluster.main.deletion_protection && !aws_rds_cluster.main.skip_final_snapshot && aws_rds_cluster.main.final_snapshot_identifier == "crewlog-test-final"
    error_message = "prod refuses deletion and keeps a final snapshot"
  }
  assert {
    condition     = alltrue([for i in aws_rds_cluster_instance.main : i.instance_class == "db.r7g.large"])
    error_message = "provisioned capacity uses the instance class"
  }
}

run "proxy_admits_tasks_only" {
  variables {
    proxy = true
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.proxy_from_tasks[0].referenced_security_group_id == var.tasks_security_group_id && aws_vpc_security_group_ingress_rule.proxy_from_tasks[0].cidr_ipv4 == null
    error_message = "the proxy admits the task group only"
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.db_from_proxy[0].referenced_security_group_id == aws_security_group.proxy[0].id
    error_message = "the database admits the proxy group"
  }
  assert {
    condition     = aws_db_proxy.main[0].require_tls && toset(aws_db_proxy.main[0].vpc_subnet_ids) == toset(var.subnet_ids)
    error_message = "the proxy is private and requires TLS"
  }
}

run "same_zone_is_refused" {
  command = plan
  variables {
    azs = ["eu-west-1a", "eu-west-1a"]
  }
  expect_failures = [var.azs]
}
