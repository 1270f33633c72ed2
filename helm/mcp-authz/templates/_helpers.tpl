{{/* Names */}}
{{- define "mcp-authz.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mcp-authz.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "<fullname>-<component>", e.g. mcp-authz-mcp-server. Call with (list $ "component"). */}}
{{- define "mcp-authz.componentName" -}}
{{- $root := index . 0 }}
{{- printf "%s-%s" (include "mcp-authz.fullname" $root) (index . 1) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mcp-authz.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "mcp-authz.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: mcp-authz
{{- end }}

{{/* Selector labels of one component. Call with (list $ "component"). */}}
{{- define "mcp-authz.selectorLabels" -}}
{{- $root := index . 0 }}
app.kubernetes.io/name: {{ include "mcp-authz.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "mcp-authz.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end }}

{{- define "mcp-authz.mcpResourceUrl" -}}
https://{{ .Values.hosts.mcp }}/mcp
{{- end }}

{{- define "mcp-authz.issuerUrl" -}}
https://{{ .Values.hosts.auth }}
{{- end }}

{{/*
Postgres URL through the Cloud SQL Auth Proxy sidecar for an IAM database user. No password: the
proxy runs with --auto-iam-authn and presents the pod's Workload Identity token. The proxy encrypts
the hop to the instance, so the loopback hop needs no TLS. Call with (list $ "user@project.iam").
*/}}
{{- define "mcp-authz.databaseUrl" -}}
{{- $root := index . 0 }}
{{- printf "postgresql://%s@127.0.0.1:%d/%s?sslmode=disable" (index . 1 | replace "@" "%40") (int $root.Values.cloudSqlProxy.port) $root.Values.database.name }}
{{- end }}

{{/* Pod-level settings every workload shares (Deployments and the migration Job). */}}
{{- define "mcp-authz.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext }}
{{- end }}

{{- define "mcp-authz.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext }}
{{- end }}

{{/*
Cloud SQL Auth Proxy as a native sidecar (an init container with restartPolicy: Always, Kubernetes
1.29+): it is up before the application starts, outlives it during shutdown, and does not keep the
migration Job from completing.
*/}}
{{- define "mcp-authz.cloudSqlProxy" -}}
- name: cloud-sql-proxy
  image: {{ .Values.cloudSqlProxy.image }}
  restartPolicy: Always
  args:
    - --auto-iam-authn
    {{- if .Values.cloudSqlProxy.privateIp }}
    - --private-ip
    {{- end }}
    - --structured-logs
    - --port={{ .Values.cloudSqlProxy.port }}
    - --health-check
    - --http-address=0.0.0.0
    - --http-port=9801
    # Exit 0 on SIGTERM so a finished Job or a rolled pod is not reported as failed.
    - --exit-zero-on-sigterm
    # Keep serving open connections while the application drains (longer than its 10 s budget).
    - --max-sigterm-delay=20s
    - {{ .Values.database.instanceConnectionName | quote }}
  ports:
    - name: proxy-health
      containerPort: 9801
  startupProbe:
    httpGet:
      path: /startup
      port: proxy-health
    periodSeconds: 1
    failureThreshold: 60
  livenessProbe:
    httpGet:
      path: /liveness
      port: proxy-health
    periodSeconds: 10
    timeoutSeconds: 5
    failureThreshold: 3
  resources:
    {{- toYaml .Values.cloudSqlProxy.resources | nindent 4 }}
  securityContext:
    {{- include "mcp-authz.containerSecurityContext" . | nindent 4 }}
{{- end }}

{{/*
Environment every role shares (services/shared/config/common-config.ts) plus the OpenTelemetry SDK's
standard variables. Call with (list $ "component").
*/}}
{{- define "mcp-authz.commonEnv" -}}
{{- $root := index . 0 }}
{{- $component := index . 1 }}
- name: APP_ENV
  value: production
# The services bind 127.0.0.1 by default; in a pod they must listen on the pod IP.
- name: HOST
  value: 0.0.0.0
- name: INSTANCE_ID
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: LOG_LEVEL
  value: {{ $root.Values.app.logLevel | quote }}
- name: DATA_DIR
  value: /tmp/mcp-authz
- name: DATABASE_APP_ROLE
  value: {{ $root.Values.database.appRole | quote }}
- name: POLICY_DIR
  value: /etc/mcp-authz/policies
{{- with $root.Values.app.policyVersion }}
- name: POLICY_VERSION
  value: {{ . | quote }}
{{- end }}
- name: AUDIT_COMMIT_DEADLINE_MS
  value: {{ $root.Values.app.auditCommitDeadlineMs | quote }}
- name: AUDIT_CONCURRENT_FLUSHES
  value: {{ $root.Values.app.auditConcurrentFlushes | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ $component }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ $root.Values.telemetry.otlpEndpoint | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: http/protobuf
- name: OTEL_TRACES_SAMPLER
  value: {{ $root.Values.telemetry.tracesSampler | quote }}
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ $root.Values.telemetry.tracesSamplerArg | quote }}
- name: OTEL_PROPAGATORS
  value: tracecontext,baggage
# $(INSTANCE_ID) is expanded by the kubelet: it is the pod name, defined above.
- name: OTEL_RESOURCE_ATTRIBUTES
  value: "service.namespace=mcp-authz,service.version={{ $root.Values.image.tag }},deployment.environment.name=production,k8s.namespace.name={{ $root.Release.Namespace }},k8s.pod.name=$(INSTANCE_ID)"
{{- end }}

{{/* Probes against the service's own health routes (services/shared/http/health-route.ts). */}}
{{- define "mcp-authz.probes" -}}
startupProbe:
  httpGet:
    path: /health
    port: http
  periodSeconds: {{ .Values.probes.startup.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.startup.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.startup.failureThreshold }}
livenessProbe:
  httpGet:
    path: /health
    port: http
  periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.liveness.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
# /ready turns false when the audit store cannot commit, keys are missing or the revocation feed is
# stale: the pod leaves the Service until it recovers on its own (design.md, fail closed).
readinessProbe:
  httpGet:
    path: /ready
    port: http
  periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.readiness.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
{{- end }}

{{/* Spread replicas over nodes and zones; "ScheduleAnyway" on zones so a one-zone outage still schedules. Call with (list $ "component"). */}}
{{- define "mcp-authz.spread" -}}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: DoNotSchedule
    labelSelector:
      matchLabels:
        {{- include "mcp-authz.selectorLabels" . | nindent 8 }}
    matchLabelKeys:
      - pod-template-hash
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "mcp-authz.selectorLabels" . | nindent 8 }}
    matchLabelKeys:
      - pod-template-hash
{{- end }}

{{/*
Egress every pod of the release needs: DNS; the GKE metadata server (Workload Identity tokens; on
Dataplane V2 it answers on 169.254.169.254:80 and 169.254.169.252:988); Cloud SQL's private IP on
3307 (the proxy's port); Google APIs on 443 (the proxy asks sqladmin.googleapis.com for certificates,
the token service talks to the OIDC provider). Google API addresses are not stable, so 443 is open to
any destination: the narrowing that matters is the default deny on everything else.
*/}}
{{- define "mcp-authz.baseEgress" -}}
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
  to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
- to:
    - ipBlock:
        cidr: 169.254.169.254/32
  ports:
    - port: 80
      protocol: TCP
- to:
    - ipBlock:
        cidr: 169.254.169.252/32
  ports:
    - port: 988
      protocol: TCP
- to:
    - ipBlock:
        cidr: {{ .Values.networkPolicy.cloudSqlCidr }}
  ports:
    - port: 3307
      protocol: TCP
- ports:
    - port: 443
      protocol: TCP
{{- end }}
