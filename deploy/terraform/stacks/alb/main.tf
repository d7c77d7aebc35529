# The alb stack, the same in every environment: envs/<env>/alb/ links
# this file and the environment's common.tf, which holds its settings.

terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
  }

  # bucket and region: -backend-config=../backend.hcl; key: <env>/alb.tfstate
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

module "alb" {
  source              = "../../../modules/alb"
  name                = local.name
  environment         = local.environment
  vpc_id              = local.net.vpc_id
  public_subnet_ids   = local.net.public_subnet_ids
  security_group_id   = local.net.alb_security_group_id
  certificate_arn     = local.alb_certificate_arn
  deletion_protection = local.deletion_protection
}

output "alb" {
  description = "Every output of the alb module, read by later stacks."
  value       = module.alb
}
