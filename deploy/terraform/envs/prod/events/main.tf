terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
  }

  # bucket and region: terraform init -backend-config=../backend.hcl
  backend "s3" {
    key          = "prod/events.tfstate"
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
