# The database stack, the same in every environment: envs/<env>/database/ links
# this file and the environment's common.tf, which holds its settings.

terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
  }

  # bucket and region: -backend-config=../backend.hcl; key: <env>/database.tfstate
  # (deploy/terraform/ci/stacks passes both).
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}

data "terraform_remote_state" "network" {
  backend = "s3"
  config  = local.state["network"]
}

locals {
  net = data.terraform_remote_state.network.outputs.network
}

module "database" {
  source                  = "../../../modules/database"
  name                    = local.name
  environment             = local.environment
  vpc_id                  = local.net.vpc_id
  subnet_ids              = local.net.db_subnet_ids
  azs                     = local.net.azs
  db_security_group_id    = local.net.db_security_group_id
  tasks_security_group_id = local.net.tasks_security_group_id
  kms_key_arn             = local.net.kms_key_arn
  capacity                = local.db_capacity
  min_acu                 = local.db_min_acu
  max_acu                 = local.db_max_acu
  backup_retention_days   = local.db_backup_days
  deletion_protection     = local.deletion_protection
  proxy                   = local.db_proxy
}

output "database" {
  description = "Every output of the database module, read by later stacks."
  value       = module.database
}
