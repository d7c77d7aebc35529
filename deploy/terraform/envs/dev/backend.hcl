# terraform init -backend-config=../backend.hcl (from a stack directory)
bucket = "crewlog-tfstate-dev"
region = "eu-west-1"
