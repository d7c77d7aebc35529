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
  description = "Image repositories: app (crewlog -F), web (nginx) and relay (crewlog relay, with libcurl)."
  type        = list(string)
  default     = ["app", "web", "relay"]
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
