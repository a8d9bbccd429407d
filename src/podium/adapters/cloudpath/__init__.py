"""Tables and documents on a local disk or any cloudpathlib URI (s3://, gs://, az://)."""
