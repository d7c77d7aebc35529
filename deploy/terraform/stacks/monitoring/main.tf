# The monitoring stack, the same in every environment: envs/<env>/monitoring/ links
# this file and the environment's common.tf, which holds its settings.

terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
  }

  # bucket and region: -backend-config=../backend.hcl; key: <env>/monitoring.tfstate
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

data "terraform_remote_state" "alb" {
  backend = "s3"
  config  = local.state["alb"]
}

data "terraform_remote_state" "database" {
  backend = "s3"
  config  = local.state["database"]
}

data "terraform_remote_state" "events" {
  backend = "s3"
  config  = local.state["events"]
}

module "monitoring" {
  source                = "../../../modules/monitoring"
  name                  = local.name
  environment           = local.environment
  kms_key_arn           = data.terraform_remote_state.network.outputs.network.kms_key_arn
  alarm_emails          = local.alarm_emails
  alb_arn_suffix        = data.terraform_remote_state.alb.outputs.alb.arn_suffix
  target_groups         = data.terraform_remote_state.alb.outputs.alb.target_groups
  cluster_name          = local.name
  service_min_tasks     = merge({ for k, v in local.services : k => v.min }, { relay = 1 })
  db_cluster_identifier = data.terraform_remote_state.database.outputs.database.cluster_identifier
  db_serverless         = local.db_capacity == "serverless"
  dlq_names             = data.terraform_remote_state.events.outputs.events.dlq_names
}

output "monitoring" {
  description = "Every output of the monitoring module, read by later stacks."
  value       = module.monitoring
}
