# Roles.  A task role per service carrying only what that service calls:
# the relay publishes hour events, each consumer reads its own queue, the
# others call no AWS API at all.  One execution role pulls images, writes
# logs and reads the database secrets to inject them.  GitHub Actions
# reaches AWS only through OIDC, with roles bound to this repository: the
# release role to pushes on the release branch, the plan role to pull
# requests, the apply role to the protected environment.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  tags = merge(var.tags, {
    environment = var.environment
    service     = "crewlog"
    component   = "iam"
  })
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  # Every role a task can run as: the balanced services, the outbox relay
  # and the one-shot migration.
  task_roles = toset(concat(var.services, ["relay", "migrate"]))
  oidc_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : (
  "arn:aws:iam::${local.account_id}:oidc-provider/token.actions.githubusercontent.com")

  ecs_trust = {
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:aws:ecs:${local.region}:${local.account_id}:*" }
      }
    }]
  }
}

# --- tasks ----------------------------------------------------------------

resource "aws_iam_role" "task" {
  for_each           = local.task_roles
  name               = "${var.name}-${each.key}"
  assume_role_policy = jsonencode(local.ecs_trust)
  tags               = merge(local.tags, { service = each.key })
}

resource "aws_iam_role_policy" "relay_publish" {
  name = "publish-hour-events"
  role = aws_iam_role.task["relay"].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "sns:Publish", Resource = var.topic_arn },
      { Effect = "Allow", Action = ["kms:GenerateDataKey", "kms:Decrypt"], Resource = var.kms_key_arn },
    ]
  })
}

resource "aws_iam_role_policy" "consume" {
  for_each = var.consumer_queue_arns
  name     = "consume-hour-events"
  role     = aws_iam_role.task[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
        Resource = each.value
      },
      { Effect = "Allow", Action = "kms:Decrypt", Resource = var.kms_key_arn },
    ]
  })
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-execution"
  assume_role_policy = jsonencode(local.ecs_trust)
  tags               = local.tags
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_iam_role_policy" "execution_secrets" {
  name = "read-database-secrets"
  role = aws_iam_role.execution.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "secretsmanager:GetSecretValue", Resource = var.secret_arns },
      { Effect = "Allow", Action = "kms:Decrypt", Resource = var.kms_key_arn },
    ]
  })
}

# --- CodeDeploy -----------------------------------------------------------

resource "aws_iam_role" "codedeploy" {
  name = "${var.name}-codedeploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "codedeploy.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "codedeploy" {
  role       = aws_iam_role.codedeploy.name
  policy_arn = "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS"
}

# --- GitHub Actions -------------------------------------------------------

resource "aws_iam_openid_connect_provider" "github" {
  count          = var.create_oidc_provider ? 1 : 0
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
  tags           = local.tags
}

locals {
  # The subject claim GitHub puts in the token of each kind of job.
  github_subjects = {
    release   = "repo:${var.github_repository}:ref:refs/heads/${var.github_branch}"
    plan      = "repo:${var.github_repository}:pull_request"
    terraform = "repo:${var.github_repository}:environment:${var.github_apply_environment}"
  }
}

resource "aws_iam_role" "github" {
  for_each = local.github_subjects
  name     = "${var.name}-github-${each.key}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = local.oidc_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub" = each.value
        }
      }
    }]
  })
  max_session_duration = 3600
  tags                 = local.tags
}

resource "aws_iam_role_policy" "github_release" {
  name = "release"
  role = aws_iam_role.github["release"].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "EcrLogin", Effect = "Allow", Action = "ecr:GetAuthorizationToken", Resource = "*" },
      {
        Sid      = "EcrPush"
        Effect   = "Allow"
        Action   = ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:DescribeImages"]
        Resource = var.ecr_repository_arns
      },
      { Sid = "ImageKey", Effect = "Allow", Action = ["kms:GenerateDataKey", "kms:Decrypt"], Resource = var.kms_key_arn },
      {
        Sid    = "TaskDefinitions"
        Effect = "Allow"
        # These actions take no resource-level permission.
        Action   = ["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"]
        Resource = "*"
      },
      {
        Sid      = "ServicesAndMigration"
        Effect   = "Allow"
        Action   = ["ecs:DescribeServices", "ecs:RunTask", "ecs:DescribeTasks", "ecs:TagResource"]
        Resource = "*"
        Condition = {
          ArnEquals = { "ecs:cluster" = "arn:aws:ecs:${local.region}:${local.account_id}:cluster/${var.name}" }
        }
      },
      {
        Sid      = "PassTaskRoles"
        Effect   = "Allow"
        Action   = "iam:PassRole"
        Resource = concat([aws_iam_role.execution.arn], [for r in aws_iam_role.task : r.arn])
        Condition = {
          StringEquals = { "iam:PassedToService" = "ecs-tasks.amazonaws.com" }
        }
      },
      {
        Sid      = "StaticFiles"
        Effect   = "Allow"
        Action   = ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = ["arn:aws:s3:::${var.name}-static-${local.account_id}", "arn:aws:s3:::${var.name}-static-${local.account_id}/static/*"]
      },
      { Sid = "Invalidate", Effect = "Allow", Action = "cloudfront:CreateInvalidation", Resource = "arn:aws:cloudfront::${local.account_id}:distribution/*" },
      {
        Sid    = "Deploy"
        Effect = "Allow"
        Action = ["codedeploy:CreateDeployment", "codedeploy:GetDeployment", "codedeploy:GetDeploymentConfig", "codedeploy:GetDeploymentGroup", "codedeploy:RegisterApplicationRevision", "codedeploy:GetApplicationRevision", "codedeploy:StopDeployment"]
        Resource = [
          "arn:aws:codedeploy:${local.region}:${local.account_id}:application:${var.name}",
          "arn:aws:codedeploy:${local.region}:${local.account_id}:deploymentgroup:${var.name}/*",
          "arn:aws:codedeploy:${local.region}:${local.account_id}:deploymentconfig:*",
        ]
      },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "github_plan" {
  for_each   = toset(["plan", "terraform"])
  role       = aws_iam_role.github[each.key].name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_role_policy" "github_state" {
  for_each = toset(["plan", "terraform"])
  name     = "terraform-state"
  role     = aws_iam_role.github[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "s3:ListBucket", Resource = "arn:aws:s3:::${var.state_bucket}" },
      { Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::${var.state_bucket}/${var.environment}/*" },
      # The lock is an object beside the state (use_lockfile).
      { Effect = "Allow", Action = ["s3:PutObject", "s3:DeleteObject"], Resource = "arn:aws:s3:::${var.state_bucket}/${var.environment}/*.tflock" },
    ]
  })
}

# Applying creates and changes every kind of resource these stacks hold,
# IAM included; the role is reachable only from jobs of the protected
# GitHub environment, whose reviewers are the control.
resource "aws_iam_role_policy_attachment" "github_apply" {
  role       = aws_iam_role.github["terraform"].name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
