# The iam stack, the same in every environment: envs/<env>/iam/ links
# this file and the environment's common.tf, which holds its settings.

terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
  }

  # bucket and region: -backend-config=../backend.hcl; key: <env>/iam.tfstate
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

data "terraform_remote_state" "events" {
  backend = "s3"
  config  = local.state["events"]
}

data "terraform_remote_state" "database" {
  backend = "s3"
  config  = local.state["database"]
}

module "iam" {
  source                   = "../../../modules/iam"
  name                     = local.name
  environment              = local.environment
  services                 = keys(local.services)
  topic_arn                = data.terraform_remote_state.events.outputs.events.topic_arn
  consumer_queue_arns      = data.terraform_remote_state.events.outputs.events.queue_arns
  secret_arns              = values(data.terraform_remote_state.database.outputs.database.role_secret_arns)
  kms_key_arn              = data.terraform_remote_state.network.outputs.network.kms_key_arn
  ecr_repository_arns      = values(data.terraform_remote_state.ecr.outputs.ecr.repository_arns)
  github_repository        = local.github_repository
  github_apply_environment = local.github_apply_environment
  create_oidc_provider     = true
  state_bucket             = var.state_bucket
}

output "iam" {
  description = "Every output of the iam module, read by later stacks."
  value       = module.iam
}
