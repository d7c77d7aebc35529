# Offline: the mock provider answers every call; assertions read the
# planned and "applied" values of this module's own resources.

mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name        = "crewlog-test"
  environment = "test"
  azs         = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

# One run for every property of the default configuration: each run
# starts the provider again, and one run is much cheaper than many.
run "defaults" {
  # private subnets stay private
  assert {
    condition     = length(aws_subnet.app) == 3 && length(aws_subnet.db) == 3
    error_message = "one app and one database subnet per zone"
  }
  assert {
    condition     = alltrue([for s in concat(aws_subnet.app, aws_subnet.db) : s.map_public_ip_on_launch == false])
    error_message = "private subnets must not assign public addresses"
  }
  assert {
    condition     = alltrue([for a in concat(aws_route_table_association.app, aws_route_table_association.db) : a.route_table_id != aws_route_table.public.id])
    error_message = "a private subnet is routed through the internet gateway"
  }
  assert {
    condition     = length(aws_route.private_nat) == 0 && length(aws_nat_gateway.main) == 0
    error_message = "nat = none must leave private tables without a default route"
  }
  assert {
    condition     = toset([for s in concat(aws_subnet.app, aws_subnet.db) : s.availability_zone]) == toset(var.azs)
    error_message = "private subnets must cover every zone"
  }

  # only the balancer is open to the internet
  assert {
    condition = alltrue([
      for r in aws_vpc_security_group_ingress_rule.this :
      r.security_group_id == aws_security_group.alb.id && contains([80, 443], r.from_port) && r.from_port == r.to_port
      if r.cidr_ipv4 == "0.0.0.0/0" || r.cidr_ipv6 == "::/0"
    ])
    error_message = "only the balancer's 80 and 443 may be open to 0.0.0.0/0 or ::/0"
  }
  assert {
    condition     = length([for r in aws_vpc_security_group_ingress_rule.this : r if r.cidr_ipv4 == "0.0.0.0/0" || r.cidr_ipv6 == "::/0"]) == 4
    error_message = "the balancer needs 80 and 443 over IPv4 and IPv6"
  }
  assert {
    condition     = alltrue([for r in aws_vpc_security_group_egress_rule.this : r.cidr_ipv4 == null && r.cidr_ipv6 == null])
    error_message = "no egress rule may name a CIDR: tasks reach AWS through endpoints"
  }
  assert {
    condition = alltrue([
      for r in aws_vpc_security_group_ingress_rule.this :
      r.referenced_security_group_id == aws_security_group.alb.id && r.from_port == 8080
      if r.security_group_id == aws_security_group.tasks.id
    ])
    error_message = "tasks must accept only the balancer, on the web port"
  }

  # database reachable only from tasks
  assert {
    condition = alltrue([
      for r in aws_vpc_security_group_ingress_rule.this :
      r.referenced_security_group_id == aws_security_group.tasks.id && r.cidr_ipv4 == null && r.cidr_ipv6 == null && r.from_port == 5432
      if r.security_group_id == aws_security_group.db.id
    ])
    error_message = "the database group may admit only the task group on 5432"
  }
  assert {
    condition     = length([for r in aws_vpc_security_group_ingress_rule.this : r if r.security_group_id == aws_security_group.db.id]) == 1
    error_message = "the database group must have exactly one ingress rule"
  }

  # endpoints replace nat
  assert {
    condition     = toset(keys(aws_vpc_endpoint.interface)) == toset(["ecr.api", "ecr.dkr", "logs", "secretsmanager", "sns", "sqs"])
    error_message = "private tasks need ECR, Logs, Secrets Manager, SNS and SQS endpoints"
  }
  assert {
    condition     = aws_vpc_endpoint.s3.vpc_endpoint_type == "Gateway"
    error_message = "S3 must be a gateway endpoint on the private route tables"
  }
  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.interface : e.private_dns_enabled])
    error_message = "interface endpoints need private DNS to be used transparently"
  }

  # flow logs encrypted
  assert {
    condition     = aws_flow_log.main.traffic_type == "ALL" && aws_flow_log.main.log_destination == aws_cloudwatch_log_group.flow.arn
    error_message = "flow logs must record all traffic into the log group"
  }
  assert {
    condition     = aws_cloudwatch_log_group.flow.kms_key_id == aws_kms_key.main.arn
    error_message = "flow log group must be encrypted with the environment key"
  }
  assert {
    condition     = aws_kms_key.main.enable_key_rotation
    error_message = "the environment key must rotate"
  }

  # tagged
  assert {
    condition = alltrue([
      for t in [aws_vpc.main.tags, aws_kms_key.main.tags, aws_security_group.db.tags, aws_subnet.app[0].tags, aws_flow_log.main.tags, aws_vpc_security_group_ingress_rule.this["db_tasks"].tags] :
      t["environment"] == "test" && t["service"] == "crewlog"
    ])
    error_message = "resources must carry environment and service tags"
  }
}

run "nat_per_zone" {
  variables {
    nat = "per_az"
  }
  assert {
    condition     = length(aws_nat_gateway.main) == 3 && length(aws_route.private_nat) == 3
    error_message = "per_az gives each zone its own NAT gateway and route"
  }
  assert {
    condition     = alltrue([for i, n in aws_nat_gateway.main : n.subnet_id == aws_subnet.public[i].id])
    error_message = "NAT gateways belong in the public subnets"
  }
}

run "one_zone_is_refused" {
  command = plan
  variables {
    azs = ["eu-west-1a"]
  }
  expect_failures = [var.azs]
}
