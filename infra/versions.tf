terraform {
  # templatefile, fileset, regexall and optional object attributes need 1.3+;
  # 1.5 is the oldest release still patched when this was written.
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 6.x: aws_api_gateway_deployment no longer takes stage_name, and the
      # stage is its own resource, which is how api.tf is written.
      version = "~> 6.0"
    }
  }
}
