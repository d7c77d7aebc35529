# The prod composition, offline: the other stacks' state is overridden,
# the AWS provider mocked.  Prod must refuse to delete its database.

mock_provider "aws" {
  source = "../../../tests/mocks"
}

override_data {
  target = data.terraform_remote_state.network
  values = {
    outputs = {
      network = {
        vpc_id                  = "vpc-0123456789abcdef0"
        azs                     = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
        db_subnet_ids           = ["subnet-db0", "subnet-db1", "subnet-db2"]
        db_security_group_id    = "sg-0000000000000db00"
        tasks_security_group_id = "sg-00000000000task00"
        kms_key_arn             = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
      }
    }
  }
}

variables {
  state_bucket = "crewlog-tfstate-prod"
}

run "prod_database_is_protected" {
  assert {
    condition     = output.database.deletion_protection
    error_message = "prod's database must refuse deletion and keep a final snapshot"
  }
  assert {
    condition     = output.database.proxy_endpoint != null
    error_message = "prod runs the RDS Proxy"
  }
}
