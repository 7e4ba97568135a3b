#!/bin/sh
# Run once by docker-compose.yml (minio-init) after MinIO is up: creates the recordings bucket and
# a MinIO user for Dictate that may only use that bucket. Safe to run again.
set -eu
mc alias set dictate http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"
mc mb --ignore-existing "dictate/$S3_BUCKET"
cat > /tmp/dictate-policy.json <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      "Resource": ["arn:aws:s3:::$S3_BUCKET/*"]
    },
    {
      "Effect": "Allow",
      "Action": ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
      "Resource": ["arn:aws:s3:::$S3_BUCKET"]
    }
  ]
}
JSON
mc admin policy create dictate dictate-recordings /tmp/dictate-policy.json
mc admin user add dictate "$S3_ACCESS_KEY_ID" "$S3_SECRET_ACCESS_KEY"
# Attaching a policy the user already has is an error: only attach it when it is missing.
if ! mc admin user info dictate "$S3_ACCESS_KEY_ID" | grep -q dictate-recordings; then
  mc admin policy attach dictate dictate-recordings --user "$S3_ACCESS_KEY_ID"
fi
echo "bucket $S3_BUCKET and user $S3_ACCESS_KEY_ID ready"
