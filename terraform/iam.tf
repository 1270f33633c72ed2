# One Google service account per workload, each trusted by exactly one Kubernetes service account
# (Workload Identity). Names follow the chart: "<release>-<component>" in var.k8s_namespace, except
# where noted.
locals {
  # Mirrors the chart's "mcp-authz.fullname" helper.
  ksa_prefix = strcontains(var.helm_release_name, "mcp-authz") ? var.helm_release_name : "${var.helm_release_name}-mcp-authz"

  workloads = {
    mcp_server = {
      account_id = "mcp-server"
      display    = "MCP server (data plane)"
      namespace  = var.k8s_namespace
      ksa        = "${local.ksa_prefix}-mcp-server"
    }
    token_service = {
      account_id = "token-service"
      display    = "Token service (control plane)"
      namespace  = var.k8s_namespace
      ksa        = "${local.ksa_prefix}-token-service"
    }
    migrate = {
      account_id = "mcp-migrate"
      display    = "Schema migrations (database owner)"
      namespace  = var.k8s_namespace
      ksa        = "${local.ksa_prefix}-migrate"
    }
    secrets = {
      account_id = "mcp-secrets"
      display    = "External Secrets reader for mcp-authz"
      namespace  = var.k8s_namespace
      ksa        = "${local.ksa_prefix}-secrets"
    }
    otel_collector = {
      account_id = "otel-collector"
      display    = "OpenTelemetry Collector (Cloud Trace, Cloud Monitoring)"
      namespace  = "observability"
      ksa        = "otel-collector"
    }
  }

  # Workloads that connect to Cloud SQL as IAM database users.
  database_workloads = toset(["mcp_server", "token_service", "migrate"])
  # Workloads that may run the audit checkpoint sealer (any replica of either server, design.md).
  sealer_workloads = toset(["mcp_server", "token_service"])
}

resource "google_service_account" "workload" {
  for_each     = local.workloads
  account_id   = each.value.account_id
  display_name = each.value.display
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account_iam_member" "workload_identity" {
  for_each           = local.workloads
  service_account_id = google_service_account.workload[each.key].name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.project_id}.svc.id.goog[${each.value.namespace}/${each.value.ksa}]"
  # The workload identity pool <project>.svc.id.goog exists once the first WI-enabled cluster does.
  depends_on = [google_container_cluster.main]
}

# Cloud SQL: connect through the Auth Proxy (client) and log in as an IAM database user (instanceUser).
resource "google_project_iam_member" "cloudsql_client" {
  for_each = local.database_workloads
  project  = var.project_id
  role     = "roles/cloudsql.client"
  member   = google_service_account.workload[each.key].member
}

resource "google_project_iam_member" "cloudsql_instance_user" {
  for_each = local.database_workloads
  project  = var.project_id
  role     = "roles/cloudsql.instanceUser"
  member   = google_service_account.workload[each.key].member
}

resource "google_project_iam_member" "otel_collector" {
  for_each = toset(["roles/cloudtrace.agent", "roles/monitoring.metricWriter"])
  project  = var.project_id
  role     = each.value
  member   = google_service_account.workload["otel_collector"].member
}
