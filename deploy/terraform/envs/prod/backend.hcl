# terraform init -backend-config=../backend.hcl (from a stack directory)
bucket = "crewlog-tfstate-prod"
region = "eu-west-1"
