provider "google" {
  project = var.project_id
  region  = var.region
  default_labels = {
    app        = "mcp-authz"
    managed-by = "terraform"
  }
}

data "google_client_config" "current" {}

data "google_project" "current" {
  project_id = var.project_id
}

# The Helm provider talks to the cluster this configuration creates, with the caller's own Google
# credentials (no kubeconfig, no static token). The first apply creates the cluster before any
# helm_release because every release depends on the node pool.
provider "helm" {
  kubernetes = {
    host                   = "https://${google_container_cluster.main.endpoint}"
    token                  = data.google_client_config.current.access_token
    cluster_ca_certificate = base64decode(google_container_cluster.main.master_auth[0].cluster_ca_certificate)
  }
}
