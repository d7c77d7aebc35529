# Hour events: the outbox relay publishes each committed hour log to one
# SNS topic; every consumer has its own SQS queue subscribed to it, with a
# dead-letter queue after max_receive_count failed deliveries.  The topic
# policy denies Publish to every principal but the relay's role, so no
# other task can publish even if its role were given the permission.

data "aws_caller_identity" "current" {}

locals {
  tags = merge(var.tags, {
    environment = var.environment
    service     = "crewlog"
    component   = "events"
  })
  publisher     = coalesce(var.publisher_role_name, "${var.name}-relay")
  publisher_arn = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/${local.publisher}"
}

resource "aws_sns_topic" "hours" {
  name              = "${var.name}-hours"
  kms_master_key_id = var.kms_key_arn
  tags              = merge(local.tags, { service = "hours" })
}

resource "aws_sns_topic_policy" "hours" {
  arn = aws_sns_topic.hours.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "OnlyTheRelayPublishes"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.hours.arn
        Condition = { ArnNotEquals = { "aws:PrincipalArn" = local.publisher_arn } }
      },
      {
        Sid       = "RelayPublishes"
        Effect    = "Allow"
        Principal = { AWS = local.publisher_arn }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.hours.arn
      },
    ]
  })
}

resource "aws_sqs_queue" "dlq" {
  for_each                  = toset(var.consumers)
  name                      = "${var.name}-${each.key}-hours-dlq"
  kms_master_key_id         = var.kms_key_arn
  message_retention_seconds = 1209600
  tags                      = merge(local.tags, { service = each.key })
}

resource "aws_sqs_queue" "consumer" {
  for_each                   = toset(var.consumers)
  name                       = "${var.name}-${each.key}-hours"
  kms_master_key_id          = var.kms_key_arn
  visibility_timeout_seconds = var.visibility_timeout
  message_retention_seconds  = 345600
  receive_wait_time_seconds  = 20
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn
    maxReceiveCount     = var.max_receive_count
  })
  tags = merge(local.tags, { service = each.key })
}

resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  for_each  = toset(var.consumers)
  queue_url = aws_sqs_queue.dlq[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.consumer[each.key].arn]
  })
}

resource "aws_sqs_queue_policy" "consumer" {
  for_each  = toset(var.consumers)
  queue_url = aws_sqs_queue.consumer[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "FromTheHoursTopic"
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.consumer[each.key].arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.hours.arn } }
    }]
  })
}

resource "aws_sns_topic_subscription" "consumer" {
  for_each             = toset(var.consumers)
  topic_arn            = aws_sns_topic.hours.arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.consumer[each.key].arn
  raw_message_delivery = true
}
