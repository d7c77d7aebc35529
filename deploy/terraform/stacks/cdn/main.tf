# The cdn stack, the same in every environment: envs/<env>/cdn/ links
# this file and the environment's common.tf, which holds its settings.

terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
  }

  # bucket and region: -backend-config=../backend.hcl; key: <env>/cdn.tfstate
  # (deploy/terraform/ci/stacks passes both).
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}

module "cdn" {
  source          = "../../../modules/cdn"
  name            = local.name
  environment     = local.environment
  origin_domain   = "origin.${local.domain}"
  aliases         = [local.domain]
  certificate_arn = local.cdn_certificate_arn
  force_destroy   = !local.deletion_protection
}

output "cdn" {
  description = "Every output of the cdn module, read by later stacks."
  value       = module.cdn
}
