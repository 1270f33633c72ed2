resource "google_service_account" "gke_nodes" {
  account_id   = "${var.name}-nodes"
  display_name = "GKE nodes of ${var.name} (logging, metrics, image pulls only)"
}

# Least privilege for the nodes themselves; workloads get their own identities via Workload Identity.
resource "google_project_iam_member" "gke_nodes" {
  for_each = toset([
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/autoscaling.metricsWriter",
  ])
  project = var.project_id
  role    = each.value
  member  = google_service_account.gke_nodes.member
}

resource "google_container_cluster" "main" {
  name     = var.name
  location = var.region
  # Regional control plane (survives a zone outage); nodes only in var.zones.
  node_locations = var.zones

  network         = google_compute_network.main.id
  subnetwork      = google_compute_subnetwork.gke.id
  networking_mode = "VPC_NATIVE"

  ip_allocation_policy {
    cluster_secondary_range_name  = "pods"
    services_secondary_range_name = "services"
  }

  # Dataplane V2 (Cilium) enforces the chart's NetworkPolicies.
  datapath_provider = "ADVANCED_DATAPATH"

  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = false
    master_ipv4_cidr_block  = var.vpc_cidrs.control_plane
  }

  master_authorized_networks_config {
    dynamic "cidr_blocks" {
      for_each = var.master_authorized_networks
      content {
        cidr_block   = cidr_blocks.value.cidr_block
        display_name = cidr_blocks.value.display_name
      }
    }
  }

  workload_identity_config {
    workload_pool = "${var.project_id}.svc.id.goog"
  }

  release_channel {
    channel = var.gke_release_channel
  }

  # The node pool below is managed separately so it can change without recreating the cluster.
  remove_default_node_pool = true
  initial_node_count       = 1

  addons_config {
    http_load_balancing {
      # Traefik serves the Ingress; GKE's own L7 controller stays off so it does not also act on it.
      disabled = true
    }
    horizontal_pod_autoscaling {
      disabled = false
    }
  }

  logging_config {
    enable_components = ["SYSTEM_COMPONENTS", "WORKLOADS"]
  }

  monitoring_config {
    enable_components = ["SYSTEM_COMPONENTS"]
    managed_prometheus {
      enabled = true
    }
  }

  maintenance_policy {
    recurring_window {
      start_time = "2025-01-04T02:00:00Z"
      end_time   = "2025-01-04T06:00:00Z"
      recurrence = "FREQ=WEEKLY;BYDAY=SA,SU"
    }
  }

  deletion_protection = true

  depends_on = [google_project_service.enabled]
}

resource "google_container_node_pool" "default" {
  name     = "default"
  cluster  = google_container_cluster.main.id
  location = var.region

  # Totals across all zones (not per zone): the cluster autoscaler keeps the pool between 2 and 6.
  autoscaling {
    total_min_node_count = var.node_count_min
    total_max_node_count = var.node_count_max
    location_policy      = "BALANCED"
  }

  initial_node_count = 1

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  upgrade_settings {
    max_surge       = 1
    max_unavailable = 0
  }

  node_config {
    machine_type    = var.node_machine_type
    disk_size_gb    = 50
    disk_type       = "pd-balanced"
    service_account = google_service_account.gke_nodes.email
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]

    # Pods see the GKE metadata server, which hands out Workload Identity tokens, never the node's.
    workload_metadata_config {
      mode = "GKE_METADATA"
    }

    shielded_instance_config {
      enable_secure_boot          = true
      enable_integrity_monitoring = true
    }

    labels = {
      pool = "default"
    }
  }

  lifecycle {
    # The autoscaler changes the node count; Terraform must not fight it.
    ignore_changes = [initial_node_count]
  }
}
