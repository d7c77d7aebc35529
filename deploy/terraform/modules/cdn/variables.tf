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

variable "origin_domain" {
  description = "DNS name of the balancer that its certificate covers (CloudFront connects to it over HTTPS)."
  type        = string
}

variable "aliases" {
  description = "Public host names of the distribution."
  type        = list(string)
  default     = []
}

variable "certificate_arn" {
  description = "ACM certificate in us-east-1 for the aliases, or null for the cloudfront.net name."
  type        = string
  default     = null
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_100"
}

variable "force_destroy" {
  description = "Allow deleting the static bucket with objects in it (dev only)."
  type        = bool
  default     = false
}
