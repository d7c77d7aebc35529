mock_provider "aws" {
  source = "../../tests/mocks"
}

override_resource {
  target = aws_s3_bucket.static
  values = {
    arn                         = "arn:aws:s3:::crewlog-test-static-123456789012"
    bucket_regional_domain_name = "crewlog-test-static-123456789012.s3.eu-west-1.amazonaws.com"
  }
}

variables {
  name          = "crewlog-test"
  environment   = "test"
  origin_domain = "origin.crewlog.example"
}

# One run for every property of the default configuration: each run
# starts the provider again, and one run is much cheaper than many.
run "defaults" {
  # private bucket behind oac
  assert {
    condition     = aws_s3_bucket_public_access_block.static.block_public_acls && aws_s3_bucket_public_access_block.static.block_public_policy && aws_s3_bucket_public_access_block.static.restrict_public_buckets && aws_s3_bucket_public_access_block.static.ignore_public_acls
    error_message = "the static bucket blocks all public access"
  }
  assert {
    condition     = jsondecode(aws_s3_bucket_policy.static.policy).Statement[0].Principal.Service == "cloudfront.amazonaws.com" && jsondecode(aws_s3_bucket_policy.static.policy).Statement[0].Condition.StringEquals["AWS:SourceArn"] == aws_cloudfront_distribution.main.arn
    error_message = "only this distribution reads the bucket"
  }
  assert {
    condition     = one([for o in aws_cloudfront_distribution.main.origin : o.origin_access_control_id if o.origin_id == "static"]) == aws_cloudfront_origin_access_control.static.id
    error_message = "the S3 origin signs with origin access control"
  }

  # static from s3 rest from the balancer
  assert {
    condition     = aws_cloudfront_distribution.main.ordered_cache_behavior[0].path_pattern == "/static/*" && aws_cloudfront_distribution.main.ordered_cache_behavior[0].target_origin_id == "static"
    error_message = "/static/* is served from the bucket"
  }
  assert {
    condition     = aws_cloudfront_distribution.main.default_cache_behavior[0].target_origin_id == "alb" && one([for o in aws_cloudfront_distribution.main.origin : o.custom_origin_config[0].origin_protocol_policy if o.origin_id == "alb"]) == "https-only"
    error_message = "everything else goes to the balancer over HTTPS"
  }
  assert {
    condition     = aws_cloudfront_distribution.main.default_cache_behavior[0].viewer_protocol_policy == "redirect-to-https"
    error_message = "viewers are sent to HTTPS"
  }

  # encrypted and tagged
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.static.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "the static bucket is encrypted at rest"
  }
  assert {
    condition     = aws_s3_bucket.static.tags["environment"] == "test" && aws_cloudfront_distribution.main.tags["service"] == "crewlog"
    error_message = "bucket and distribution are tagged"
  }
}

