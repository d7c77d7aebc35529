output "bucket" {
  description = "Bucket of the static files (the release syncs htdocs/static/ to static/)."
  value       = aws_s3_bucket.static.bucket
}

output "distribution_id" {
  description = "CloudFront distribution id (for invalidations)."
  value       = aws_cloudfront_distribution.main.id
}

output "domain_name" {
  description = "CloudFront domain name (point the aliases' DNS at it)."
  value       = aws_cloudfront_distribution.main.domain_name
}
