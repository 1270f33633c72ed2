variable "project_id" {
  description = "Google Cloud project that holds every resource of this deployment."
  type        = string

  validation {
    condition     = can(regex("^[a-z][-a-z0-9]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID (6-30 lower-case letters, digits and hyphens), not a project name or number."
  }
}

variable "region" {
  description = "Region for the cluster, Cloud SQL, Artifact Registry, KMS and the checkpoint bucket."
  type        = string
  default     = "europe-west1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "region must be a region such as europe-west1 (not a zone)."
  }
}

variable "zones" {
  description = "Zones of the region the node pool spans; the MCP server's replicas spread across them."
  type        = list(string)
  default     = ["europe-west1-b", "europe-west1-c", "europe-west1-d"]

  validation {
    condition     = length(var.zones) >= 2 && alltrue([for z in var.zones : startswith(z, "${var.region}-")])
    error_message = "zones must list at least two zones, all in var.region."
  }
}

variable "name" {
  description = "Name prefix of the cluster, database instance, repository and other named resources."
  type        = string
  default     = "mcp-authz"

  validation {
    condition     = can(regex("^[a-z][-a-z0-9]{2,20}$", var.name))
    error_message = "name must be 3-21 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "k8s_namespace" {
  description = "Kubernetes namespace the Helm chart is installed into (argocd/application.yaml's destination)."
  type        = string
  default     = "mcp-authz"
}

variable "helm_release_name" {
  description = "Helm release name of the chart; with the namespace it names the Kubernetes service accounts Workload Identity trusts."
  type        = string
  default     = "mcp-authz"
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose main-branch workflows may push images through Workload Identity Federation."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must look like owner/name."
  }
}

variable "master_authorized_networks" {
  description = "CIDR blocks allowed to reach the GKE control plane (your office or VPN, and where Terraform runs). Empty allows only Google-internal and VPC access."
  type = list(object({
    cidr_block   = string
    display_name = string
  }))
  default = []

  validation {
    condition     = alltrue([for n in var.master_authorized_networks : can(cidrhost(n.cidr_block, 0))])
    error_message = "Every master_authorized_networks entry needs a valid cidr_block."
  }
}

variable "node_machine_type" {
  description = "Machine type of the autoscaled node pool."
  type        = string
  default     = "e2-standard-2"
}

variable "node_count_min" {
  description = "Fewest nodes in the pool across all zones (the cluster autoscaler's floor)."
  type        = number
  default     = 2

  validation {
    condition     = var.node_count_min >= 2
    error_message = "node_count_min must be at least 2 so the MCP server's two replicas land on different nodes."
  }
}

variable "node_count_max" {
  description = "Most nodes in the pool across all zones (the cluster autoscaler's cost ceiling)."
  type        = number
  default     = 6

  validation {
    condition     = var.node_count_max >= var.node_count_min && var.node_count_max <= 50
    error_message = "node_count_max must be at least node_count_min and at most 50."
  }
}

variable "gke_release_channel" {
  description = "GKE release channel (control plane and node upgrades)."
  type        = string
  default     = "REGULAR"

  validation {
    condition     = contains(["RAPID", "REGULAR", "STABLE"], var.gke_release_channel)
    error_message = "gke_release_channel must be RAPID, REGULAR or STABLE."
  }
}

variable "cloud_sql_tier" {
  description = "Cloud SQL machine tier (Enterprise edition, e.g. db-custom-2-7680)."
  type        = string
  default     = "db-custom-2-7680"

  validation {
    condition     = can(regex("^db-(custom-[0-9]+-[0-9]+|perf-optimized-N-[0-9]+|g1-small|f1-micro)$", var.cloud_sql_tier))
    error_message = "cloud_sql_tier must be a Cloud SQL tier such as db-custom-2-7680."
  }
}

variable "cloud_sql_high_availability" {
  description = "Regional (HA) Cloud SQL with a standby in another zone. Turn off only for throwaway environments."
  type        = bool
  default     = true
}

variable "cloud_sql_deletion_protection" {
  description = "Protect the Cloud SQL instance from deletion by Terraform and by the API. The audit log lives there."
  type        = bool
  default     = true
}

variable "cloud_sql_pitr_days" {
  description = "Days of transaction logs kept for point-in-time recovery."
  type        = number
  default     = 7

  validation {
    condition     = var.cloud_sql_pitr_days >= 1 && var.cloud_sql_pitr_days <= 7
    error_message = "cloud_sql_pitr_days must be 1-7 (Enterprise edition limit)."
  }
}

variable "database_name" {
  description = "PostgreSQL database holding the audit log."
  type        = string
  default     = "mcp_authz"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must be a lower-case SQL identifier."
  }
}

variable "vpc_cidrs" {
  description = "Address ranges: nodes, pods and services of the cluster, and the private services access range Cloud SQL takes its private IP from."
  type = object({
    nodes           = string
    pods            = string
    services        = string
    private_service = string
    control_plane   = string
  })
  default = {
    nodes           = "10.10.0.0/20"
    pods            = "10.20.0.0/14"
    services        = "10.30.0.0/20"
    private_service = "10.60.0.0/16"
    control_plane   = "172.16.0.0/28"
  }

  validation {
    condition     = alltrue([for c in values(var.vpc_cidrs) : can(cidrhost(c, 0))])
    error_message = "Every vpc_cidrs entry must be a valid CIDR block."
  }

  validation {
    condition     = tonumber(split("/", var.vpc_cidrs.control_plane)[1]) == 28
    error_message = "vpc_cidrs.control_plane must be a /28 (GKE private control plane requirement)."
  }
}

variable "checkpoint_signing_algorithm" {
  description = "Cloud KMS algorithm of the audit checkpoint signing key. P-256 is available at every protection level, HSM included; Ed25519 (what the local development signer uses) may need SOFTWARE, depending on what Cloud KMS offers in the region."
  type        = string
  default     = "EC_SIGN_P256_SHA256"

  validation {
    condition     = contains(["EC_SIGN_ED25519", "EC_SIGN_P256_SHA256"], var.checkpoint_signing_algorithm)
    error_message = "checkpoint_signing_algorithm must be EC_SIGN_ED25519 or EC_SIGN_P256_SHA256."
  }
}

variable "kms_protection_level" {
  description = "Protection level of the checkpoint signing key: SOFTWARE or HSM."
  type        = string
  default     = "HSM"

  validation {
    condition     = contains(["SOFTWARE", "HSM"], var.kms_protection_level)
    error_message = "kms_protection_level must be SOFTWARE or HSM."
  }
}

variable "checkpoint_retention_days" {
  description = "Days every checkpoint object in the anchor bucket is kept immutable (nobody, including project owners, can delete or overwrite it before then)."
  type        = number
  default     = 2555

  validation {
    condition     = var.checkpoint_retention_days >= 1 && var.checkpoint_retention_days <= 36500
    error_message = "checkpoint_retention_days must be between 1 and 36500."
  }
}

variable "checkpoint_retention_locked" {
  description = "Lock the checkpoint bucket's retention policy. IRREVERSIBLE: a locked policy can never be shortened or removed, and the bucket cannot be deleted while objects are retained. Leave false only in throwaway environments."
  type        = bool
  default     = true
}

variable "tempo_otlp_endpoint" {
  description = "Optional OTLP/HTTP endpoint of a Grafana Tempo the collector also sends traces to (e.g. http://tempo.observability.svc.cluster.local:4318). Empty sends to Cloud Trace only."
  type        = string
  default     = ""

  validation {
    condition     = var.tempo_otlp_endpoint == "" || can(regex("^https?://", var.tempo_otlp_endpoint))
    error_message = "tempo_otlp_endpoint must be empty or an http(s) URL."
  }
}

variable "letsencrypt_email" {
  description = "Contact address for Let's Encrypt (expiry notices); passed on to the chart through the helm_values output."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.letsencrypt_email))
    error_message = "letsencrypt_email must be an e-mail address."
  }
}

variable "oidc_client_id" {
  description = "OAuth client ID of the token service at Google (Google Auth Platform > Clients, type Web application); passed to the chart through the helm_values output. Not a secret."
  type        = string

  validation {
    condition     = length(trimspace(var.oidc_client_id)) > 0
    error_message = "oidc_client_id must be set (create the OAuth client first, deploy/README.md step 2)."
  }
}

variable "mcp_hostname" {
  description = "Public hostname of the MCP endpoint (https://<mcp_hostname>/mcp)."
  type        = string
}

variable "auth_hostname" {
  description = "Public hostname of the token service (the token issuer)."
  type        = string
}

variable "addon_chart_versions" {
  description = "Pinned versions of the cluster add-on charts (upgrade deliberately, one at a time)."
  type = object({
    cert_manager     = string
    external_secrets = string
    traefik          = string
    argo_cd          = string
    otel_collector   = string
  })
  default = {
    cert_manager     = "v1.21.1"
    external_secrets = "2.9.0"
    traefik          = "41.3.0"
    argo_cd          = "10.1.1"
    otel_collector   = "0.170.0"
  }
}
