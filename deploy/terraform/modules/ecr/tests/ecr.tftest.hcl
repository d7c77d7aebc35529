mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name        = "crewlog-test"
  environment = "test"
  kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
}

# One run for every property of the default configuration: each run
# starts the provider again, and one run is much cheaper than many.
run "defaults" {
  # immutable scanned encrypted
  assert {
    condition     = toset(keys(aws_ecr_repository.this)) == toset(["app", "web", "relay"])
    error_message = "one repository per container image"
  }
  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_tag_mutability == "IMMUTABLE"])
    error_message = "tags must be immutable: a SHA names one image"
  }
  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_scanning_configuration[0].scan_on_push])
    error_message = "every push must be scanned"
  }
  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.encryption_configuration[0].encryption_type == "KMS" && r.encryption_configuration[0].kms_key == var.kms_key_arn])
    error_message = "images must be encrypted with the environment key"
  }
  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.tags["environment"] == "test" && r.tags["service"] == "crewlog"])
    error_message = "repositories must be tagged"
  }

  # lifecycle bounds storage
  assert {
    condition     = alltrue([for p in aws_ecr_lifecycle_policy.this : length(jsondecode(p.policy).rules) == 2])
    error_message = "each repository needs the untagged and the count rule"
  }
  assert {
    condition     = alltrue([for p in aws_ecr_lifecycle_policy.this : jsondecode(p.policy).rules[1].selection.countNumber == 30])
    error_message = "the newest 30 images are kept for rollback"
  }
}

