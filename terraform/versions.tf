terraform {
  # 1.9+: variable validation may refer to other variables.
  required_version = ">= 1.9"

  required_providers {
    google = {
      source = "hashicorp/google"
      # 7.x: google_sql_user.database_roles, GKE total_*_node_count autoscaling.
      version = "~> 7.0"
    }
    helm = {
      source = "hashicorp/helm"
      # 3.x: `kubernetes = { ... }` attribute syntax in the provider block.
      version = "~> 3.0"
    }
  }

  # State lives in a GCS bucket created once by hand (deploy/README.md, step 1); a local state file
  # would hold the only record of the cluster and database.
  backend "gcs" {
    prefix = "mcp-authz"
  }
}
