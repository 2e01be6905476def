{{/*
Names stay within 40 characters, so that the longest derived name,
<fullname>-edge-<region>-headless with a region of up to 12 characters,
fits the 63 characters of a DNS label.
*/}}
{{- define "mayfly.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "mayfly.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component; call with (list $ "control") or (list $ "edge" "eu"). */}}
{{- define "mayfly.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ $root.Chart.Name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- if gt (len .) 2 }}
mayfly.io/region: {{ index . 2 }}
{{- end }}
{{- end -}}

{{- define "mayfly.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "mayfly.secretName" -}}
{{ .Values.secrets.existingSecret | default (printf "%s-tokens" (include "mayfly.fullname" .)) }}
{{- end -}}

{{- define "mayfly.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{ .Values.serviceAccount.name | default (include "mayfly.fullname" .) }}
{{- else -}}
{{ .Values.serviceAccount.name | default "default" }}
{{- end -}}
{{- end -}}

{{- define "mayfly.controlName" -}}
{{ include "mayfly.fullname" . }}-control
{{- end -}}

{{- define "mayfly.controlHeadless" -}}
{{ include "mayfly.fullname" . }}-control-headless
{{- end -}}

{{/* The fully qualified name of control-plane pod N; call with (list $ N). */}}
{{- define "mayfly.controlPodHost" -}}
{{- $root := index . 0 -}}
{{ include "mayfly.controlName" $root }}-{{ index . 1 }}.{{ include "mayfly.controlHeadless" $root }}.{{ $root.Release.Namespace }}.svc.{{ $root.Values.clusterDomain }}
{{- end -}}

{{/* The API URLs of every control-plane pod, comma-separated. */}}
{{- define "mayfly.controlURLs" -}}
{{- $root := . -}}
{{- $urls := list -}}
{{- range $i := until (int .Values.control.replicas) -}}
{{- $urls = append $urls (printf "http://%s:%d" (include "mayfly.controlPodHost" (list $root $i)) (int $root.Values.control.ports.api)) -}}
{{- end -}}
{{- join "," $urls -}}
{{- end -}}

{{/*
The security context of every container. NET_BIND_SERVICE is added only
for a container that binds a port below 1024; call with (list $ lowestPort).
*/}}
{{- define "mayfly.containerSecurityContext" -}}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
runAsNonRoot: true
seccompProfile:
  type: RuntimeDefault
capabilities:
  drop: [ALL]
  {{- if lt (int (index . 1)) 1024 }}
  add: [NET_BIND_SERVICE]
  {{- end }}
{{- end -}}

{{/*
The pod security context. For a process that does not run as root,
capabilities.add fills only the bounding set, because Kubernetes sets no
ambient capabilities, so a port below 1024 also needs the namespaced sysctl
net.ipv4.ip_unprivileged_port_start, which Kubernetes counts as safe,
lowered to that port.
Call with (list $ lowestPort).
*/}}
{{- define "mayfly.podSecurityContext" -}}
{{- $root := index . 0 -}}
{{- $lowest := int (index . 1) -}}
{{ toYaml $root.Values.podSecurityContext }}
{{- if lt $lowest 1024 }}
sysctls:
  - name: net.ipv4.ip_unprivileged_port_start
    value: {{ $lowest | quote }}
{{- end }}
{{- end -}}

{{/* An environment variable read from the tokens' Secret; call with (list $ NAME KEY). */}}
{{- define "mayfly.secretEnv" -}}
- name: {{ index . 1 }}
  valueFrom:
    secretKeyRef:
      name: {{ include "mayfly.secretName" (index . 0) }}
      key: {{ index . 2 }}
{{- end -}}

{{/* Fails rendering when a region's name is not a DNS label Mayfly accepts. */}}
{{- define "mayfly.checkRegions" -}}
{{- $seen := dict -}}
{{- if not .Values.regions -}}
{{- fail "regions: list at least one region with a name and replicas" -}}
{{- end -}}
{{- range .Values.regions -}}
{{- if not (regexMatch "^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$" (toString .name)) -}}
{{- fail (printf "regions: invalid region name %q: use 1 to 12 characters of a-z, 0-9 and -, starting and ending with a letter or digit" (toString .name)) -}}
{{- end -}}
{{- if hasKey $seen .name -}}
{{- fail (printf "regions: region %q is listed twice" .name) -}}
{{- end -}}
{{- $_ := set $seen .name true -}}
{{- if not .mxDomain -}}
{{- fail (printf "regions: region %q has no mxDomain, the zone its edges' MX host names live in" .name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
