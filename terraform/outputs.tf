output "ingress_ip" {
  description = "Static IP of the Ingress load balancer: point the DNS A records of both hostnames here."
  value       = google_compute_address.ingress.address
}

output "cluster_name" {
  description = "GKE cluster name (gcloud container clusters get-credentials)."
  value       = google_container_cluster.main.name
}

output "cluster_location" {
  description = "GKE cluster location (a region: the control plane is regional)."
  value       = google_container_cluster.main.location
}

output "artifact_registry_repository" {
  description = "Image repository the release workflow pushes to (GitHub variable IMAGE_REPOSITORY)."
  value       = "${google_artifact_registry_repository.images.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}/mcp-authz"
}

output "cloud_sql_instance_connection_name" {
  description = "Cloud SQL instance connection name (project:region:instance) for the Auth Proxy."
  value       = google_sql_database_instance.main.connection_name
}

output "cloud_sql_private_ip" {
  description = "Private IP of the Cloud SQL instance."
  value       = google_sql_database_instance.main.private_ip_address
}

output "cloud_sql_private_range" {
  description = "Private services access range (the chart's networkPolicy.cloudSqlCidr)."
  value       = var.vpc_cidrs.private_service
}

output "database_users" {
  description = "IAM database users: the owner (migrations) and the application users."
  value = {
    migrate       = google_sql_user.owner.name
    mcp_server    = google_sql_user.app["mcp_server"].name
    token_service = google_sql_user.app["token_service"].name
  }
}

output "workload_service_accounts" {
  description = "Google service accounts of the workloads (Workload Identity annotations in the chart)."
  value       = { for k, sa in google_service_account.workload : k => sa.email }
}

output "secret_ids" {
  description = "Secret Manager secrets whose first versions must be added by hand (deploy/README.md step 4)."
  value       = { for k, s in google_secret_manager_secret.app : k => s.secret_id }
}

output "checkpoint_signing_key" {
  description = "Cloud KMS key that signs audit checkpoints (use with /cryptoKeyVersions/N)."
  value       = google_kms_crypto_key.checkpoint_signing.id
}

output "checkpoint_bucket" {
  description = "GCS bucket anchoring audit checkpoints under a retention policy."
  value       = google_storage_bucket.checkpoints.name
}

output "github_workload_identity_provider" {
  description = "Workload Identity Federation provider for GitHub Actions (GitHub variable GCP_WORKLOAD_IDENTITY_PROVIDER)."
  value       = google_iam_workload_identity_pool_provider.github.name
}

output "github_ci_service_account" {
  description = "Service account the release workflow impersonates (GitHub variable GCP_CI_SERVICE_ACCOUNT)."
  value       = google_service_account.ci.email
}

# Everything environment-specific the chart needs, as a values file:
#   terraform output -raw helm_values > /tmp/values-env.yaml
# then merge it into helm/mcp-authz/values.yaml (deploy/README.md, step 3).
output "helm_values" {
  description = "Chart values derived from this infrastructure (YAML)."
  value = yamlencode({
    image = {
      repository = "${google_artifact_registry_repository.images.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}/mcp-authz"
    }
    gcp = {
      projectId       = var.project_id
      clusterName     = google_container_cluster.main.name
      clusterLocation = google_container_cluster.main.location
    }
    hosts = {
      mcp  = var.mcp_hostname
      auth = var.auth_hostname
    }
    database = {
      instanceConnectionName = google_sql_database_instance.main.connection_name
      name                   = google_sql_database.main.name
      users = {
        mcpServer    = google_sql_user.app["mcp_server"].name
        tokenService = google_sql_user.app["token_service"].name
        migrate      = google_sql_user.owner.name
      }
    }
    serviceAccounts = {
      mcpServer    = { gcpServiceAccount = google_service_account.workload["mcp_server"].email }
      tokenService = { gcpServiceAccount = google_service_account.workload["token_service"].email }
      migrate      = { gcpServiceAccount = google_service_account.workload["migrate"].email }
      secrets      = { gcpServiceAccount = google_service_account.workload["secrets"].email }
    }
    secrets = {
      signingKeys       = { remoteKey = google_secret_manager_secret.app["signing_keys"].secret_id }
      oidcClientSecret  = { remoteKey = google_secret_manager_secret.app["oidc_client_secret"].secret_id }
      auditHmacKey      = { remoteKey = google_secret_manager_secret.app["audit_hmac_key"].secret_id }
      oauthCookieSecret = { remoteKey = google_secret_manager_secret.app["oauth_cookie_secret"].secret_id }
    }
    mcpServer = {
      # Traefik's pods forward X-Forwarded-For; they take their addresses from the pod range.
      trustProxy = [var.vpc_cidrs.pods]
    }
    tokenService = {
      trustProxy = [var.vpc_cidrs.pods]
      oidc       = { clientId = var.oidc_client_id }
      auditSeal = {
        signer     = "kms:${google_kms_crypto_key.checkpoint_signing.id}/cryptoKeyVersions/1"
        anchor     = "gcs:${google_storage_bucket.checkpoints.name}"
        intervalMs = 10000
      }
    }
    certManager = {
      clusterIssuer = { email = var.letsencrypt_email }
    }
    networkPolicy = {
      cloudSqlCidr = var.vpc_cidrs.private_service
    }
  })
}
