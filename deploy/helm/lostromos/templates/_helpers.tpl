{{/* Chart name, truncated to 63 characters (DNS label limit). */}}
{{- define "lostromos.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "lostromos.fullname" -}}
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

{{- define "lostromos.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object of the chart. */}}
{{- define "lostromos.labels" -}}
helm.sh/chart: {{ include "lostromos.chart" . }}
app.kubernetes.io/part-of: lostromos
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of one operator role: include "lostromos.selectorLabels" (dict "ctx" $ "component" "watcher") */}}
{{- define "lostromos.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lostromos.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Selects every operator pod (all roles), not Redis: what the metrics Service and NetworkPolicies use. */}}
{{- define "lostromos.operatorSelectorLabels" -}}
app.kubernetes.io/name: {{ include "lostromos.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Name and component only, for metadata labels next to "lostromos.labels" (which has the instance). */}}
{{- define "lostromos.componentLabels" -}}
app.kubernetes.io/name: {{ include "lostromos.name" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "lostromos.redisComponentLabels" -}}
app.kubernetes.io/name: redis
app.kubernetes.io/component: queue
{{- end }}

{{- define "lostromos.redisSelectorLabels" -}}
app.kubernetes.io/name: redis
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: queue
{{- end }}

{{- define "lostromos.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end }}

{{- define "lostromos.serviceAccountName" -}}
{{- if .ctx.Values.serviceAccount.create -}}
{{ include "lostromos.fullname" .ctx }}-{{ .component }}
{{- else -}}
default
{{- end -}}
{{- end }}

{{- /* Every Lease the watchers use: the configured name, or <name>-<i> for each shard when sharded. */}}
{{- define "lostromos.leaseNames" -}}
{{- $lease := include "lostromos.leaseName" . -}}
{{- $shards := .Values.config.leaderElection.shards | default 1 | int -}}
{{- if le $shards 1 -}}
{{- list $lease | toJson -}}
{{- else -}}
{{- $names := list -}}
{{- range $i := until $shards -}}
{{- $names = append $names (printf "%s-%d" $lease $i) -}}
{{- end -}}
{{- $names | toJson -}}
{{- end -}}
{{- end }}

{{- define "lostromos.leaseName" -}}
{{- .Values.config.leaderElection.leaseName | default (printf "%s-watcher" (include "lostromos.fullname" .)) }}
{{- end }}

{{- define "lostromos.redisHost" -}}
{{ include "lostromos.fullname" . }}-redis
{{- end }}

{{/* Name of the Secret holding the bundled Redis password. */}}
{{- define "lostromos.redisPasswordSecret" -}}
{{- if .Values.redis.enabled -}}
{{ .Values.redis.auth.existingSecret | default (printf "%s-redis" (include "lostromos.fullname" .)) }}
{{- else -}}
{{ .Values.redis.external.passwordSecret }}
{{- end -}}
{{- end }}

{{- define "lostromos.redisPasswordKey" -}}
{{- if .Values.redis.enabled -}}
{{ .Values.redis.auth.existingSecretKey }}
{{- else -}}
{{ .Values.redis.external.passwordSecretKey }}
{{- end -}}
{{- end }}

{{/* True ("true") when the operator must read a Redis password file. */}}
{{- define "lostromos.redisHasPassword" -}}
{{- if or (and .Values.redis.enabled .Values.redis.auth.enabled) (and (not .Values.redis.enabled) .Values.redis.external.passwordSecret) -}}
true
{{- end -}}
{{- end }}

{{/* True ("true") in Redis Sentinel mode: external Redis found through redis.external.sentinel.endpoints. */}}
{{- define "lostromos.redisSentinelMode" -}}
{{- if and (not .Values.redis.enabled) (dig "sentinel" "endpoints" list .Values.redis.external) -}}
true
{{- end -}}
{{- end }}

{{/* True ("true") when the operator must read the Sentinels' own password file. */}}
{{- define "lostromos.redisSentinelHasPassword" -}}
{{- if and (include "lostromos.redisSentinelMode" .) (dig "sentinel" "passwordSecret" "" .Values.redis.external) -}}
true
{{- end -}}
{{- end }}

{{- define "lostromos.dashboardSecret" -}}
{{ .Values.dashboard.auth.existingSecret | default (printf "%s-dashboard" (include "lostromos.fullname" .)) }}
{{- end }}

{{/*
A random password that survives `helm upgrade`: reuses the key from the live Secret when there is one.
include "lostromos.stablePassword" (dict "ctx" $ "name" SECRET "key" KEY)
*/}}
{{- define "lostromos.stablePassword" -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .name }}
{{- if and $existing $existing.data (hasKey $existing.data .key) -}}
{{ index $existing.data .key | b64dec }}
{{- else -}}
{{ randAlphaNum 32 }}
{{- end -}}
{{- end }}

{{/* Fail early on settings that cannot work together. */}}
{{- define "lostromos.validate" -}}
{{- if and .Values.worker.autoscaling.enabled .Values.worker.keda.enabled }}
{{- fail "worker.autoscaling.enabled and worker.keda.enabled are mutually exclusive: KEDA creates its own HorizontalPodAutoscaler; enable only one" }}
{{- end }}
{{- $sentinel := dig "sentinel" dict .Values.redis.external }}
{{- $endpoints := dig "endpoints" list $sentinel }}
{{- $masterName := dig "masterName" "" $sentinel }}
{{- if and $masterName (not $endpoints) }}
{{- fail "redis.external.sentinel.masterName is set but redis.external.sentinel.endpoints is empty: list host:port of each Sentinel" }}
{{- end }}
{{- if and .Values.redis.enabled $endpoints }}
{{- fail "redis.external.sentinel.endpoints is set but redis.enabled is true: the bundled Redis is a single node; set redis.enabled=false to use your Sentinels" }}
{{- end }}
{{- if and (not .Values.redis.enabled) (not .Values.redis.external.url) (not .Values.redis.external.existingSecret) (not $endpoints) }}
{{- fail "redis.enabled is false but none of redis.external.url, redis.external.existingSecret or redis.external.sentinel.endpoints is set: point the operator at a Redis (or its Sentinels) or enable the bundled one" }}
{{- end }}
{{- if and $endpoints (or .Values.redis.external.url .Values.redis.external.existingSecret) }}
{{- fail "redis.external.sentinel.endpoints and redis.external.url/existingSecret are both set: use url or existingSecret for one Redis, or sentinel.endpoints with sentinel.masterName for Redis Sentinel, not both" }}
{{- end }}
{{- if and $endpoints (not $masterName) }}
{{- fail "redis.external.sentinel.masterName is required with redis.external.sentinel.endpoints: the master group name the Sentinels monitor (sentinel monitor <name> ...), e.g. mymaster" }}
{{- end }}
{{- if lt (int .Values.watcher.replicas) 1 }}
{{- fail "watcher.replicas must be at least 1 (2 recommended: a leader and a standby)" }}
{{- end }}
{{- if not .Values.resources }}
{{- fail "resources is empty: declare at least one custom resource for the operator to manage (see values.yaml)" }}
{{- end }}
{{- $names := list }}
{{- range .Values.resources }}{{ $names = append $names .name }}{{ end }}
{{- range $q := .Values.worker.queues }}
{{- if not (has $q $names) }}
{{- fail (printf "worker.queues: %q is not the name of any resources[] entry (names: %s)" $q (join ", " $names)) }}
{{- end }}
{{- end }}
{{- range $p := .Values.worker.pools }}
{{- range $q := $p.queues }}
{{- if not (has $q $names) }}
{{- fail (printf "worker.pools[%s].queues: %q is not the name of any resources[] entry (names: %s)" $p.name $q (join ", " $names)) }}
{{- end }}
{{- end }}
{{- end }}
{{- range $i, $r := .Values.resources }}
{{- if and (not $r.templateSet) (not $r.helm) }}
{{- fail (printf "resources[%d] (%s): set templateSet (a key of templateSets) or helm.chart" $i $r.name) }}
{{- end }}
{{- if and $r.templateSet (not (hasKey $.Values.templateSets $r.templateSet)) }}
{{- fail (printf "resources[%d] (%s): templateSet %q is not a key of templateSets" $i $r.name $r.templateSet) }}
{{- end }}
{{- if not $r.renders }}
{{- fail (printf "resources[%d] (%s): renders is empty: list the kinds its templates produce ({apiGroup, resources}) so the chart can grant exactly those" $i $r.name) }}
{{- end }}
{{- end }}
{{- end }}

{{/* Namespaces that get Roles when rbac.scope=namespace. */}}
{{- define "lostromos.rbacNamespaces" -}}
{{- if .Values.rbac.namespaces -}}
{{ join "," .Values.rbac.namespaces }}
{{- else -}}
{{ .Release.Namespace }}
{{- end -}}
{{- end }}

{{/*
The operator's config file. Each resource drops the chart-only keys (templateSet, renders) and points its
templates at the mounted ConfigMap.
*/}}
{{- define "lostromos.config" -}}
{{- $fullname := include "lostromos.fullname" . -}}
{{- $redis := dict "prefix" .Values.config.redisPrefix -}}
{{- if .Values.redis.enabled -}}
{{- $_ := set $redis "url" (printf "redis://%s:6379" (include "lostromos.redisHost" .)) -}}
{{- else if include "lostromos.redisSentinelMode" . -}}
{{- $s := .Values.redis.external.sentinel -}}
{{- $_ := set $redis "sentinels" $s.endpoints -}}
{{- $_ := set $redis "sentinelName" $s.masterName -}}
{{- $_ := set $redis "db" ($s.db | default 0 | int) -}}
{{- if not (kindIs "invalid" $s.tls) -}}
{{- $_ := set $redis "sentinelTls" $s.tls -}}
{{- end -}}
{{- if $s.username -}}
{{- $_ := set $redis "sentinelUsername" $s.username -}}
{{- end -}}
{{- if include "lostromos.redisSentinelHasPassword" . -}}
{{- $_ := set $redis "sentinelPasswordFile" "/etc/lostromos/redis-sentinel/password" -}}
{{- end -}}
{{- else if .Values.redis.external.url -}}
{{- $_ := set $redis "url" .Values.redis.external.url -}}
{{- end -}}
{{- if and (not .Values.redis.enabled) .Values.redis.external.tls -}}
{{- $_ := set $redis "tls" true -}}
{{- end -}}
{{- if and (not .Values.redis.enabled) .Values.redis.external.username -}}
{{- $_ := set $redis "username" .Values.redis.external.username -}}
{{- end -}}
{{- if include "lostromos.redisHasPassword" . -}}
{{- $_ := set $redis "passwordFile" "/etc/lostromos/redis/password" -}}
{{- end -}}
{{- $le := dict "namespace" .Release.Namespace "leaseName" (include "lostromos.leaseName" .) "leaseDurationSeconds" .Values.config.leaderElection.leaseDurationSeconds "renewDeadlineSeconds" .Values.config.leaderElection.renewDeadlineSeconds "retryPeriodSeconds" .Values.config.leaderElection.retryPeriodSeconds "shards" (.Values.config.leaderElection.shards | default 1 | int) -}}
{{- $auth := dict "mode" .Values.dashboard.auth.mode -}}
{{- if eq .Values.dashboard.auth.mode "basic" -}}
{{- $_ := set $auth "username" .Values.dashboard.auth.username -}}
{{- $_ := set $auth "passwordFile" "/etc/lostromos/dashboard/password" -}}
{{- end -}}
{{- $dash := dict "address" "0.0.0.0:3000" "basePath" .Values.dashboard.basePath "readOnly" .Values.dashboard.readOnly "auth" $auth -}}
{{- $resources := list -}}
{{- range .Values.resources -}}
{{- $r := omit . "templateSet" "renders" -}}
{{- if .templateSet -}}
{{- $_ := set $r "templates" (printf "/etc/lostromos/templates/%s" .templateSet) -}}
{{- end -}}
{{- $resources = append $resources $r -}}
{{- end -}}
{{- $cfg := dict
  "redis" $redis
  "kubernetes" (dict "kubeconfig" "" "qps" .Values.config.kubernetes.qps "burst" .Values.config.kubernetes.burst)
  "leaderElection" $le
  "server" (dict "address" (printf "0.0.0.0:%d" (int .Values.metricsPort)))
  "dashboard" $dash
  "log" .Values.config.log
  "worker" .Values.config.worker
  "helm" .Values.config.helm
  "resources" $resources -}}
{{- toYaml (mergeOverwrite $cfg .Values.config.extra) }}
{{- end }}

{{/*
The pod spec shared by the watcher, worker and dashboard Deployments.
include "lostromos.podSpec" (dict "ctx" $ "component" "worker" "values" .Values.worker)
*/}}
{{- define "lostromos.podSpec" -}}
{{- $ctx := .ctx -}}
{{- $v := .values -}}
serviceAccountName: {{ include "lostromos.serviceAccountName" (dict "ctx" $ctx "component" (.role | default .component)) }}
automountServiceAccountToken: {{ $ctx.Values.serviceAccount.automountServiceAccountToken }}
# No docker-link env vars: with a release named "lostromos" they would look like LOSTROMOS_* settings.
enableServiceLinks: false
{{- with $ctx.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $ctx.Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds | default 30 }}
securityContext:
  {{- toYaml $ctx.Values.podSecurityContext | nindent 2 }}
containers:
  - name: lostromos
    image: {{ include "lostromos.image" $ctx }}
    imagePullPolicy: {{ $ctx.Values.image.pullPolicy }}
    args:
      - start
      - --config
      - /etc/lostromos/config/config.yaml
      - --role
      - {{ .role | default .component }}
      {{- with .queues }}
      - --worker-resources
      - {{ join "," . }}
      {{- end }}
    env:
      - name: POD_NAME
        valueFrom:
          fieldRef:
            fieldPath: metadata.name
      - name: POD_NAMESPACE
        valueFrom:
          fieldRef:
            fieldPath: metadata.namespace
      # helm (Helm mode) needs writable cache/config dirs; the root filesystem is read-only.
      - name: HOME
        value: /tmp
      - name: HELM_CACHE_HOME
        value: /tmp/helm/cache
      - name: HELM_CONFIG_HOME
        value: /tmp/helm/config
      - name: HELM_DATA_HOME
        value: /tmp/helm/data
      {{- $userNodeOptions := false }}
      {{- range $ctx.Values.extraEnv }}{{ if eq .name "NODE_OPTIONS" }}{{ $userNodeOptions = true }}{{ end }}{{ end }}
      {{- if and $v.nodeOptions (not $userNodeOptions) }}
      # Node.js/V8 flags of this role (watcher.nodeOptions; docs/performance.md, "Watcher memory").
      - name: NODE_OPTIONS
        value: {{ $v.nodeOptions | quote }}
      {{- end }}
      {{- if and (not $ctx.Values.redis.enabled) (not $ctx.Values.redis.external.url) $ctx.Values.redis.external.existingSecret (not (include "lostromos.redisSentinelMode" $ctx)) }}
      - name: LOSTROMOS_REDIS_URL
        valueFrom:
          secretKeyRef:
            name: {{ $ctx.Values.redis.external.existingSecret }}
            key: {{ $ctx.Values.redis.external.existingSecretUrlKey }}
      {{- end }}
      {{- with $ctx.Values.extraEnv }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    ports:
      - name: metrics
        containerPort: {{ $ctx.Values.metricsPort }}
        protocol: TCP
      {{- if eq .component "dashboard" }}
      - name: http
        containerPort: 3000
        protocol: TCP
      {{- end }}
    startupProbe:
      httpGet:
        path: {{ $ctx.Values.probes.liveness.path }}
        port: metrics
      failureThreshold: {{ $ctx.Values.probes.startup.failureThreshold }}
      periodSeconds: {{ $ctx.Values.probes.startup.periodSeconds }}
    livenessProbe:
      httpGet:
        path: {{ $ctx.Values.probes.liveness.path }}
        port: metrics
      initialDelaySeconds: {{ $ctx.Values.probes.liveness.initialDelaySeconds }}
      periodSeconds: {{ $ctx.Values.probes.liveness.periodSeconds }}
      timeoutSeconds: {{ $ctx.Values.probes.liveness.timeoutSeconds }}
      failureThreshold: {{ $ctx.Values.probes.liveness.failureThreshold }}
    readinessProbe:
      httpGet:
        path: {{ $ctx.Values.probes.readiness.path }}
        port: metrics
      initialDelaySeconds: {{ $ctx.Values.probes.readiness.initialDelaySeconds }}
      periodSeconds: {{ $ctx.Values.probes.readiness.periodSeconds }}
      timeoutSeconds: {{ $ctx.Values.probes.readiness.timeoutSeconds }}
      failureThreshold: {{ $ctx.Values.probes.readiness.failureThreshold }}
    resources:
      {{- toYaml $v.resources | nindent 6 }}
    securityContext:
      {{- toYaml $ctx.Values.securityContext | nindent 6 }}
    volumeMounts:
      - name: config
        mountPath: /etc/lostromos/config
        readOnly: true
      - name: tmp
        mountPath: /tmp
      {{- /* Every role gets the template folders so they all load the same, valid config. */}}
      {{- range $name, $set := $ctx.Values.templateSets }}
      - name: templates-{{ $name }}
        mountPath: /etc/lostromos/templates/{{ $name }}
        readOnly: true
      {{- end }}
      {{- if include "lostromos.redisHasPassword" $ctx }}
      - name: redis-password
        mountPath: /etc/lostromos/redis
        readOnly: true
      {{- end }}
      {{- if include "lostromos.redisSentinelHasPassword" $ctx }}
      - name: redis-sentinel-password
        mountPath: /etc/lostromos/redis-sentinel
        readOnly: true
      {{- end }}
      {{- if and (eq .component "dashboard") (eq $ctx.Values.dashboard.auth.mode "basic") }}
      - name: dashboard-password
        mountPath: /etc/lostromos/dashboard
        readOnly: true
      {{- end }}
      {{- with $ctx.Values.extraVolumeMounts }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
volumes:
  - name: config
    configMap:
      name: {{ include "lostromos.fullname" $ctx }}-config
  - name: tmp
    emptyDir:
      sizeLimit: 256Mi
  {{- range $name, $set := $ctx.Values.templateSets }}
  - name: templates-{{ $name }}
    configMap:
      name: {{ $set.existingConfigMap | default (printf "%s-templates-%s" (include "lostromos.fullname" $ctx) $name) }}
  {{- end }}
  {{- if include "lostromos.redisHasPassword" $ctx }}
  - name: redis-password
    secret:
      secretName: {{ include "lostromos.redisPasswordSecret" $ctx }}
      defaultMode: 0440
      items:
        - key: {{ include "lostromos.redisPasswordKey" $ctx }}
          path: password
  {{- end }}
  {{- if include "lostromos.redisSentinelHasPassword" $ctx }}
  - name: redis-sentinel-password
    secret:
      secretName: {{ $ctx.Values.redis.external.sentinel.passwordSecret }}
      defaultMode: 0440
      items:
        - key: {{ $ctx.Values.redis.external.sentinel.passwordSecretKey | default "password" }}
          path: password
  {{- end }}
  {{- if and (eq .component "dashboard") (eq $ctx.Values.dashboard.auth.mode "basic") }}
  - name: dashboard-password
    secret:
      secretName: {{ include "lostromos.dashboardSecret" $ctx }}
      defaultMode: 0440
      items:
        - key: {{ $ctx.Values.dashboard.auth.existingSecretKey }}
          path: password
  {{- end }}
  {{- with $ctx.Values.extraVolumes }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- with $ctx.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $ctx.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $ctx.Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if $v.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml $v.topologySpreadConstraints | nindent 2 }}
{{- else }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "lostromos.selectorLabels" (dict "ctx" $ctx "component" .component) | nindent 8 }}
{{- end }}
{{- end }}

{{/*
One operator Deployment. include "lostromos.deployment" (dict "ctx" $ "component" "watcher" "values" .Values.watcher
"replicas" 2 "autoscaled" false); worker pools add "role" "worker" and "queues" (resource names).
*/}}
{{- define "lostromos.deployment" -}}
{{- $ctx := .ctx -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "lostromos.fullname" $ctx }}-{{ .component }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "lostromos.labels" $ctx | nindent 4 }}
    {{- include "lostromos.componentLabels" (dict "ctx" $ctx "component" .component) | nindent 4 }}
spec:
  {{- if not .autoscaled }}
  replicas: {{ .replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "lostromos.selectorLabels" (dict "ctx" $ctx "component" .component) | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: {{ if eq .component "watcher" }}0{{ else }}1{{ end }}
  template:
    metadata:
      labels:
        {{- include "lostromos.labels" $ctx | nindent 8 }}
        {{- include "lostromos.componentLabels" (dict "ctx" $ctx "component" .component) | nindent 8 }}
        {{- with $ctx.Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        # Roll the pods when the operator config changes (template edits apply live, no restart).
        checksum/config: {{ include "lostromos.config" $ctx | sha256sum }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $ctx.Values.metricsPort | quote }}
        prometheus.io/path: /metrics
        {{- with $ctx.Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- include "lostromos.podSpec" . | nindent 6 }}
{{- end }}
