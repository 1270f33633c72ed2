resource "google_sql_database_instance" "main" {
  name             = var.name
  region           = var.region
  database_version = "POSTGRES_17"

  settings {
    tier      = var.cloud_sql_tier
    edition   = "ENTERPRISE"
    disk_type = "PD_SSD"
    # Regional: a synchronous standby in another zone takes over on failure.
    availability_type     = var.cloud_sql_high_availability ? "REGIONAL" : "ZONAL"
    disk_autoresize       = true
    disk_autoresize_limit = 500
    # API-level protection as well as Terraform's own (deletion_protection below).
    deletion_protection_enabled = var.cloud_sql_deletion_protection

    ip_configuration {
      # No public IP: reachable only from the VPC, through the Auth Proxy.
      ipv4_enabled    = false
      private_network = google_compute_network.main.id
      # Only the Auth Proxy and the Cloud SQL connectors (which present client certificates) may connect.
      ssl_mode = "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"
    }

    backup_configuration {
      enabled                        = true
      start_time                     = "02:00"
      point_in_time_recovery_enabled = true
      transaction_log_retention_days = var.cloud_sql_pitr_days
      backup_retention_settings {
        retained_backups = 30
        retention_unit   = "COUNT"
      }
    }

    # IAM database authentication: the workloads log in with their Google identity, no passwords.
    database_flags {
      name  = "cloudsql.iam_authentication"
      value = "on"
    }

    database_flags {
      name  = "log_connections"
      value = "on"
    }

    database_flags {
      name  = "log_disconnections"
      value = "on"
    }

    maintenance_window {
      day          = 7
      hour         = 3
      update_track = "stable"
    }

    insights_config {
      query_insights_enabled  = true
      record_application_tags = true
      record_client_address   = false
    }
  }

  deletion_protection = var.cloud_sql_deletion_protection

  depends_on = [google_service_networking_connection.private_services]
}

resource "google_sql_database" "main" {
  name     = var.database_name
  instance = google_sql_database_instance.main.name
  # The audit log must not disappear with a `terraform destroy` of the database resource alone.
  deletion_policy = "ABANDON"
}

# IAM database users: the service account e-mail without ".gserviceaccount.com" is the user name.
resource "google_sql_user" "owner" {
  name     = trimsuffix(google_service_account.workload["migrate"].email, ".gserviceaccount.com")
  instance = google_sql_database_instance.main.name
  type     = "CLOUD_IAM_SERVICE_ACCOUNT"
  # The migration runner creates tables, triggers and the mcp_app role: it needs what the built-in
  # postgres user has. The services never use this user.
  database_roles = ["cloudsqlsuperuser"]
}

# Application users start with no privileges; the migration hook Job grants them mcp_app (INSERT and
# SELECT on audit_events only) once the migration has created it (deploy/db/grant-app-role.mjs).
resource "google_sql_user" "app" {
  for_each = toset(["mcp_server", "token_service"])
  name     = trimsuffix(google_service_account.workload[each.value].email, ".gserviceaccount.com")
  instance = google_sql_database_instance.main.name
  type     = "CLOUD_IAM_SERVICE_ACCOUNT"
}
