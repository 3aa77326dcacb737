# Seed section 5: the score reports, uploaded by the browser with a presigned
# PUT (never through a Lambda), kept 90 days.

resource "aws_s3_bucket" "score_reports" {
  # checkov:skip=CKV_AWS_18:Access logging would need a second bucket for 90-day-old uploads; reads and writes are by presigned URLs signed by one role, and CloudTrail data events are the account's audit trail.
  # checkov:skip=CKV_AWS_144:Reports are transient inputs (90 days) that the user still has; cross-region replication would double their copies of personal data for no recovery need.
  # checkov:skip=CKV2_AWS_62:No consumer reacts to uploads: the plan route checks the object exists when the plan is created.
  bucket = var.score_reports_bucket
}

resource "aws_s3_bucket_versioning" "score_reports" {
  bucket = aws_s3_bucket.score_reports.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "score_reports" {
  bucket = aws_s3_bucket.score_reports.id

  rule {
    id     = "expire-after-90-days"
    status = "Enabled"
    filter {}

    expiration {
      days = 90
    }
    # With versioning on, expiry leaves a noncurrent version: remove it too,
    # so a report is really gone (PII retention, seed section 13).
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  rule {
    id     = "remove-expired-delete-markers"
    status = "Enabled"
    filter {}
    expiration {
      expired_object_delete_marker = true
    }
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "score_reports" {
  bucket = aws_s3_bucket.score_reports.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.campaigns.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "score_reports" {
  bucket                  = aws_s3_bucket.score_reports.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "score_reports" {
  bucket = aws_s3_bucket.score_reports.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# The browser PUTs the report straight to S3 from the frontend's origin.
resource "aws_s3_bucket_cors_configuration" "score_reports" {
  bucket = aws_s3_bucket.score_reports.id
  cors_rule {
    allowed_methods = ["PUT"]
    allowed_origins = [trimsuffix(var.frontend_url, "/")]
    allowed_headers = ["content-type", "content-length"]
    max_age_seconds = 3000
  }
}

data "aws_iam_policy_document" "score_reports" {
  statement {
    sid     = "TlsOnly"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.score_reports.arn,
      "${aws_s3_bucket.score_reports.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "score_reports" {
  bucket = aws_s3_bucket.score_reports.id
  policy = data.aws_iam_policy_document.score_reports.json

  depends_on = [aws_s3_bucket_public_access_block.score_reports]
}
