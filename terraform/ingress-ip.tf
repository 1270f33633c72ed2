# The address DNS points at. Regional, because it is assigned to Traefik's L4 LoadBalancer Service
# (a global address only fits GKE's own L7 Ingress). Reserved, so it survives re-creating the Service.
resource "google_compute_address" "ingress" {
  name         = "${var.name}-ingress"
  region       = var.region
  address_type = "EXTERNAL"
  network_tier = "PREMIUM"
  depends_on   = [google_project_service.enabled]
}
