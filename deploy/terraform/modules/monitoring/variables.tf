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

variable "kms_key_arn" {
  description = "KMS key of the alarm topic."
  type        = string
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic."
  type        = list(string)
  default     = []
}

variable "alb_arn_suffix" {
  description = "Balancer ARN suffix (alb stack output)."
  type        = string
}

variable "target_groups" {
  description = "Per balanced service: blue_arn_suffix and green_arn_suffix (alb stack output; other keys ignored)."
  type        = map(map(string))
}

variable "cluster_name" {
  description = "ECS cluster name (the ecs module names it after `name`)."
  type        = string
}

variable "service_min_tasks" {
  description = "ECS services to watch (balanced ones and the relay) with the fewest tasks each should run."
  type        = map(number)
}

variable "db_cluster_identifier" {
  description = "Aurora cluster identifier."
  type        = string
}

variable "db_serverless" {
  description = "Whether the cluster runs Serverless v2 (adds the ACU alarm)."
  type        = bool
  default     = true
}

variable "dlq_names" {
  description = "Dead-letter queue name per consumer (events stack output)."
  type        = map(string)
}

variable "error_rate_percent" {
  description = "5XX share of requests (percent) that alarms, for the balancer and each service."
  type        = number
  default     = 1
}

variable "p99_seconds" {
  description = "TargetResponseTime p99 that alarms."
  type        = number
  default     = 0.5
}

variable "cpu_percent" {
  description = "ECS and Aurora CPU utilisation that alarms."
  type        = number
  default     = 80
}

variable "memory_percent" {
  description = "ECS memory utilisation that alarms."
  type        = number
  default     = 80
}

variable "acu_percent" {
  description = "Aurora Serverless v2 ACU utilisation (of max_acu) that alarms."
  type        = number
  default     = 90
}
