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
    key          = "dev/network.tfstate"
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
