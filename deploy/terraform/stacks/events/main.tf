# The events stack, the same in every environment: envs/<env>/events/ links
# this file and the environment's common.tf, which holds its settings.

terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
  }

  # bucket and region: -backend-config=../backend.hcl; key: <env>/events.tfstate
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

module "events" {
  source      = "../../../modules/events"
  name        = local.name
  environment = local.environment
  kms_key_arn = data.terraform_remote_state.network.outputs.network.kms_key_arn
  consumers   = local.consumers
}

output "events" {
  description = "Every output of the events module, read by later stacks."
  value       = module.events
}
