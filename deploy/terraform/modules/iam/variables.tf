variable "name" {
  description = "Prefix of every resource name, e.g. crewlog-prod."
  type        = string
}

variable "environment" {
  description = "Environment tag value (dev, prod)."
  type        = string
}

variable "tags" {
  description = "Extra tags on every resource."
  type        = map(string)
  default     = {}
}

variable "services" {
  description = "Services behind the balancer (the monolith `all` plus the split ones); each gets a task role."
  type        = list(string)
  default     = ["all", "users", "hours", "board"]
}

variable "topic_arn" {
  description = "Hour events topic: the relay's task role, and only it, may publish."
  type        = string
}

variable "consumer_queue_arns" {
  description = "Queue ARN by consuming service; that service's role may receive from it."
  type        = map(string)
  default     = {}
}

variable "secret_arns" {
  description = "Secrets Manager ARNs the execution role reads to inject into containers (database URLs)."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "The environment's KMS key (secrets, topic and queues are encrypted with it)."
  type        = string
}

variable "ecr_repository_arns" {
  description = "Repositories the release role pushes to."
  type        = list(string)
}

variable "github_repository" {
  description = "owner/name of the GitHub repository whose workflows may assume the deploy roles."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository: expected owner/name."
  }
}

variable "github_branch" {
  description = "Branch whose pushes may release."
  type        = string
  default     = "main"
}

variable "github_apply_environment" {
  description = "GitHub environment (protected, with reviewers) whose jobs may apply Terraform."
  type        = string
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (one per account: false when another stack owns it)."
  type        = bool
  default     = true
}

variable "state_bucket" {
  description = "S3 bucket of the Terraform state (plan role reads it and takes the lock)."
  type        = string
}
