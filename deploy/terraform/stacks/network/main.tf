# The network stack, the same in every environment: envs/<env>/network/ links
# this file and the environment's common.tf, which holds its settings.

terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
  }

  # bucket and region: -backend-config=../backend.hcl; key: <env>/network.tfstate
  # (deploy/terraform/ci/stacks passes both).
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}

module "network" {
  source      = "../../../modules/network"
  name        = local.name
  environment = local.environment
  azs         = local.azs
  nat         = local.nat
}

output "network" {
  description = "Every output of the network module, read by later stacks."
  value       = module.network
}
