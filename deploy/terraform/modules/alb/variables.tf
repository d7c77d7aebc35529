variable "name" {
  description = "Prefix of every resource name, e.g. crewlog-prod (at most 14 characters: target group names are limited to 32)."
  type        = string

  validation {
    condition     = length(var.name) <= 14
    error_message = "name: at most 14 characters (target group names are limited to 32)."
  }
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
  description = "VPC id."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets, one per zone."
  type        = list(string)
}

variable "security_group_id" {
  description = "The balancer's security group (80 and 443 from anywhere)."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener."
  type        = string
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener: TLS 1.3 and 1.2 with forward secrecy only."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "services" {
  description = "Path patterns per service (issue 11's split); `all`, the monolith, takes everything else and needs no paths."
  type        = map(list(string))
  default = {
    users = ["/signup", "/login", "/logout", "/api/users*", "/api/sessions*", "/api/me"]
    hours = ["/log*", "/api/hours*"]
    board = ["/leaderboard", "/api/leaderboard"]
  }
}

variable "default_service" {
  description = "Service of the listener's default action."
  type        = string
  default     = "all"
}

variable "target_port" {
  description = "Port of the web container in each task."
  type        = number
  default     = 8080
}

variable "health_check_path" {
  description = "Path the balancer probes on each target."
  type        = string
  default     = "/healthz"
}

variable "deregistration_delay" {
  description = "Seconds a stopping target keeps finishing requests; shorter than the task stop timeout."
  type        = number
  default     = 20
}

variable "task_stop_timeout" {
  description = "stopTimeout of the task's containers (ecs module), to check the deregistration delay against."
  type        = number
  default     = 30

  validation {
    condition     = var.deregistration_delay < var.task_stop_timeout
    error_message = "deregistration_delay must be shorter than task_stop_timeout, or ECS kills tasks still draining."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the balancer (true in prod)."
  type        = bool
  default     = false
}

variable "access_logs_bucket" {
  description = "S3 bucket for access logs, or null for none."
  type        = string
  default     = null
}
