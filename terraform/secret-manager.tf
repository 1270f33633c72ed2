# Structure only: Terraform creates the secrets and who may read them, never their values (values in
# Terraform would sit in its state). deploy/README.md step 4 adds the first versions.
locals {
  secrets = {
    signing_keys = {
      id          = "${var.name}-signing-keys"
      description = "Token service private JWK set (signing-keys.json); a new version rotates the key"
    }
    oidc_client_secret = {
      id          = "${var.name}-oidc-client-secret"
      description = "OAuth client secret of the token service at the upstream OIDC provider (Google)"
    }
    audit_hmac_key = {
      id          = "${var.name}-audit-hmac-key"
      description = "HMAC key (base64, 32+ bytes) for secrets that appear in audit events"
    }
    oauth_cookie_secret = {
      id          = "${var.name}-oauth-cookie-secret"
      description = "Key (base64, 32+ bytes) for the authorization server's cookies"
    }
  }
}

resource "google_secret_manager_secret" "app" {
  for_each  = local.secrets
  secret_id = each.value.id

  labels = {
    purpose = replace(each.key, "_", "-")
  }

  annotations = {
    description = each.value.description
  }

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}

# Only External Secrets' identity reads them; the application pods get the values as Kubernetes
# Secrets and hold no Secret Manager permission themselves.
resource "google_secret_manager_secret_iam_member" "external_secrets" {
  for_each  = google_secret_manager_secret.app
  secret_id = each.value.id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.workload["secrets"].member
}
