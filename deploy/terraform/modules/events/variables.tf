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
  description = "KMS key that encrypts the topic and the queues."
  type        = string
}

variable "consumers" {
  description = "Services that consume hour events; each gets a queue and a dead-letter queue."
  type        = list(string)
  default     = ["board"]
}

variable "publisher_role_name" {
  description = "The only IAM role allowed to publish hour events (the outbox relay's task role, made by the iam stack). Default: <name>-relay."
  type        = string
  default     = null
}

variable "max_receive_count" {
  description = "Deliveries before a message moves to the dead-letter queue."
  type        = number
  default     = 5
}

variable "visibility_timeout" {
  description = "Seconds a received message stays hidden from other consumers."
  type        = number
  default     = 60
}
