variable "name" {
  description = "Prefix of every resource name, e.g. crewlog-prod; also the cluster name."
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

variable "image_tag" {
  description = "Image tag of both containers: the commit SHA the release built (never latest)."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{7,40}$", var.image_tag))
    error_message = "image_tag: a commit SHA (7 to 40 hex digits); mutable tags such as latest are refused."
  }
}

variable "image_repositories" {
  description = "Repository URLs by image: app (crewlog -F), web (nginx) and relay (crewlog relay, with libcurl); ecr stack output."
  type        = map(string)
}

variable "services" {
  description = <<-EOT
    Balanced services.  cpu and memory are Fargate units; min and max bound
    the task count; rps_per_vcpu is the measured throughput one vCPU sustains
    for that service's requests (docs/performance.md), from which the request
    count target is derived.
  EOT
  type = map(object({
    cpu          = number
    memory       = number
    min          = number
    max          = number
    rps_per_vcpu = number
  }))
  default = {
    all   = { cpu = 512, memory = 1024, min = 2, max = 10, rps_per_vcpu = 1964 }
    users = { cpu = 512, memory = 1024, min = 2, max = 10, rps_per_vcpu = 1964 }
    hours = { cpu = 512, memory = 1024, min = 2, max = 10, rps_per_vcpu = 1964 }
    board = { cpu = 512, memory = 1024, min = 2, max = 10, rps_per_vcpu = 5482 }
  }
}

variable "target_utilisation" {
  description = "Share of the measured throughput a task is scaled to carry (headroom for bursts, Spot loss and a zone failure)."
  type        = number
  default     = 0.5

  validation {
    condition     = var.target_utilisation > 0 && var.target_utilisation <= 1
    error_message = "target_utilisation: a fraction in (0, 1]."
  }
}

variable "cpu_target" {
  description = "Average CPU utilisation (percent) the CPU policy keeps each service at."
  type        = number
  default     = 60
}

variable "relay" {
  description = "The outbox relay: one task publishing committed hour events to SNS; command is the arguments to the image's entrypoint (/usr/sbin/crewlog)."
  type = object({
    cpu     = number
    memory  = number
    command = list(string)
  })
  default = { cpu = 256, memory = 512, command = ["relay"] }
}

variable "migrate_command" {
  description = "Arguments to the image's entrypoint (/usr/sbin/crewlog) for the one-shot migration task the release runs before shifting traffic."
  type        = list(string)
  default     = ["migrate"]
}

variable "environment_variables" {
  description = "Extra CREWLOG_<POOL>_<KEY> settings per task (service, relay, migrate)."
  type        = map(map(string))
  default     = {}
}

variable "app_user" {
  description = "Numeric non-root uid:gid of the app container."
  type        = string
  default     = "10001:10001"
}

variable "web_user" {
  description = "Numeric non-root uid:gid of the web container."
  type        = string
  default     = "10002:10002"
}

variable "web_port" {
  description = "Port nginx listens on in the web container (target group port)."
  type        = number
  default     = 8080
}

variable "app_health_command" {
  description = "Health check of the app container: the crewlog subcommand that sends a FastCGI request to 127.0.0.1:9000."
  type        = list(string)
  default     = ["CMD", "/usr/sbin/crewlog", "healthcheck"]
}

variable "web_health_command" {
  description = "Health check of the web container, or null for none: the balancer already probes /healthz through nginx, and the web image need not carry an HTTP client."
  type        = list(string)
  default     = null
}

variable "stop_timeout" {
  description = "Seconds between SIGTERM and SIGKILL; longer than the target group deregistration delay."
  type        = number
  default     = 30
}

variable "subnet_ids" {
  description = "Private app subnets for the tasks."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of every task."
  type        = string
}

variable "target_groups" {
  description = "Per balanced service: blue_name, green_name, blue_arn, green_arn, blue_arn_suffix, green_arn_suffix (alb stack output)."
  type        = map(map(string))
}

variable "https_listener_arn" {
  description = "HTTPS listener, CodeDeploy's production traffic route."
  type        = string
}

variable "alb_arn_suffix" {
  description = "Balancer ARN suffix (request count metric dimension)."
  type        = string
}

variable "execution_role_arn" {
  description = "Execution role of every task (iam stack)."
  type        = string
}

variable "task_role_arns" {
  description = "Task role ARN per task: each service, relay, migrate (iam stack)."
  type        = map(string)
}

variable "codedeploy_role_arn" {
  description = "CodeDeploy service role (iam stack)."
  type        = string
}

variable "database_secret_arns" {
  description = "Secret holding CREWLOG_DATABASE_URL per task: each service, relay, migrate (database stack)."
  type        = map(string)
}

variable "kms_key_arn" {
  description = "KMS key of the log groups."
  type        = string
}

variable "log_retention_days" {
  description = "Days to keep container logs."
  type        = number
  default     = 30
}

variable "fargate_base" {
  description = "Tasks of each service always on regular Fargate before any weight applies."
  type        = number
  default     = 1
}

variable "fargate_weight" {
  description = "Weight of regular Fargate beyond the base."
  type        = number
  default     = 1
}

variable "spot_weight" {
  description = "Weight of Fargate Spot beyond the base."
  type        = number
  default     = 3
}

variable "deployment_config" {
  description = "CodeDeploy configuration: 10% of traffic for 10 minutes, then the rest."
  type        = string
  default     = "CodeDeployDefault.ECSCanary10Percent10Minutes"
}

variable "rollback_alarm_names" {
  description = "Per balanced service, alarms that stop and roll back a deployment (monitoring stack)."
  type        = map(list(string))
  default     = {}
}

variable "blue_termination_minutes" {
  description = "Minutes the old task set stays up after a successful shift (instant rollback window)."
  type        = number
  default     = 15
}
