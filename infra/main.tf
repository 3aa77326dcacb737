# Shared names and facts every other file uses.

provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      project = "prodenthub-campaigns"
    })
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.region

  # The code derives a state machine's ARN from this prefix and the machine's
  # name (STATE_MACHINE_ARN_PREFIX), so machines carry their bare names.
  state_machine_arn_prefix = "arn:${local.partition}:states:${local.region}:${local.account}:stateMachine:"

  # The repository root: the definitions, the schemas and the build's zips are
  # read from it, so infra/ never holds a copy of them.
  repo_root = abspath("${path.module}/..")

  lambda_packages = coalesce(var.lambda_packages, "${local.repo_root}/target/lambda")
}
