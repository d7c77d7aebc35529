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

variable "vpc_id" {
  description = "VPC of the database (for the RDS Proxy's security group)."
  type        = string
}

variable "subnet_ids" {
  description = "Private database subnets, one per zone."
  type        = list(string)
}

variable "azs" {
  description = "Zones of the writer and the reader, in that order; they must differ."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 2 && var.azs[0] != var.azs[1]
    error_message = "azs: the writer and the reader need two different zones."
  }
}

variable "db_security_group_id" {
  description = "Security group of the database (admits the task group only)."
  type        = string
}

variable "tasks_security_group_id" {
  description = "Security group of the tasks (the only clients, directly or through the proxy)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for storage, Performance Insights and secrets."
  type        = string
}

variable "capacity" {
  description = "serverless (Aurora Serverless v2, ACU bounds below) or provisioned (instance_class)."
  type        = string
  default     = "serverless"

  validation {
    condition     = contains(["serverless", "provisioned"], var.capacity)
    error_message = "capacity: serverless or provisioned."
  }
}

variable "instance_class" {
  description = "Instance class when capacity = provisioned."
  type        = string
  default     = "db.r7g.large"
}

variable "min_acu" {
  description = "Serverless v2 minimum capacity (ACU)."
  type        = number
  default     = 0.5
}

variable "max_acu" {
  description = "Serverless v2 maximum capacity (ACU)."
  type        = number
  default     = 4
}

variable "engine_version" {
  description = "Aurora PostgreSQL version."
  type        = string
  default     = "16.6"
}

variable "database_name" {
  description = "Database created in the cluster."
  type        = string
  default     = "crewlog"
}

variable "deletion_protection" {
  description = "Refuse deletion and take a final snapshot (true in prod)."
  type        = bool
  default     = true
}

variable "backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery window)."
  type        = number
  default     = 7
}

variable "proxy" {
  description = "Put an RDS Proxy in front of the cluster (pools connections across many tasks)."
  type        = bool
  default     = false
}

variable "roles" {
  description = "Database roles, one per service: each gets a Secrets Manager secret for its CREWLOG_DATABASE_URL."
  type        = list(string)
  default     = ["all", "users", "hours", "board", "relay", "migrate"]
}
