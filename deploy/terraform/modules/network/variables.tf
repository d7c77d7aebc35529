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

variable "cidr" {
  description = "VPC CIDR block; split into public, app and database subnets."
  type        = string
  default     = "10.40.0.0/16"
}

variable "azs" {
  description = "Availability zones to span: two or three."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 2 && length(var.azs) <= 3
    error_message = "azs: give two or three availability zones."
  }
}

variable "nat" {
  description = "NAT gateways: none (private tasks use VPC endpoints only), single, or per_az."
  type        = string
  default     = "none"

  validation {
    condition     = contains(["none", "single", "per_az"], var.nat)
    error_message = "nat: one of none, single, per_az."
  }
}

variable "app_port" {
  description = "Port of the web container (nginx) the balancer sends to."
  type        = number
  default     = 8080
}

variable "db_port" {
  description = "PostgreSQL port."
  type        = number
  default     = 5432
}

variable "interface_endpoints" {
  description = "AWS services reached through interface endpoints, so private tasks need no NAT."
  type        = list(string)
  default     = ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "sns", "sqs"]
}

variable "flow_log_retention_days" {
  description = "Days to keep VPC flow logs."
  type        = number
  default     = 30
}
