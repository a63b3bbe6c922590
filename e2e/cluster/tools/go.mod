// Test tooling only: small programs the test ground needs (no dependencies). Never shipped.
module multinet.io/e2e/tools

go 1.24.0
