# The prod composition, offline: prod must refuse to delete its balancer.

mock_provider "aws" {
  source = "../../../tests/mocks"
}

override_data {
  target = data.terraform_remote_state.network
  values = {
    outputs = {
      network = {
        vpc_id                = "vpc-0123456789abcdef0"
        public_subnet_ids     = ["subnet-pub0", "subnet-pub1", "subnet-pub2"]
        alb_security_group_id = "sg-00000000000alb000"
      }
    }
  }
}

variables {
  state_bucket = "crewlog-tfstate-prod"
}

run "prod_balancer_is_protected" {
  assert {
    condition     = output.alb.deletion_protection
    error_message = "prod's balancer must refuse deletion"
  }
}
