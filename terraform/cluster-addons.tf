# Cluster add-ons the chart relies on, pinned (var.addon_chart_versions) and installed once per
# cluster. They are platform, not application: Argo CD deploys only helm/mcp-authz.
#
#   cert-manager      certificates from Let's Encrypt (the chart's ClusterIssuer)
#   external-secrets  Secret Manager -> Kubernetes Secrets (the chart's SecretStore, ExternalSecrets)
#   traefik           the Ingress controller: TLS, HTTP->HTTPS redirect, gateway spans (OTLP)
#   argo-cd           GitOps (argocd/ is applied to it)
#   otel-collector    OTLP receiver for the services and Traefik; exports to Cloud Trace/Monitoring
#
# Traefik rather than ingress-nginx: the community ingress-nginx controller was retired in March 2026
# (no further releases or security fixes), and the chart's Ingress is controller-neutral apart from
# two annotations in values.yaml.

resource "helm_release" "cert_manager" {
  name             = "cert-manager"
  namespace        = "cert-manager"
  create_namespace = true
  repository       = "https://charts.jetstack.io"
  chart            = "cert-manager"
  version          = var.addon_chart_versions.cert_manager
  values           = [file("${path.module}/cluster-addons/cert-manager-values.yaml")]
  depends_on       = [google_container_node_pool.default]
}

resource "helm_release" "external_secrets" {
  name             = "external-secrets"
  namespace        = "external-secrets"
  create_namespace = true
  repository       = "https://charts.external-secrets.io"
  chart            = "external-secrets"
  version          = var.addon_chart_versions.external_secrets
  values           = [file("${path.module}/cluster-addons/external-secrets-values.yaml")]
  depends_on       = [google_container_node_pool.default]
}

resource "helm_release" "traefik" {
  name             = "traefik"
  namespace        = "traefik"
  create_namespace = true
  repository       = "https://traefik.github.io/charts"
  chart            = "traefik"
  version          = var.addon_chart_versions.traefik
  values = [templatefile("${path.module}/cluster-addons/traefik-values.yaml.tftpl", {
    load_balancer_ip = google_compute_address.ingress.address
    otlp_endpoint    = "http://otel-collector.observability.svc.cluster.local:4318/v1/traces"
  })]
  depends_on = [google_container_node_pool.default, helm_release.otel_collector]
}

resource "helm_release" "argo_cd" {
  name             = "argo-cd"
  namespace        = "argocd"
  create_namespace = true
  repository       = "https://argoproj.github.io/argo-helm"
  chart            = "argo-cd"
  version          = var.addon_chart_versions.argo_cd
  values           = [file("${path.module}/cluster-addons/argo-cd-values.yaml")]
  depends_on       = [google_container_node_pool.default]
}

resource "helm_release" "otel_collector" {
  name             = "otel-collector"
  namespace        = "observability"
  create_namespace = true
  repository       = "https://open-telemetry.github.io/opentelemetry-helm-charts"
  chart            = "opentelemetry-collector"
  version          = var.addon_chart_versions.otel_collector
  values = [templatefile("${path.module}/cluster-addons/otel-collector-values.yaml.tftpl", {
    project_id          = var.project_id
    gcp_service_account = google_service_account.workload["otel_collector"].email
    tempo_endpoint      = var.tempo_otlp_endpoint
  })]
  depends_on = [google_container_node_pool.default, google_service_account_iam_member.workload_identity]
}
