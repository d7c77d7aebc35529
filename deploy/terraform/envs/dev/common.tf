# Settings of the dev environment, shared by its stacks (each stack
# directory links this file).  Stacks read each other through their
# remote state in the same bucket: dev/<stack>.tfstate.

variable "region" {
  description = "AWS region of the environment."
  type        = string
  default     = "eu-west-1"
}

variable "state_bucket" {
  description = "S3 bucket of the Terraform state (same as in backend.hcl)."
  type        = string
}

variable "image_tag" {
  description = "Commit SHA of the images the services run at creation (the release deploys later ones through CodeDeploy)."
  type        = string
  default     = "0000000"
}

locals {
  environment = "dev"
  name        = "crewlog-dev"
  azs         = ["eu-west-1a", "eu-west-1b"]
  domain      = "dev.crewlog.example"

  # Certificates are issued outside Terraform (DNS validation needs the
  # zone's owner); their ARNs are settings of the environment.
  alb_certificate_arn = "arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000001"
  cdn_certificate_arn = "arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000010001"

  nat                 = "none"
  db_capacity         = "serverless"
  db_min_acu          = 0.5
  db_max_acu          = 2
  db_backup_days      = 1
  deletion_protection = false
  db_proxy            = false
  log_retention_days  = 14

  # rps_per_vcpu: docs/performance.md, crewlog alone per core (the write
  # path for every service but the read-only board); see docs/aws.md.
  services = {
    all   = { cpu = 256, memory = 512, min = 1, max = 3, rps_per_vcpu = 1964 }
    users = { cpu = 256, memory = 512, min = 1, max = 3, rps_per_vcpu = 1964 }
    hours = { cpu = 256, memory = 512, min = 1, max = 3, rps_per_vcpu = 1964 }
    board = { cpu = 256, memory = 512, min = 1, max = 3, rps_per_vcpu = 5482 }
  }
  consumers = ["board"]

  github_repository        = "crewlog/crewlog"
  github_apply_environment = "dev-infra"
  alarm_emails             = ["ops@dev.crewlog.example"]

  state = {
    for s in ["network", "ecr", "events", "database", "iam", "alb", "monitoring", "ecs", "cdn"] :
    s => { bucket = var.state_bucket, key = "dev/${s}.tfstate", region = var.region }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      environment = local.environment
      service     = "crewlog"
      managed-by  = "terraform"
    }
  }
}
