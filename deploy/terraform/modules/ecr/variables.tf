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

variable "repositories" {
  description = "Image repositories: the app (crewlog -F) and web (nginx) containers."
  type        = list(string)
  default     = ["app", "web"]
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the images at rest."
  type        = string
}

variable "keep_images" {
  description = "Tagged images kept per repository; older ones expire (rollback needs the previous few)."
  type        = number
  default     = 30
}

variable "untagged_days" {
  description = "Days before an untagged image (a failed push) expires."
  type        = number
  default     = 7
}
