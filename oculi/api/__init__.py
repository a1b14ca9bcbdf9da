"""The plain REST API (/v1): snake_case schemas, thin routes calling the same services as the AWS front."""
