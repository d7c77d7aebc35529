mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name        = "crewlog-test"
  environment = "test"
  kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  consumers   = ["board", "users"]
}

# One run for every property of the default configuration: each run
# starts the provider again, and one run is much cheaper than many.
run "defaults" {
  # queue per consumer with dlq
  assert {
    condition     = toset(keys(aws_sqs_queue.consumer)) == toset(["board", "users"]) && toset(keys(aws_sqs_queue.dlq)) == toset(["board", "users"])
    error_message = "each consumer needs a queue and a dead-letter queue"
  }
  assert {
    condition     = alltrue([for k, q in aws_sqs_queue.consumer : jsondecode(q.redrive_policy).deadLetterTargetArn == aws_sqs_queue.dlq[k].arn && jsondecode(q.redrive_policy).maxReceiveCount == 5])
    error_message = "each queue must redrive into its own dead-letter queue"
  }
  assert {
    condition     = alltrue([for k, s in aws_sns_topic_subscription.consumer : s.endpoint == aws_sqs_queue.consumer[k].arn && s.protocol == "sqs"])
    error_message = "each queue must be subscribed to the topic"
  }

  # only the relay publishes
  assert {
    condition     = jsondecode(aws_sns_topic_policy.hours.policy).Statement[0].Effect == "Deny" && jsondecode(aws_sns_topic_policy.hours.policy).Statement[0].Condition.ArnNotEquals["aws:PrincipalArn"] == "arn:aws:iam::123456789012:role/crewlog-test-relay"
    error_message = "the topic must deny Publish to everyone but the relay role"
  }
  assert {
    condition     = alltrue([for k, p in aws_sqs_queue_policy.consumer : jsondecode(p.policy).Statement[0].Condition.ArnEquals["aws:SourceArn"] == aws_sns_topic.hours.arn])
    error_message = "queues accept messages from the hours topic only"
  }

  # encrypted and tagged
  assert {
    condition     = aws_sns_topic.hours.kms_master_key_id == var.kms_key_arn
    error_message = "the topic must be encrypted"
  }
  assert {
    condition     = alltrue([for q in concat(values(aws_sqs_queue.consumer), values(aws_sqs_queue.dlq)) : q.kms_master_key_id == var.kms_key_arn])
    error_message = "every queue must be encrypted"
  }
  assert {
    condition     = alltrue([for q in concat(values(aws_sqs_queue.consumer), [aws_sns_topic.hours]) : q.tags["environment"] == "test" && contains(["board", "users", "hours"], q.tags["service"])])
    error_message = "topic and queues carry environment and their service"
  }
}

