# The ecs stack, the same in every environment: envs/<env>/ecs/ links
# this file and the environment's common.tf, which holds its settings.

terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
  }

  # bucket and region: -backend-config=../backend.hcl; key: <env>/ecs.tfstate
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

data "terraform_remote_state" "ecr" {
  backend = "s3"
  config  = local.state["ecr"]
}

data "terraform_remote_state" "alb" {
  backend = "s3"
  config  = local.state["alb"]
}

data "terraform_remote_state" "iam" {
  backend = "s3"
  config  = local.state["iam"]
}

data "terraform_remote_state" "database" {
  backend = "s3"
  config  = local.state["database"]
}

data "terraform_remote_state" "monitoring" {
  backend = "s3"
  config  = local.state["monitoring"]
}

locals {
  net = data.terraform_remote_state.network.outputs.network
  alb = data.terraform_remote_state.alb.outputs.alb
  iam = data.terraform_remote_state.iam.outputs.iam
}

module "ecs" {
  source               = "../../../modules/ecs"
  name                 = local.name
  environment          = local.environment
  image_tag            = var.image_tag
  image_repositories   = data.terraform_remote_state.ecr.outputs.ecr.repository_urls
  services             = local.services
  subnet_ids           = local.net.app_subnet_ids
  security_group_id    = local.net.tasks_security_group_id
  target_groups        = local.alb.target_groups
  https_listener_arn   = local.alb.https_listener_arn
  alb_arn_suffix       = local.alb.arn_suffix
  execution_role_arn   = local.iam.execution_role_arn
  task_role_arns       = local.iam.task_role_arns
  codedeploy_role_arn  = local.iam.codedeploy_role_arn
  database_secret_arns = data.terraform_remote_state.database.outputs.database.role_secret_arns
  kms_key_arn          = local.net.kms_key_arn
  log_retention_days   = local.log_retention_days
  rollback_alarm_names = data.terraform_remote_state.monitoring.outputs.monitoring.rollback_alarm_names
}

output "ecs" {
  description = "Every output of the ecs module, read by later stacks."
  value       = module.ecs
}
